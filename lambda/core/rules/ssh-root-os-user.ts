import { fire, PASS, type Rule } from './rule';

/** The key was pushed for a privileged OS user (`root` by default). */
export const sshRootOsUser: Rule = {
  id: 'ssh-root-os-user',
  title: 'a key pushed for the OS user root (or another privileged OS user)',
  falsePositives:
    'images whose only login is root; add the expected users to privilegedOsUsers only if you must',
  stateful: false,
  evaluate(push, { settings }) {
    const user = push.ssh?.osUser;
    return user !== undefined && settings.privilegedOsUsers.includes(user)
      ? fire(`pushed for the privileged OS user '${user}'`)
      : PASS;
  },
};
