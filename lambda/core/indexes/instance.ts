import { isInstanceId, isResourceId } from '../resource-ids';
import { defineIdIndex } from './define';

/** Events by the instances they name: `INSTANCE#i-…` (lower case). */
export const instanceIndex = defineIdIndex({
  kind: 'instance',
  prefix: 'INSTANCE#',
  valuesOf: (event) => event.instanceIds,
  description: 'events for an instance (i-…)',
  isId: isInstanceId,
  notAnId: 'is not an instance ID (i- followed by 8 or 17 hex digits)',
  elsewhere: {
    isId: isResourceId,
    hint: 'for volumes, snapshots, images and security groups use: query resource',
  },
});
