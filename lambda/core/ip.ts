import { isIP } from 'node:net';
import { LIMITS } from './limits';

/** An address as CloudTrail writes it, normalised: `[::1]`, zone IDs, and anonymised leading-zero octets. */
export function normalizeIp(text: string): { ip: string; family: 'ipv4' | 'ipv6' } | undefined {
  let t = text
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/%.*$/, '');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t))
    t = t
      .split('.')
      .map((o) => String(Number(o)))
      .join('.');
  const v = isIP(t);
  if (v === 4) return { ip: t, family: 'ipv4' };
  if (v === 6) return { ip: t, family: 'ipv6' };
  return undefined;
}

/**
 * One spelling per address, for keys: IPv4 without leading zeros in its octets (the anonymised
 * corpus writes `035.249.253.232`), IPv6 in lower case and compressed as URLs write it
 * (`2001:DB8:0:0::1` → `2001:db8::1`); undefined when the text is not one address (`AWS Internal`,
 * `ec2.amazonaws.com`, `10.0.0`, a CIDR).
 */
export function canonicalIp(text: string): string | undefined {
  // a log file names the same few addresses over and over: each is worked out once
  const known = CANONICAL.get(text);
  if (known !== undefined || CANONICAL.has(text)) return known;
  const ip = computeCanonicalIp(text);
  if (CANONICAL.size >= 4096) CANONICAL.clear();
  CANONICAL.set(text, ip);
  return ip;
}

const CANONICAL = new Map<string, string | undefined>();

function computeCanonicalIp(text: string): string | undefined {
  const ip = normalizeIp(text);
  if (ip === undefined || ip.family === 'ipv4') return ip?.ip;
  try {
    return new URL(`http://[${ip.ip}]/`).hostname.slice(1, -1);
  } catch {
    // an address node:net accepts that URL parsing does not: lower case is one spelling still
    return ip.ip.toLowerCase();
  }
}

const NONE: readonly string[] = Object.freeze([]);

/**
 * The addresses of a `sourceIPAddress`, canonical (`canonicalIp`), distinct, at most `LIMITS.sourceAddressesPerEvent`
 * of a list;
 * none when it is a service name (`ec2.amazonaws.com`, `AWS Internal`).
 */
export function sourceAddresses(source: string | undefined): readonly string[] {
  if (source === undefined) return NONE;
  if (!source.includes(',')) {
    const ip = canonicalIp(source);
    return ip === undefined ? NONE : [ip];
  }
  const out: string[] = [];
  for (const part of source.split(',')) {
    const ip = canonicalIp(part);
    if (ip !== undefined && !out.includes(ip) && out.length < LIMITS.sourceAddressesPerEvent) out.push(ip);
  }
  return out.length === 0 ? NONE : out;
}

/**
 * An IP address as the index keys it (`canonicalIp`): undefined for what is not an address
 * (`ec2.amazonaws.com`, `AWS Internal`) or nothing.
 */
export function canonicalAddress(text: string | undefined): string | undefined {
  return text === undefined ? undefined : canonicalIp(text);
}
