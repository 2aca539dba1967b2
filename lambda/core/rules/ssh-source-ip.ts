import { type AllowList, allowListFrom, describeSourceCheck } from './allow-list';
import { fire, PASS, type Rule } from './rule';

const parsed = new WeakMap<readonly string[], AllowList>();

function allowListOf(cidrs: readonly string[]): AllowList {
  let allow = parsed.get(cidrs);
  if (!allow) {
    allow = allowListFrom(cidrs);
    parsed.set(cidrs, allow);
  }
  return allow;
}

/** The push came from outside the allow-listed networks (off when no CIDR is configured). */
export const sshSourceIp: Rule = {
  id: 'ssh-source-ip',
  title: 'a push from outside the allow-listed source networks',
  falsePositives:
    'VPN or office ranges missing from allowedSshCidrs; pushes made by AWS services on a user’s behalf',
  stateful: false,
  evaluate(push, { settings }) {
    if (settings.allowedSshCidrs.length === 0) return PASS;
    const problem = describeSourceCheck(allowListOf(settings.allowedSshCidrs), push.sourceIPAddress);
    return problem ? fire(problem) : PASS;
  },
};
