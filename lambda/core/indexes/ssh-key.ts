import { UsageError } from '../errors';
import { keyQueryFingerprint, looksLikeFingerprint, sshKeyFacts } from '../ssh';
import { defineIndex, NO_VALUES } from './define';

/** SSH key pushes by the key's fingerprint: `KEY#SHA256:…`. */
export const sshKeyIndex = defineIndex({
  kind: 'key',
  prefix: 'KEY#',
  readByRules: true,
  valuesOf: (event) => (event.ssh?.fingerprint ? [event.ssh.fingerprint] : NO_VALUES),
  lookup: {
    argument: '<fingerprint>',
    description: 'SSH key pushes of one key: SHA256:… fingerprint, or a whole public key',
    examples: [
      ['where a key was pushed, by its fingerprint', 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8'],
      [
        'by the public key itself',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu',
      ],
    ],
    valueOf(key, typed) {
      if (
        !looksLikeFingerprint(key) &&
        !sshKeyFacts(key).keyValid &&
        !/^\S+\s+[A-Za-z0-9+/=]{16,}/.test(key)
      ) {
        throw new UsageError(
          `'${typed.slice(0, 80)}' is neither a SHA256:… fingerprint nor an SSH public key`,
          'key',
        );
      }
      if (/^SHA256:/.test(key) && !/^SHA256:[A-Za-z0-9+/]{43}=?$/.test(key)) {
        throw new UsageError(
          `'${typed}' is not a SHA256 fingerprint (SHA256: and 43 base64 characters, as ssh-keygen -l prints)`,
          'key',
        );
      }
      return keyQueryFingerprint(key);
    },
  },
});
