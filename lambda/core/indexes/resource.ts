import { isInstanceId, isResourceId } from '../resource-ids';
import { defineIdIndex } from './define';

/** Events by the volumes, snapshots, images and security groups they name: `RESOURCE#vol-…` (lower case). */
export const resourceIndex = defineIdIndex({
  kind: 'resource',
  prefix: 'RESOURCE#',
  valuesOf: (event) => event.resourceIds,
  description: 'events for a volume, snapshot, image or security group (vol-, snap-, ami-, sg-)',
  isId: isResourceId,
  notAnId: 'is not a vol-, snap-, ami- or sg- ID with 8 or 17 hex digits',
  elsewhere: { isId: isInstanceId, hint: 'for instances use: query instance' },
});
