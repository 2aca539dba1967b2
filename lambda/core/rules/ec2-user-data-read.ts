import type { IndexedEvent } from '../event';
import { defineRule, fire, PASS } from './rule';
import { callsOf, listedKeys, principalKey, principalWindow } from './window';

/** A read of an instance's user data (`DescribeInstanceAttribute` of `userData`), allowed or not. */
const readsUserData = (event: IndexedEvent): boolean => event.access?.method === 'user-data-read';

/**
 * One principal read (or tried to read) the user data of N or more distinct instances within the
 * window (default 3 in 60 minutes): a sweep for the secrets people put in start-up scripts. ATT&CK
 * T1552 (Unsecured Credentials) rather than T1580 (Cloud Infrastructure Discovery, the tactic Stratus
 * files it under): the rule is about what user data holds, and T1580 would put it beside every
 * `Describe*`. The verdict on a read considers every window of the configured length that contains it.
 */
export const ec2UserDataRead = defineRule({
  id: 'ec2-user-data-read',
  title: 'one principal reading the user data of several instances within a short window',
  firesWhen:
    'one principal reads (or is denied) the user data of 3 or more distinct instances within 60 minutes (`DescribeInstanceAttribute` of `userData`)',
  settings: ['userDataReadThreshold', 'userDataReadWindowMinutes'],
  falsePositives:
    'Terraform refreshing the state of 3 or more instances (it reads each one’s user data), inventory or audit tools reading every instance’s attributes',
  severity: 'medium',
  attack: 'T1552',
  stratus: 'aws.discovery.ec2-download-user-data',
  family: 'threat',
  appliesTo: readsUserData,
  stateful: true,
  history: {
    kind: 'own',
    keysOf: principalKey,
    windowMinutes: (settings) => settings.userDataReadWindowMinutes,
  },
  evaluate(event, { settings, history }) {
    if (!history || !readsUserData(event) || event.instanceIds.length === 0) return PASS;
    const minutes = settings.userDataReadWindowMinutes;
    const w = principalWindow(event, history, {
      rule: 'ec2-user-data-read',
      settings,
      windowMinutes: minutes,
      applies: readsUserData,
      enough: (_, instances) => instances >= settings.userDataReadThreshold,
    });
    if (!w) return PASS;
    return fire(
      `user data of ${w.distinct} instances read within ${minutes} minutes ${callsOf(w)}: ${listedKeys(w)}`,
    );
  },
});
