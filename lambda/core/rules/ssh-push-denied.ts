import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** The push failed (AccessDenied, AuthException, …): someone tried to get onto an instance. */
export const sshPushDenied = defineRule({
  id: 'ssh-push-denied',
  title: 'a push that failed with an error code (AccessDenied, AuthException, …)',
  firesWhen: 'the push failed with an error code (`AccessDenied`, `AuthException`, …)',
  falsePositives: 'users testing their own permissions; stopped instances',
  severity: 'low',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push) {
    return push.errorCode ? fire(`failed with ${push.errorCode}`) : PASS;
  },
});
