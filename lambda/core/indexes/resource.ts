import { isInstanceId, isResourceId } from '../resource-ids';
import { defineIdIndex } from './define';

/**
 * Events by the other resources they name (volumes, snapshots, images, security groups, network
 * interfaces, subnets, VPCs, Elastic IP allocations, key pair IDs, launch templates):
 * `RESOURCE#vol-…` (lower case).
 */
export const resourceIndex = defineIdIndex({
  kind: 'resource',
  prefix: 'RESOURCE#',
  valuesOf: (event) => event.resourceIds,
  description:
    'events for a volume, snapshot, image, security group, network interface, subnet, VPC, Elastic IP allocation, key pair ID or launch template (vol-, snap-, ami-, sg-, eni-, subnet-, vpc-, eipalloc-, key-, lt-)',
  examples: [
    ['who touched a volume', 'vol-0a1b2c3d4e5f60718'],
    ['changes to a security group in the last week', 'sg-0123456789abcdef0 --since 7d'],
    ['launches from an image, in full whatever the terminal width', 'ami-029eb80bc237bec6f --wide'],
  ],
  isId: isResourceId,
  notAnId:
    'is not a vol-, snap-, ami-, sg-, eni-, subnet-, vpc-, eipalloc-, key- or lt- ID with 8 or 17 hex digits',
  elsewhere: { isId: isInstanceId, hint: 'for instances use: query instance' },
});
