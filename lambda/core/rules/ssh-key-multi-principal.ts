import { fire, PASS, type Rule } from './rule';

/** The same key was pushed by N or more distinct principals (default 2): a shared or stolen key. */
export const sshKeyMultiPrincipal: Rule = {
  id: 'ssh-key-multi-principal',
  title: 'the same key pushed by several principals',
  falsePositives: 'a team sharing one key on purpose, or a person using several roles; both are worth fixing',
  stateful: true,
  evaluate(push, { settings, history }) {
    if (!history || !push.ssh?.fingerprint) return PASS;
    const principals = history.distinctPrincipals();
    if (principals.size < settings.multiPrincipalThreshold) return PASS;
    const list = [...principals].sort();
    return fire(
      `key pushed by ${list.length} principals: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
    );
  },
};
