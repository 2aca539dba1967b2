import type { IndexedEvent } from '../event';
import { principalName } from '../identity';
import { sshKeyIndex } from '../indexes/ssh-key';
import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';
import { summaryOf } from './summary';

/** Principals read back from a key's summary at least (the threshold, when higher). */
const PRINCIPALS_READ = 100;

const principalOf = (push: IndexedEvent): readonly string[] => [principalName(push.principal)];

/**
 * The same key was pushed by N or more distinct principals (default 2): a shared or stolen key.
 * Windowless: the key's distinct principals are a summary kept beside its index partition (one small
 * item per principal, `SUMMARY#ssh-key-multi-principal#KEY#<fingerprint>`), read in one `Query`
 * whatever the key's history (lambda/core/summaries.ts).
 */
export const sshKeyMultiPrincipal = defineRule({
  id: 'ssh-key-multi-principal',
  title: 'the same key pushed by several principals',
  firesWhen: 'the same key is pushed by 2 or more distinct principals (within retention)',
  settings: ['multiPrincipalThreshold'],
  falsePositives: 'a team sharing one key, or one person using several roles: both worth fixing',
  severity: 'medium',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: true,
  history: {
    kind: 'summary',
    keysOf: (push) => (push.ssh?.fingerprint ? [sshKeyIndex.partitionKey(push.ssh.fingerprint)] : []),
    valuesOf: principalOf,
    maxValues: (settings) => Math.max(settings.multiPrincipalThreshold, PRINCIPALS_READ),
  },
  evaluate(push, context) {
    if (!push.ssh?.fingerprint) return PASS;
    const summary = summaryOf(context, principalOf);
    if (!summary || summary.values.length < context.settings.multiPrincipalThreshold) return PASS;
    const list = summary.values;
    const count = `${list.length}${summary.more ? ' or more' : ''}`;
    return fire(
      `key pushed by ${count} principals: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`,
    );
  },
});
