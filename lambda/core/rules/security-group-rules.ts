import { normalizeIp } from '../ip';
import { field, isObject } from '../json';
import { integer, itemsOf, scalar } from './request-fields';

/**
 * The ingress rules a security group call adds or changes, from the shapes CloudTrail writes:
 * - AuthorizeSecurityGroupIngress, flat (older SDKs, Stratus): `cidrIp`, `ipProtocol`, `fromPort`,
 *   `toPort` at the top of `requestParameters`;
 * - AuthorizeSecurityGroupIngress, `ipPermissions.items[]` with `ipRanges.items[].cidrIp` and
 *   `ipv6Ranges.items[].cidrIpv6` (ports sometimes as strings: `"443"`);
 * - its response's `securityGroupRuleSet.items[]` (`cidrIpv4`, `cidrIpv6`; the rules created);
 * - ModifySecurityGroupRules: `ModifySecurityGroupRulesRequest.SecurityGroupRule` (one or a list),
 *   each with its new `SecurityGroupRule` (`CidrIpv4`, `CidrIpv6`, `IpProtocol`, `FromPort`, `ToPort`).
 */
export interface IngressRule {
  /** As logged, lower case: `tcp`, `6`, `-1`, `icmp`, … */
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
  readonly cidr: string;
}

function toRule(
  source: unknown,
  keys: { protocol: string; from: string; to: string },
  cidr: string | undefined,
): IngressRule | undefined {
  const protocol = scalar(source, keys.protocol)?.toLowerCase();
  if (cidr === undefined || protocol === undefined) return undefined;
  const from = integer(source, keys.from);
  const to = integer(source, keys.to);
  return { protocol, cidr, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

const LOWER = { protocol: 'ipProtocol', from: 'fromPort', to: 'toPort' };
const UPPER = { protocol: 'IpProtocol', from: 'FromPort', to: 'ToPort' };

function fromPermissions(request: unknown, out: IngressRule[]): void {
  for (const perm of itemsOf(field(request, 'ipPermissions'))) {
    for (const range of itemsOf(field(perm, 'ipRanges')))
      push(out, toRule(perm, LOWER, scalar(range, 'cidrIp')));
    for (const range of itemsOf(field(perm, 'ipv6Ranges')))
      push(out, toRule(perm, LOWER, scalar(range, 'cidrIpv6')));
  }
}

function fromModifyRequest(request: unknown, out: IngressRule[]): void {
  const modify = field(request, 'ModifySecurityGroupRulesRequest');
  for (const update of itemsOf(field(modify, 'SecurityGroupRule'))) {
    const r = field(update, 'SecurityGroupRule');
    push(out, toRule(r, UPPER, scalar(r, 'CidrIpv4')));
    push(out, toRule(r, UPPER, scalar(r, 'CidrIpv6')));
  }
}

function fromResponse(response: unknown, out: IngressRule[]): void {
  for (const r of itemsOf(field(response, 'securityGroupRuleSet'))) {
    if (field(r, 'isEgress') === true || scalar(r, 'isEgress') === 'true') continue;
    push(out, toRule(r, LOWER, scalar(r, 'cidrIpv4')));
    push(out, toRule(r, LOWER, scalar(r, 'cidrIpv6')));
  }
}

function push(out: IngressRule[], r: IngressRule | undefined): void {
  if (r !== undefined) out.push(r);
}

/** Every ingress rule the request adds or sets, and those the response says were created. */
export function ingressRules(request: unknown, response: unknown): IngressRule[] {
  const out: IngressRule[] = [];
  if (isObject(request)) {
    push(out, toRule(request, LOWER, scalar(request, 'cidrIp')));
    fromPermissions(request, out);
    fromModifyRequest(request, out);
  }
  fromResponse(response, out);
  return out;
}

/** The security group the call changes (`groupId`, `groupName`, or ModifySecurityGroupRules' `GroupId`). */
export function groupOf(request: unknown): string | undefined {
  return (
    scalar(request, 'groupId') ??
    scalar(request, 'groupName') ??
    scalar(field(request, 'ModifySecurityGroupRulesRequest'), 'GroupId')
  );
}

/**
 * A CIDR covering every address: prefix length 0, IPv4 or IPv6 (`0.0.0.0/0`, `::/0`; the anonymised
 * Stratus records keep the `/0` but scramble the address, `208.236.235.254/0`, which covers the same).
 */
export function isWorld(cidr: string): boolean {
  const [address = '', prefix, extra] = cidr.split('/');
  return prefix?.trim() === '0' && extra === undefined && normalizeIp(address) !== undefined;
}

const PORT_PROTOCOLS: Readonly<Record<string, string>> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp' };
const ALL_PROTOCOLS = new Set(['-1', 'all']);

/**
 * What the rule opens among what `ec2-sg-open-to-world` reports: all traffic, all ports of TCP or
 * UDP, or an administrative port within its port range; undefined otherwise (ICMP, other ports).
 */
export function adminExposure(r: IngressRule, adminPorts: readonly number[]): string | undefined {
  if (ALL_PROTOCOLS.has(r.protocol)) return 'all traffic';
  const name = PORT_PROTOCOLS[r.protocol];
  if (name === undefined) return undefined;
  const from = r.from === undefined || r.from < 0 ? 0 : r.from;
  const to = r.to === undefined || r.to < 0 ? 65_535 : r.to;
  if (from <= 0 && to >= 65_535) return `${name} all ports`;
  const hit = adminPorts.filter((p) => from <= p && p <= to);
  if (hit.length === 0) return undefined;
  return from === to ? `${name} port ${from}` : `${name} ports ${from}-${to} (admin ${hit.join(', ')})`;
}
