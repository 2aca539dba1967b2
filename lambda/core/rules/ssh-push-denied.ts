import { fire, PASS, type Rule } from './rule';

/** The push failed (AccessDenied, AuthException, …): someone tried to get onto an instance. */
export const sshPushDenied: Rule = {
  id: 'ssh-push-denied',
  title: 'a push that failed with an error code (AccessDenied, AuthException, …)',
  falsePositives: 'users probing their own permissions; instances that were stopped or not running the agent',
  stateful: false,
  evaluate(push) {
    return push.errorCode ? fire(`failed with ${push.errorCode}`) : PASS;
  },
};
