import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

/** The key was pushed for a privileged OS user (`root` by default). */
export const sshRootOsUser = defineRule({
  id: 'ssh-root-os-user',
  title: 'a key pushed for the OS user root (or another privileged OS user)',
  firesWhen: 'the OS user is `root` (or another privileged user)',
  settings: ['privilegedOsUsers'],
  falsePositives: 'images whose only login is root',
  severity: 'medium',
  attack: 'T1098.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push, { settings }) {
    const user = push.ssh?.osUser;
    return user !== undefined && settings.privilegedOsUsers.includes(user)
      ? fire(`pushed for the privileged OS user '${user}'`)
      : PASS;
  },
});
