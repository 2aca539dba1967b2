import { normalizeIp } from '../rules/allow-list';

/**
 * The internal partitions `trailwatch access` reads besides `INSTANCE#` (design decision 6): an SSM
 * session's events, the events that name a private IP address, the calls an instance made with its
 * own credentials, and the events made from a source IP. The index definitions that write them are
 * in `../indexes/`; these keys must be the same (one place to reconcile: this file).
 */
export const accessPartitions = {
  /** StartSession, ResumeSession and TerminateSession of one Systems Manager session (exact case). */
  session: (sessionId: string): string => `SESSION#${sessionId}`,
  /** Events that gave a private address to an instance or a network interface, and tunnels to it. */
  privateIp: (address: string): string => `PRIVATEIP#${canonicalAddress(address) ?? address}`,
  /** Calls made with the instance's own role credentials (lower case, as instance IDs are). */
  actor: (instanceId: string): string => `ACTOR#${instanceId.toLowerCase()}`,
  /** Events made from one source IP address. */
  ip: (address: string): string => `IP#${canonicalAddress(address) ?? address}`,
};

/**
 * An IP address as the index keys it: IPv4 without leading zeros in its octets (the anonymised
 * corpus writes `035.249.253.232`), IPv6 in lower case; undefined for what is not an address
 * (`ec2.amazonaws.com`, `AWS Internal`).
 */
export function canonicalAddress(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const ip = normalizeIp(text);
  if (!ip) return undefined;
  return ip.family === 'ipv6' ? ip.ip.toLowerCase() : ip.ip;
}
