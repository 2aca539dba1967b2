import type { IndexedEvent } from '../event';
import { canonicalAddress } from '../ip';
import { parseTime } from '../time';

/**
 * Matching EC2 Instance Connect Endpoint tunnels (`OpenTunnel`) to an instance. A tunnel's record names
 * a private IP address, not an instance; the index knows which instance had an address from the
 * events that gave it (their event items' `privateAddresses`: `[resource ID, address]` pairs of a
 * `RunInstances`, `CreateNetworkInterface`, …). A tunnel reached the instance when the latest grant
 * of its address, in the tunnel's account and region, at or before the tunnel's time, went to the
 * instance or to one of its network interfaces: after the address was given to it and before it was
 * given to another.
 *
 * Pure: the reads are in `./read.ts`.
 */

/** Events whose event items may hold `privateAddresses` (only these event items are read). */
export const ADDRESS_EVENTS: ReadonlySet<string> = new Set([
  'RunInstances',
  'CreateNetworkInterface',
  'AssignPrivateIpAddresses',
  'AssignIpv6Addresses',
]);

/** The event that makes a network interface one of the instance's. */
export const ATTACH_EVENT = 'AttachNetworkInterface';

/** One private address given to one holder (or to another). */
export interface AddressGrant {
  /** Canonical address. */
  readonly address: string;
  readonly eventID: string;
  /** When the address became the holder's (for an interface attached later: the attachment). */
  readonly timeMs: number;
  readonly accountId: string | undefined;
  readonly awsRegion: string | undefined;
  /** Given to the instance or one of its network interfaces. */
  readonly ours: boolean;
}

/** Resource IDs that stand for the instance, each with the time from which its addresses count. */
export type Holders = ReadonlyMap<string, number>;

const timeOf = (e: Pick<IndexedEvent, 'eventTime'>): number => parseTime(e.eventTime) ?? 0;
const succeeded = (e: Pick<IndexedEvent, 'errorCode'>): boolean => e.errorCode === undefined;

/** The network interfaces a successful `AttachNetworkInterface` of the instance names, with its time. */
export function attachedInterfaces(targeted: readonly IndexedEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of targeted) {
    if (e.eventName !== ATTACH_EVENT || !succeeded(e)) continue;
    for (const id of e.resourceIds) {
      if (!id.startsWith('eni-')) continue;
      const t = timeOf(e);
      out.set(id, Math.min(out.get(id) ?? t, t));
    }
  }
  return out;
}

/**
 * The instance and its network interfaces: the instance from always; an interface the instance's own
 * launch paired with one of the instance's addresses, from the launch; one attached later, from the
 * attachment.
 */
export function instanceHolders(
  instanceId: string,
  eventItems: readonly IndexedEvent[],
  attached: ReadonlyMap<string, number>,
): Map<string, number> {
  const id = instanceId.toLowerCase();
  const holders = new Map<string, number>([[id, Number.NEGATIVE_INFINITY]]);
  for (const e of eventItems) {
    if (!succeeded(e)) continue;
    const pairs = e.privateAddresses ?? [];
    const mine = new Set(pairs.filter(([r]) => r.toLowerCase() === id).map(([, a]) => canonicalAddress(a)));
    for (const [r, a] of pairs) {
      const rid = r.toLowerCase();
      if (rid.startsWith('eni-') && mine.has(canonicalAddress(a)))
        holders.set(rid, Math.min(holders.get(rid) ?? timeOf(e), timeOf(e)));
    }
  }
  for (const [eni, t] of attached) holders.set(eni, Math.min(holders.get(eni) ?? t, t));
  return holders;
}

/** The grants to the holders in event items (successful calls only). */
export function ownGrants(holders: Holders, eventItems: readonly IndexedEvent[]): AddressGrant[] {
  const out: AddressGrant[] = [];
  for (const e of eventItems) {
    if (!succeeded(e)) continue;
    for (const [r, a] of e.privateAddresses ?? []) {
      const from = holders.get(r.toLowerCase());
      const address = canonicalAddress(a);
      if (from === undefined || !address) continue;
      out.push(grant(e, address, Math.max(timeOf(e), from), true));
    }
  }
  return out;
}

function grant(e: IndexedEvent, address: string, timeMs: number, ours: boolean): AddressGrant {
  return { address, eventID: e.eventID, timeMs, accountId: e.accountId, awsRegion: e.awsRegion, ours };
}

/** True for an `OpenTunnel` event (its access facts name the private address). */
export function isTunnel(e: IndexedEvent): boolean {
  return e.access?.method === 'instance-connect-endpoint';
}

/**
 * The grants of `address` among the items of its partition (index items: the IDs they name, not the
 * pairs): a successful call that is not a tunnel gave the address to whatever it names; to the
 * instance when it names one of the holders.
 */
export function partitionGrants(
  address: string,
  items: readonly IndexedEvent[],
  holders: Holders,
): AddressGrant[] {
  const out: AddressGrant[] = [];
  for (const e of items) {
    if (isTunnel(e) || !succeeded(e)) continue;
    const from = [...e.instanceIds, ...e.resourceIds]
      .map((id) => holders.get(id.toLowerCase()))
      .find((t) => t !== undefined);
    out.push(grant(e, address, Math.max(timeOf(e), from ?? Number.NEGATIVE_INFINITY), from !== undefined));
  }
  return out;
}

/**
 * The tunnels that reached the instance: for each, the latest grants of its address in its account
 * and region at or before its time; it matches when one of them is the instance's (the same second
 * as a grant to another counts for the instance: listing a possible access rather than missing it).
 * A grant known from the event item (`own`) replaces the same event's grant read from an index item.
 */
export function matchTunnels(
  own: readonly AddressGrant[],
  others: readonly AddressGrant[],
  tunnels: readonly IndexedEvent[],
): IndexedEvent[] {
  const known = new Set(own.map((g) => `${g.eventID}|${g.address}`));
  const grants = [...own, ...others.filter((g) => !known.has(`${g.eventID}|${g.address}`))];
  return tunnels.filter((t) => {
    const address = canonicalAddress(t.access?.privateIpAddress);
    const at = timeOf(t);
    const before = grants.filter(
      (g) =>
        g.address === address && g.accountId === t.accountId && g.awsRegion === t.awsRegion && g.timeMs <= at,
    );
    const latest = Math.max(...before.map((g) => g.timeMs));
    return before.some((g) => g.timeMs === latest && g.ours);
  });
}
