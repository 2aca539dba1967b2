import { defineIndex, NO_VALUES } from './define';

/**
 * What instances did with their own role credentials: `ACTOR#i-…` (lower case) holds the calls whose
 * principal is an assumed-role session named after the instance (`actorInstanceId`). Internal: read
 * by `trailwatch query instance ID --as-actor` (the `alternate` of the instance lookup) and by
 * `trailwatch access`.
 */
export const actorIndex = defineIndex({
  kind: 'actor',
  prefix: 'ACTOR#',
  normalize: (id) => id.toLowerCase(),
  valuesOf: (event) => (event.actorInstanceId ? [event.actorInstanceId] : NO_VALUES),
});
