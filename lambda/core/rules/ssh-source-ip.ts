import { type AllowList, allowListFrom, describeSourceCheck } from './allow-list';
import { isKeyPush } from './applies';
import { defineRule, fire, PASS } from './rule';

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
export const sshSourceIp = defineRule({
  id: 'ssh-source-ip',
  title: 'a push from outside the allow-listed source networks',
  firesWhen: 'the source IP is outside the allow-list of IPv4 and IPv6 CIDRs; off while the list is empty',
  settings: ['allowedSshCidrs'],
  falsePositives: 'VPN or office ranges missing from the list; pushes made by AWS services (`AWS Internal`)',
  severity: 'medium',
  attack: 'T1021.004',
  family: 'ssh-key',
  appliesTo: isKeyPush,
  stateful: false,
  evaluate(push, { settings }) {
    if (settings.allowedSshCidrs.length === 0) return PASS;
    const problem = describeSourceCheck(allowListOf(settings.allowedSshCidrs), push.sourceIPAddress);
    return problem ? fire(problem) : PASS;
  },
});
