import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** The principal belongs to another account than the one that owns the instance. */
export const sshCrossAccount = defineRule({
  id: 'ssh-cross-account',
  title: 'a key pushed by a principal of another account',
  firesWhen: "the principal's account differs from the account that owns the instance",
  falsePositives: 'central operations accounts managing workload accounts by design',
  severity: 'high',
  attack: 'T1078.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push) {
    const from = push.principal.accountId;
    const to = push.accountId;
    if (!from || !to || from === to) return PASS;
    return fire(`principal of account ${from} pushed a key in account ${to}`);
  },
});
