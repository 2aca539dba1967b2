import { isInstanceId, isResourceId } from '../resource-ids';
import { defineIndex, idLookup } from './define';

/** Events by the instances they name: `INSTANCE#i-…` (lower case). */
export const instanceIndex = defineIndex({
  kind: 'instance',
  prefix: 'INSTANCE#',
  normalize: (id) => id.toLowerCase(),
  valuesOf: (event) => event.instanceIds,
  lookup: {
    argument: '<id>',
    description: 'events for an instance (i-…)',
    valueOf: idLookup('instance', isInstanceId, 'is not an instance ID (i- followed by 8 or 17 hex digits)', {
      isId: isResourceId,
      hint: 'for volumes, snapshots, images and security groups use: query resource',
    }),
  },
});
