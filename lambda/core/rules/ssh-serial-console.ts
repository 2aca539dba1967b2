import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** Serial console access bypasses the network and security groups entirely. */
export const sshSerialConsole = defineRule({
  id: 'ssh-serial-console',
  title: 'a key pushed for the EC2 serial console (SendSerialConsoleSSHPublicKey)',
  firesWhen:
    'a serial console push (`SendSerialConsoleSSHPublicKey`): no network, no security group in the way',
  falsePositives: 'break-glass recovery of an instance that lost its network',
  severity: 'medium',
  attack: 'T1021',
  stratus: 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push) {
    if (push.eventName !== 'SendSerialConsoleSSHPublicKey') return PASS;
    return fire(
      `serial console access${push.ssh?.serialPort !== undefined ? ` on port ${push.ssh.serialPort}` : ''}`,
    );
  },
});
