import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';

const applies = successfulEventsNamed(EC2_SOURCE, 'EnableSerialConsoleAccess');

/**
 * The account-wide switch that lets serial console keys be pushed (`ssh-serial-console`): a way onto
 * instances that bypasses the network and security groups (T1021, Remote Services, as that rule).
 */
export const ec2SerialConsoleEnabled = defineRule({
  id: 'ec2-serial-console-enabled',
  title: 'EC2 serial console access enabled for the account',
  firesWhen: 'a successful `EnableSerialConsoleAccess`',
  falsePositives: 'break-glass troubleshooting of an instance that lost its network',
  severity: 'medium',
  attack: 'T1021',
  stratus: 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event) {
    if (!applies(event)) return PASS;
    const where = event.awsRegion ? ` in ${shown(event.awsRegion)}` : '';
    return fire(
      detail(`serial console access enabled for account ${event.accountId ?? '(unknown)'}${where}`),
    );
  },
});
