import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** EC2 Instance Connect accepts RSA and ED25519 public keys only. */
const ACCEPTED_TYPES = new Set(['RSA', 'ED25519']);

/** Key material that is not an SSH public key, or of a type Instance Connect does not accept. */
export const sshInvalidKey = defineRule({
  id: 'ssh-invalid-key',
  title: 'key material that is not an SSH public key, or not RSA/ED25519',
  firesWhen: 'the material is not an SSH public key, or is not RSA/ED25519 (all Instance Connect accepts)',
  falsePositives: 'tools probing the API with junk keys; redacted test data',
  severity: 'low',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push) {
    const s = push.ssh;
    if (!s?.fingerprint) return PASS; // no key material in the record (a denied call without parameters)
    if (!s.keyValid) return fire(`not an SSH public key: ${s.keyError ?? 'unparseable'}`);
    if (s.keyType && !ACCEPTED_TYPES.has(s.keyType))
      return fire(`${s.keyType} key: EC2 Instance Connect accepts RSA and ED25519 only`);
    return PASS;
  },
});
