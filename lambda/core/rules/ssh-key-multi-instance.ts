import { sshKeyIndex } from '../indexes/ssh-key';
import { isKeyPush } from './applies';
import { reachedInstance } from './key-history';
import { defineRule, fire, PASS } from './rule';
import { listed, windowReaching } from './window';

/**
 * The same key reached N or more distinct instances within the window (default 2 in 60 minutes):
 * lateral movement with one key. Only successful pushes count. The verdict on a push considers every
 * window of the configured length that contains it, so it does not depend on the order pushes arrive.
 */
export const sshKeyMultiInstance = defineRule({
  id: 'ssh-key-multi-instance',
  title: 'the same key reaching several instances within a short window',
  firesWhen: 'the same key reaches 2 or more distinct instances within 60 minutes (successful pushes only)',
  settings: ['multiInstanceWindowMinutes', 'multiInstanceThreshold'],
  falsePositives: 'an operator or script working through a fleet with one key',
  severity: 'high',
  attack: 'T1021.004',
  stratus: 'aws.lateral-movement.ec2-instance-connect',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: true,
  history: {
    kind: 'index',
    keysOf: (push) => (push.ssh?.fingerprint ? [sshKeyIndex.partitionKey(push.ssh.fingerprint)] : []),
    windowMinutes: (settings) => settings.multiInstanceWindowMinutes,
  },
  evaluate(push, { settings, history }) {
    if (!history || !push.ssh?.fingerprint || !reachedInstance(push)) return PASS;
    const own = history.pushes.find((p) => p.event.eventID === push.eventID);
    if (!own) return PASS;
    const window = settings.multiInstanceWindowMinutes * 60_000;
    const nearby = history
      .within(own.timeMs - window, own.timeMs + window)
      .filter((p) => reachedInstance(p.event));
    // every window of the configured length that contains the push (rules/window.ts)
    const reached =
      own.event.instanceIds.length > 0 &&
      windowReaching(
        nearby,
        own.timeMs,
        window,
        (e) => e.instanceIds,
        (_, instances) => instances >= settings.multiInstanceThreshold,
      );
    if (reached)
      return fire(
        `key reached ${reached.keys.length} instances within ${settings.multiInstanceWindowMinutes} minutes: ${listed(reached.keys)}`,
      );
    return PASS;
  },
});
