import { isInstanceId, isResourceId } from '../resource-ids';
import { defineIndex, idLookup } from './define';

/** Events by the volumes, snapshots, images and security groups they name: `RESOURCE#vol-…` (lower case). */
export const resourceIndex = defineIndex({
  kind: 'resource',
  prefix: 'RESOURCE#',
  normalize: (id) => id.toLowerCase(),
  valuesOf: (event) => event.resourceIds,
  lookup: {
    argument: '<id>',
    description: 'events for a volume, snapshot, image or security group (vol-, snap-, ami-, sg-)',
    valueOf: idLookup(
      'resource',
      isResourceId,
      'is not a vol-, snap-, ami- or sg- ID with 8 or 17 hex digits',
      {
        isId: isInstanceId,
        hint: 'for instances use: query instance',
      },
    ),
  },
});
