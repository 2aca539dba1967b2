import { sshKeyIndex } from '../indexes/ssh-key';
import { isKeyPush } from './applies';
import { reachedInstance } from './key-history';
import { defineRule, fire, PASS } from './rule';
import { listedKeys, WindowSweep } from './window';

const ID = 'ssh-key-multi-instance';

/**
 * The same key reached N or more distinct instances within the window (default 2 in 60 minutes):
 * lateral movement with one key. Only successful pushes count. The verdict on a push considers every
 * window of the configured length that contains it, so it does not depend on the order pushes arrive.
 */
export const sshKeyMultiInstance = defineRule({
  id: ID,
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
    const own = history.get(push.eventID);
    if (!own || own.event.instanceIds.length === 0) return PASS;
    const minutes = settings.multiInstanceWindowMinutes;
    // every window of the configured length that contains the push (rules/window.ts), from one sweep
    // of the key's successful pushes shared by every verdict on this history
    const sweep = history.memo(
      settings,
      ID,
      () =>
        new WindowSweep(
          history.pushes.filter((p) => reachedInstance(p.event)),
          minutes * 60_000,
          (e) => e.instanceIds,
          (_, instances) => instances >= settings.multiInstanceThreshold,
        ),
    );
    const reached = sweep.at(own.timeMs);
    if (reached)
      return fire(
        `key reached ${reached.distinct} instances within ${minutes} minutes: ${listedKeys(reached)}`,
      );
    return PASS;
  },
});
