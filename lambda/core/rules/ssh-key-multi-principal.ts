import { sshKeyIndex } from '../indexes/ssh-key';
import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** The same key was pushed by N or more distinct principals (default 2): a shared or stolen key. */
export const sshKeyMultiPrincipal = defineRule({
  id: 'ssh-key-multi-principal',
  title: 'the same key pushed by several principals',
  firesWhen: 'the same key is pushed by 2 or more distinct principals (all pushes kept in the index)',
  settings: ['multiPrincipalThreshold'],
  falsePositives: 'a team sharing one key, or one person using several roles: both worth fixing',
  severity: 'medium',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: true,
  history: {
    kind: 'index',
    keysOf: (push) => (push.ssh?.fingerprint ? [sshKeyIndex.partitionKey(push.ssh.fingerprint)] : []),
  },
  evaluate(push, { settings, history }) {
    if (!history || !push.ssh?.fingerprint) return PASS;
    const principals = history.distinctPrincipals();
    if (principals.size < settings.multiPrincipalThreshold) return PASS;
    const list = [...principals].sort();
    return fire(
      `key pushed by ${list.length} principals: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
    );
  },
});
