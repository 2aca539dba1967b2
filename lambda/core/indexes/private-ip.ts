import type { IndexedEvent } from '../event';
import { canonicalIp } from '../ip';
import { LIMITS } from '../limits';
import { defineIndex, NO_VALUES } from './define';

/**
 * The private addresses of an event: the one an `OpenTunnel` went to, and those a call gave out
 * (canonical, distinct, only what is an address; at most `LIMITS.idsPerReadOnlyOrFailedCall` for a read-only or failed call, as its IDs:
 * anyone can make denied calls).
 */
function privateAddressesOf(event: IndexedEvent): readonly string[] {
  const tunnel = event.access?.privateIpAddress;
  const given = event.privateAddresses;
  if (tunnel === undefined && (given === undefined || given.length === 0)) return NO_VALUES;
  const max =
    event.readOnly || event.errorCode !== undefined
      ? LIMITS.idsPerReadOnlyOrFailedCall
      : Number.POSITIVE_INFINITY;
  const out = new Set<string>();
  const add = (text: string): void => {
    const ip = canonicalIp(text);
    if (ip !== undefined) out.add(ip);
  };
  if (tunnel !== undefined) add(tunnel);
  for (const [, address] of given ?? []) {
    if (out.size >= max) break;
    add(address);
  }
  return out.size === 0 ? NO_VALUES : [...out];
}

/**
 * Events by the private IP addresses they name: `PRIVATEIP#<address>` (canonical, as `IP#`) for an
 * `OpenTunnel`'s `access.privateIpAddress` and each address of `privateAddresses` (RunInstances,
 * CreateNetworkInterface, … that gave it out), so a tunnel's address is matched to the instance that
 * had it. Internal (read by `trailwatch access`).
 */
export const privateIpIndex = defineIndex({
  kind: 'private-ip',
  prefix: 'PRIVATEIP#',
  normalize: (ip) => canonicalIp(ip) ?? ip,
  valuesOf: privateAddressesOf,
});
