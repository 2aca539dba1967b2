import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

const MIN_RSA_BITS = 2048;

/** DSA keys, and RSA keys shorter than 2048 bits, can be broken or are deprecated. */
export const sshWeakKey = defineRule({
  id: 'ssh-weak-key',
  title: 'a weak key: DSA, or RSA shorter than 2048 bits',
  firesWhen: 'a DSA key, or an RSA key shorter than 2048 bits',
  falsePositives: 'none known: short RSA keys are weak wherever they are used',
  severity: 'low',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push) {
    const s = push.ssh;
    if (!s?.keyValid) return PASS;
    if (s.keyType === 'DSA') return fire(`DSA key (${s.keyBits ?? '?'} bits)`);
    if (s.keyType === 'RSA' && s.keyBits !== undefined && s.keyBits < MIN_RSA_BITS)
      return fire(`RSA key of ${s.keyBits} bits (< ${MIN_RSA_BITS})`);
    return PASS;
  },
});
