import { UsageError } from './errors';
import { userQueryKey } from './identity';
import { keys } from './items';
import { isInstanceId, isResourceId } from './resource-ids';
import { keyQueryFingerprint, looksLikeFingerprint, sshKeyFacts } from './ssh';

/** The things a user can look up (`trailwatch query <kind> <value>`). */
export type LookupKind = 'instance' | 'user' | 'resource' | 'key';

export const LOOKUP_KINDS: readonly LookupKind[] = ['instance', 'user', 'resource', 'key'];

/**
 * The partition that answers a lookup. Validates the value first, so a typo is a usage error with a
 * hint rather than an empty answer.
 * @throws UsageError
 */
export function lookupPartition(kind: LookupKind, value: string): string {
  const v = value.trim();
  if (v === '') throw new UsageError(`${kind} is empty`, kind);
  switch (kind) {
    case 'instance':
      if (!isInstanceId(v)) {
        const hint = isResourceId(v)
          ? ' (for volumes, snapshots, images and security groups use: query resource)'
          : '';
        throw new UsageError(
          `'${value}' is not an instance ID (i- followed by 8 or 17 hex digits)${hint}`,
          'instance',
        );
      }
      return keys.instance(v);
    case 'resource':
      if (!isResourceId(v)) {
        const hint = isInstanceId(v) ? ' (for instances use: query instance)' : '';
        throw new UsageError(
          `'${value}' is not a vol-, snap-, ami- or sg- ID with 8 or 17 hex digits${hint}`,
          'resource',
        );
      }
      return keys.resource(v);
    case 'user':
      return keys.user(userQueryKey(v));
    case 'key': {
      if (!looksLikeFingerprint(v) && !sshKeyFacts(v).keyValid && !/^\S+\s+[A-Za-z0-9+/=]{16,}/.test(v)) {
        throw new UsageError(
          `'${value.slice(0, 80)}' is neither a SHA256:… fingerprint nor an SSH public key`,
          'key',
        );
      }
      if (/^SHA256:/.test(v) && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(v)) {
        throw new UsageError(
          `'${value}' is not a SHA256 fingerprint (SHA256: and 43 base64 characters, as ssh-keygen -l prints)`,
          'key',
        );
      }
      return keys.sshKey(keyQueryFingerprint(v));
    }
  }
}
