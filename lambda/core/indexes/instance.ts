import { isNamedInstanceId, isResourceId } from '../resource-ids';
import { actorIndex } from './actor';
import { defineIdIndex } from './define';

/**
 * Events by the instances they name: `INSTANCE#i-…` (lower case). With `--as-actor`, the events the
 * instance made itself with its role credentials instead (`ACTOR#i-…`, ./actor.ts).
 */
export const instanceIndex = defineIdIndex({
  kind: 'instance',
  prefix: 'INSTANCE#',
  valuesOf: (event) => event.instanceIds,
  description: 'events for an instance (i-…)',
  examples: [
    ['what was done to an instance in the last 24 hours', 'i-786a3a8b5c0d92ef4 --since 24h'],
    ['what the instance did with its own role credentials', 'i-786a3a8b5c0d92ef4 --as-actor'],
    ['its event names, for a script', "i-0dbc91f429e48eeed --json | jq -r '.eventName'"],
  ],
  isId: isNamedInstanceId,
  notAnId: 'is not an instance ID (i- followed by 8 or 17 hex digits)',
  elsewhere: {
    isId: isResourceId,
    hint: 'for volumes, snapshots, images, security groups and other resource IDs use: query resource',
  },
  alternate: {
    option: '--as-actor',
    description:
      "the calls the instance made itself, with its role's credentials (a session named after the instance), instead of the events done to it",
    subject: 'made by instance',
    index: actorIndex,
  },
});
