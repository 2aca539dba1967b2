import { EC2_SOURCE } from '../access/events';
import { successfulEventsNamed } from './applies';
import { detail, named, shown } from './request-fields';
import { defineRule, fire, PASS } from './rule';
import { adminExposure, groupOf, ingressRules, isWorld } from './security-group-rules';

const applies = successfulEventsNamed(
  EC2_SOURCE,
  'AuthorizeSecurityGroupIngress',
  'ModifySecurityGroupRules',
);

/**
 * An administrative port (or every port) opened to the whole internet. ATT&CK T1562.007 (Impair
 * Defenses: Disable or Modify Cloud Firewall) is the technique of changing a cloud firewall to let
 * traffic in; Stratus files its technique under exfiltration, but the change itself is the impaired
 * firewall.
 */
export const ec2SgOpenToWorld = defineRule({
  id: 'ec2-sg-open-to-world',
  title: 'a security group ingress rule opening an administrative port (or all ports) to the internet',
  firesWhen:
    'a successful `AuthorizeSecurityGroupIngress` or `ModifySecurityGroupRules` allows 0.0.0.0/0 or ::/0 (any /0) on a port range covering one of `adminPorts`, all TCP or UDP ports, or all traffic',
  settings: ['adminPorts'],
  falsePositives:
    'bastion hosts meant to be reached from anywhere; `ModifySecurityGroupRules` of an egress rule (its record does not say which way the rule goes)',
  severity: 'high',
  attack: 'T1562.007',
  stratus: 'aws.exfiltration.ec2-security-group-open-port-22-ingress',
  family: 'threat',
  appliesTo: applies,
  stateful: false,
  evaluate(event, { settings, request, response }) {
    if (!applies(event)) return PASS;
    const opened: string[] = [];
    for (const r of ingressRules(request, response)) {
      if (!isWorld(r.cidr)) continue;
      const what = adminExposure(r, settings.adminPorts);
      const text = what === undefined ? undefined : `${what} open to ${shown(r.cidr)}`;
      if (text !== undefined && !opened.includes(text)) opened.push(text);
    }
    if (opened.length === 0) return PASS;
    const group = groupOf(request);
    const direction =
      event.eventName === 'ModifySecurityGroupRules' ? ' (rule modified; ingress or egress)' : '';
    return fire(
      detail(`security group ${group ? shown(group) : '(no ID)'}: ${named(opened, 100)}${direction}`),
    );
  },
});
