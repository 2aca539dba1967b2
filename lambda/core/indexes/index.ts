import { actorIndex } from './actor';
import { historyIndex } from './history';
import { instanceIndex } from './instance';
import { ipIndex } from './ip';
import { keyPairIndex } from './keypair';
import { privateIpIndex } from './private-ip';
import { resourceIndex } from './resource';
import { sessionIndex } from './session';
import { sshKeyIndex } from './ssh-key';
import { userIndex } from './user';

export {
  defineIndex,
  type IndexAlternate,
  type IndexDefinition,
  type IndexLookup,
  type InternalIndex,
  idLookup,
  NO_VALUES,
  type QueryIndex,
} from './define';

/**
 * Every index, one line each: an event gets an index item in each partition these draw from it (in
 * this order), and each with a `lookup` is a `trailwatch query` subcommand (in this order); the
 * others are internal, read by other commands. A new index is a file beside these exporting
 * `defineIndex({…})` and its line here.
 */
export const INDEXES = [
  instanceIndex,
  userIndex,
  resourceIndex,
  sshKeyIndex,
  keyPairIndex,
  ipIndex,
  sessionIndex,
  privateIpIndex,
  actorIndex,
  historyIndex,
] as const;

/** The `kind` of index items. */
export type IndexKind = (typeof INDEXES)[number]['kind'];

/** The indexes with a `trailwatch query` subcommand. */
export type QueryIndexKind = Extract<(typeof INDEXES)[number], { readonly lookup: object }>['kind'];
