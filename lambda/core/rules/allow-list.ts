import { BlockList } from 'node:net';
import { UsageError } from '../errors';
import { normalizeIp } from '../ip';

/** Allow-listed source networks (IPv4 and IPv6 CIDRs; a bare address is a /32 or /128). */
export interface AllowList {
  readonly blocks: BlockList;
  readonly cidrs: readonly string[];
}

export { normalizeIp };

/** @throws UsageError naming the CIDR that is not one */
export function allowListFrom(cidrs: readonly string[], setting = 'allowedSshCidrs'): AllowList {
  const blocks = new BlockList();
  for (const raw of cidrs) {
    const [addr = '', prefixText, extra] = raw.trim().split('/');
    const ip = normalizeIp(addr);
    const max = ip?.family === 'ipv6' ? 128 : 32;
    const prefix = prefixText === undefined ? max : Number(prefixText);
    if (
      !ip ||
      extra !== undefined ||
      !Number.isInteger(prefix) ||
      prefix < 0 ||
      prefix > max ||
      (prefixText !== undefined && !/^\d+$/.test(prefixText))
    ) {
      throw new UsageError(
        `'${raw}' is not an IPv4 or IPv6 CIDR (like 203.0.113.0/24 or 2001:db8::/32)`,
        setting,
      );
    }
    blocks.addSubnet(ip.ip, prefix, ip.family);
  }
  return { blocks, cidrs };
}

/**
 * Why a source is not allowed, or undefined when it is. `sourceIPAddress` can hold two addresses
 * (`"81.2.69.142, 192.168.10.10"`: each must be allowed) or a service name (`AWS Internal`).
 */
export function describeSourceCheck(allow: AllowList, source: string | undefined): string | undefined {
  if (!source) return 'the record has no source IP address';
  for (const part of source.split(',')) {
    const ip = normalizeIp(part);
    if (!ip) return `source '${source}' is not an IP address`;
    if (!allow.blocks.check(ip.ip, ip.family))
      return `source ${ip.ip} is outside the allowed networks (${allow.cidrs.join(', ')})`;
  }
  return undefined;
}
