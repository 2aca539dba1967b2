import { isRoot } from '../identity';
import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** The account root user pushed a key: root should never be used for day-to-day access. */
export const sshRootIdentity = defineRule({
  id: 'ssh-root-identity',
  title: 'a key pushed by the account root user',
  firesWhen: 'the key is pushed by the account root user',
  falsePositives: 'break-glass procedures that use root on purpose',
  severity: 'high',
  attack: 'T1078.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push) {
    return isRoot(push.principal)
      ? fire(`pushed by the root user of account ${push.principal.accountId ?? push.accountId ?? '?'}`)
      : PASS;
  },
});
