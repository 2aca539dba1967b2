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
  // most addresses are already written canonically: nothing to work out, nothing to remember
  if (isCanonicalIpv4(text)) return text;
  // a log file names the same few addresses over and over: each is worked out once
  const known = CANONICAL.get(text);
  if (known !== undefined || CANONICAL.has(text)) return known;
  const ip = computeCanonicalIp(text);
  if (CANONICAL.size >= 4096) CANONICAL.clear();
  CANONICAL.set(text, ip);
  return ip;
}

const CANONICAL = new Map<string, string | undefined>();

const ZERO = 0x30;
const NINE = 0x39;
const DOT = 0x2e;

/**
 * `text` is an IPv4 address exactly as `canonicalIp` writes it: four decimal octets of at most 255,
 * no leading zeros, nothing around them. Read with a loop: it runs for every address of every
 * indexed event, where the general path costs regular expressions, a split and `isIP`.
 */
function isCanonicalIpv4(text: string): boolean {
  const len = text.length;
  if (len < 7 || len > 15) return false;
  let octets = 0;
  let i = 0;
  while (i < len) {
    const start = i;
    let value = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c < ZERO || c > NINE) break;
      value = value * 10 + c - ZERO;
      i++;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255) return false;
    if (digits > 1 && text.charCodeAt(start) === ZERO) return false;
    octets++;
    if (i === len) break;
    if (text.charCodeAt(i) !== DOT || octets === 4) return false;
    i++;
  }
  return octets === 4;
}

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
