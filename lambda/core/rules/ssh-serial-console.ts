import { fire, PASS, type Rule } from './rule';

/** Serial console access bypasses the network and security groups entirely. */
export const sshSerialConsole: Rule = {
  id: 'ssh-serial-console',
  title: 'a key pushed for the EC2 serial console (SendSerialConsoleSSHPublicKey)',
  falsePositives: 'break-glass recovery of an instance that lost its network',
  stateful: false,
  evaluate(push) {
    if (push.eventName !== 'SendSerialConsoleSSHPublicKey') return PASS;
    return fire(
      `serial console access${push.ssh?.serialPort !== undefined ? ` on port ${push.ssh.serialPort}` : ''}`,
    );
  },
};
