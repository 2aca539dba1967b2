import type { IndexedEvent } from '../event';
import { defineRule, fire, PASS } from './rule';
import { callsOf, listedKeys, principalKey, principalWindow } from './window';

/**
 * A `SendCommand` or `StartSession` naming at least one instance, allowed or not (a `ResumeSession`
 * names only its session, a `SendCommand` by tags no instance: neither can add an instance).
 */
const reachesInstances = (event: IndexedEvent): boolean =>
  (event.access?.method === 'ssm-command' || event.access?.method === 'ssm-session') &&
  event.instanceIds.length > 0;

/**
 * One principal sent commands to, or opened sessions on, N or more distinct instances within the
 * window (default 3 in 60 minutes); one `SendCommand` naming three instances counts three. ATT&CK
 * T1651 (Cloud Administration Command). The verdict on a call considers every window of the
 * configured length that contains it.
 */
export const ssmCommandManyInstances = defineRule({
  id: 'ssm-command-many-instances',
  title: 'one principal running commands or opening sessions on several instances within a short window',
  firesWhen:
    'one principal sends commands to, or starts sessions on, 3 or more distinct instances within 60 minutes (`SendCommand`, `StartSession`; denied calls count)',
  settings: ['ssmInstanceThreshold', 'ssmWindowMinutes'],
  falsePositives:
    'patching, deployment and configuration tools (Run Command, Ansible over SSM) and operators working through a fleet: scope by principal before alarming',
  severity: 'medium',
  attack: 'T1651',
  stratus: 'aws.execution.ssm-send-command',
  family: 'threat',
  appliesTo: reachesInstances,
  stateful: true,
  history: {
    kind: 'own',
    keysOf: principalKey,
    windowMinutes: (settings) => settings.ssmWindowMinutes,
  },
  evaluate(event, { settings, history }) {
    if (!history || !reachesInstances(event)) return PASS;
    const minutes = settings.ssmWindowMinutes;
    const w = principalWindow(event, history, {
      rule: 'ssm-command-many-instances',
      settings,
      windowMinutes: minutes,
      applies: reachesInstances,
      enough: (_, instances) => instances >= settings.ssmInstanceThreshold,
    });
    if (!w) return PASS;
    return fire(
      `commands or sessions on ${w.distinct} instances within ${minutes} minutes ${callsOf(w)}: ${listedKeys(w)}`,
    );
  },
});
