import { instanceIndex } from './instance';
import { resourceIndex } from './resource';
import { sshKeyIndex } from './ssh-key';
import { userIndex } from './user';

export { defineIndex, type IndexDefinition, type IndexLookup, idLookup, NO_VALUES } from './define';

/**
 * Every index, one line each: an event gets an index item in each partition these draw from it (in
 * this order), and each is a `trailwatch query` subcommand (in this order). A new index is a file
 * beside these exporting `defineIndex({…})` and its line here.
 */
export const INDEXES = [instanceIndex, userIndex, resourceIndex, sshKeyIndex] as const;

/** The `kind` of index items, and the lookup kinds of `trailwatch query`. */
export type IndexKind = (typeof INDEXES)[number]['kind'];
