import { fire, PASS, type Rule } from './rule';

/** The principal belongs to another account than the one that owns the instance. */
export const sshCrossAccount: Rule = {
  id: 'ssh-cross-account',
  title: 'a key pushed by a principal of another account',
  falsePositives: 'central operations accounts that manage workload accounts by design',
  stateful: false,
  evaluate(push) {
    const from = push.principal.accountId;
    const to = push.accountId;
    if (!from || !to || from === to) return PASS;
    return fire(`principal of account ${from} pushed a key in account ${to}`);
  },
};
