import { UsageError } from '../errors';
import type { IndexedEvent } from '../event';
import { LIMITS } from '../limits';
import { defineIndex, NO_VALUES } from './define';

/**
 * The key pair names of an event, as keys: trimmed (the lookup trims what is typed too), the empty
 * ones dropped. Usually the list the event holds.
 */
function keyNamesOf(event: IndexedEvent): readonly string[] {
  const names = event.keyNames;
  if (names === undefined || names.length === 0) return NO_VALUES;
  if (names.every((n) => n !== '' && n.trim() === n)) return names;
  const kept = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  return kept.length === 0 ? NO_VALUES : kept;
}

/**
 * Events by the EC2 key pair names they name (RunInstances with `keyName`, ImportKeyPair,
 * CreateKeyPair, DeleteKeyPair, …): `KEYPAIR#<name>`, in its exact case (EC2 key pair names are
 * case-sensitive).
 */
export const keyPairIndex = defineIndex({
  kind: 'keypair',
  prefix: 'KEYPAIR#',
  valuesOf: keyNamesOf,
  lookup: {
    argument: '<name>',
    description:
      'events that name an EC2 key pair (launches with it, imports, creations, deletions); the name in its exact case',
    examples: [
      ['launches with a key pair, its imports and deletions', 'kp1'],
      ['the last 90 days of one, as NDJSON', 'prod-admin --since 90d --json'],
    ],
    valueOf(name, typed) {
      if (name.length > LIMITS.keyName) {
        throw new UsageError(
          `'${typed.slice(0, 80)}…' is not a key pair name (EC2 allows up to ${LIMITS.keyName} characters)`,
          'keypair',
        );
      }
      return name;
    },
  },
});
