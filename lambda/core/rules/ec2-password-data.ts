import { EC2_SOURCE } from '../access/events';
import { eventsNamed } from './applies';
import { defineRule, fire, PASS } from './rule';
import { callsOf, listedKeys, principalKey, principalWindow } from './window';

/** `GetPasswordData`, allowed or not. */
const getsPasswordData = eventsNamed(EC2_SOURCE, 'GetPasswordData');

/**
 * One principal retrieved (or was denied) the password data of N or more distinct instances, or
 * called `GetPasswordData` M or more times, within the window (defaults 3 / 10 in 60 minutes): the
 * encrypted Administrator password of Windows instances, decryptable with the launch key pair. The
 * verdict on a call considers every window of the configured length that contains it.
 */
export const ec2PasswordData = defineRule({
  id: 'ec2-password-data',
  title:
    'one principal retrieving the password data of several instances, or many times, within a short window',
  firesWhen:
    'one principal calls `GetPasswordData` (allowed or denied) on 3 or more distinct instances, or 10 or more times, within 60 minutes',
  settings: ['passwordDataInstanceThreshold', 'passwordDataCallThreshold', 'passwordDataWindowMinutes'],
  falsePositives:
    'an administrator or a tool fetching the Administrator passwords of a new Windows fleet; a script retrying while a new instance has no password yet',
  severity: 'high',
  attack: 'T1552',
  stratus: 'aws.credential-access.ec2-get-password-data',
  family: 'threat',
  appliesTo: getsPasswordData,
  stateful: true,
  history: {
    kind: 'own',
    keysOf: principalKey,
    windowMinutes: (settings) => settings.passwordDataWindowMinutes,
  },
  evaluate(event, { settings, history }) {
    if (!history || !getsPasswordData(event)) return PASS;
    const minutes = settings.passwordDataWindowMinutes;
    const w = principalWindow(event, history, {
      rule: 'ec2-password-data',
      settings,
      windowMinutes: minutes,
      applies: getsPasswordData,
      enough: (calls, instances) =>
        instances >= settings.passwordDataInstanceThreshold || calls >= settings.passwordDataCallThreshold,
    });
    if (!w) return PASS;
    return fire(
      `password data of ${w.distinct} instance${w.distinct === 1 ? '' : 's'} asked for within ${minutes} minutes ${callsOf(w)}: ${listedKeys(w)}`,
    );
  },
});
