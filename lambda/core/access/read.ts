import type { IndexedEvent } from '../event';
import type { Principal } from '../identity';
import { canonicalAddress } from '../ip';
import { itemToEvent, keys } from '../items';
import { mapLimit } from '../pool';
import { parseTime } from '../time';
import {
  credentialsElsewhere,
  type ElsewhereReason,
  madeByInstance,
  sourceAddresses,
} from './credentials-elsewhere';
import { type AccessPath, assembleAccessPaths, type TimeBounds } from './paths';
import {
  ADDRESS_EVENTS,
  type AddressGrant,
  attachedInterfaces,
  type Holders,
  instanceHolders,
  isTunnel,
  matchTunnels,
  ownGrants,
  partitionGrants,
} from './tunnels';

/**
 * The reads behind `trailwatch access` (design decision 7), through the store's `Query`s only; what
 * they find is assembled by the pure functions of this folder. Every read is bounded (`ACCESS_READS`);
 * a bound reached is said in `notes`, never silently.
 */

/** What `readAccessPaths` needs of the store (`EventStore` has it). */
export interface AccessReader {
  query(
    pk: string,
    options: { sinceMs?: number; untilMs?: number; limit?: number; nowMs?: number },
  ): Promise<{ items: Record<string, unknown>[]; more: boolean }>;
  /** One page of a partition, newest first. */
  queryPage(
    pk: string,
    options: { limit?: number; nowMs?: number; startKey?: Record<string, unknown> },
  ): Promise<{ items: Record<string, unknown>[]; nextKey?: Record<string, unknown> }>;
  getEvent(eventID: string): Promise<Record<string, unknown> | undefined>;
}

export const ACCESS_READS = {
  /** Items read of the instance's partition and of its calls' partition. */
  partitionItems: 10_000,
  /** Items read of a session's, a network interface's or a private address's partition. */
  otherPartitionItems: 1_000,
  /**
   * Items read of a source IP's partition while looking for a principal that is not an instance
   * session (page by page, stopping at the first found).
   */
  sourceIpItems: 5_000,
  pageItems: 1_000,
  /** Event items read for their private addresses. */
  eventItems: 200,
  /** Network interfaces, private addresses, source IPs and sessions looked at. */
  interfaces: 20,
  addresses: 50,
  sourceIps: 100,
  sessions: 1_000,
  /** Parallel reads. */
  concurrency: 8,
  /** SSM sessions last at most 24 hours: sessions started this long before `--since` are read for their resumes. */
  sessionLookbackMs: 24 * 3_600_000,
  /**
   * Instance role credentials are valid for hours: the instance's calls this long before `--since` are read
   * to know where each access key was first used.
   */
  credentialsLookbackMs: 12 * 3_600_000,
} as const;

export interface AccessReadOptions extends TimeBounds {
  readonly nowMs: number;
}

export interface AccessReport {
  /** Every access path within the time range, newest first. */
  readonly paths: AccessPath[];
  /** Bounds reached (what may be missing). */
  readonly notes: string[];
}

interface Ctx {
  readonly reader: AccessReader;
  readonly instanceId: string;
  readonly options: AccessReadOptions;
  readonly notes: string[];
}

/** Up to `limit` events of a partition, newest first, within `bounds` (default: up to `--until`). */
async function events(
  ctx: Ctx,
  pk: string,
  limit: number,
  bounds: TimeBounds = { ...(ctx.options.untilMs !== undefined ? { untilMs: ctx.options.untilMs } : {}) },
): Promise<IndexedEvent[]> {
  const { items, more } = await ctx.reader.query(pk, { ...bounds, limit, nowMs: ctx.options.nowMs });
  if (more) ctx.notes.push(`only the newest ${limit} items of ${pk} were read`);
  return items.map(itemToEvent);
}

function capped<T>(ctx: Ctx, values: readonly T[], max: number, what: string): readonly T[] {
  if (values.length > max) ctx.notes.push(`only ${max} of ${values.length} ${what} were looked at`);
  return values.slice(0, max);
}

const minus = (ms: number | undefined, by: number): number | undefined =>
  ms === undefined ? undefined : ms - by;

/** Every access path to an instance within the time range (design decision 7). */
export async function readAccessPaths(
  reader: AccessReader,
  instanceId: string,
  options: AccessReadOptions,
): Promise<AccessReport> {
  const ctx: Ctx = { reader, instanceId: instanceId.toLowerCase(), options, notes: [] };
  // the whole history up to --until: launches and sessions before --since matter too
  const targeted = await events(ctx, keys.instance(ctx.instanceId), ACCESS_READS.partitionItems);
  const [sessions, tunnels, credentials] = await Promise.all([
    readSessions(ctx, targeted),
    readTunnels(ctx, targeted),
    readCredentials(ctx),
  ]);
  const paths = assembleAccessPaths(
    { instanceId: ctx.instanceId, targeted, sessions, tunnels, credentials },
    options,
  );
  return { paths, notes: ctx.notes };
}

/** The events of each SSM session started on the instance (their resumes and ends). */
async function readSessions(
  ctx: Ctx,
  targeted: readonly IndexedEvent[],
): Promise<Map<string, IndexedEvent[]>> {
  const from = minus(ctx.options.sinceMs, ACCESS_READS.sessionLookbackMs);
  const ids = new Set<string>();
  for (const e of targeted) {
    const t = parseTime(e.eventTime) ?? 0;
    if (e.access?.method === 'ssm-session' && e.sessionId && (from === undefined || t >= from))
      ids.add(e.sessionId);
  }
  const list = capped(ctx, [...ids], ACCESS_READS.sessions, 'SSM sessions');
  // whole sessions, whatever the time range: a session started before --until may end after it
  const found = await mapLimit(list, ACCESS_READS.concurrency, (id) =>
    events(ctx, keys.session(id), ACCESS_READS.otherPartitionItems, {}),
  );
  return new Map(list.map((id, i) => [id, found[i] ?? []]));
}

/** The event items of the address-giving events among `items` (they hold `privateAddresses`). */
async function addressItems(ctx: Ctx, items: readonly IndexedEvent[]): Promise<IndexedEvent[]> {
  const wanted = items.filter((e) => ADDRESS_EVENTS.has(e.eventName) && e.errorCode === undefined);
  const list = capped(ctx, wanted, ACCESS_READS.eventItems, 'address-giving events');
  const found = await mapLimit(list, ACCESS_READS.concurrency, (e) => ctx.reader.getEvent(e.eventID));
  return found.filter((i): i is Record<string, unknown> => i !== undefined).map(itemToEvent);
}

/** The instance's network interfaces attached later, and the grants of their addresses. */
async function interfaceItems(ctx: Ctx, attached: ReadonlyMap<string, number>): Promise<IndexedEvent[]> {
  const enis = capped(ctx, [...attached.keys()], ACCESS_READS.interfaces, 'network interfaces');
  const parts = await mapLimit(enis, ACCESS_READS.concurrency, async (eni) =>
    addressItems(ctx, await events(ctx, keys.resource(eni), ACCESS_READS.otherPartitionItems)),
  );
  return parts.flat();
}

/** The `OpenTunnel`s that reached the instance. */
async function readTunnels(ctx: Ctx, targeted: readonly IndexedEvent[]): Promise<IndexedEvent[]> {
  const attached = attachedInterfaces(targeted);
  const launchItems = await addressItems(ctx, targeted);
  const eventItems = [...launchItems, ...(await interfaceItems(ctx, attached))];
  const holders = instanceHolders(ctx.instanceId, eventItems, attached);
  const own = ownGrants(holders, eventItems);
  const addresses = capped(
    ctx,
    [...new Set(own.map((g) => g.address))],
    ACCESS_READS.addresses,
    'private addresses',
  );
  const found = await mapLimit(addresses, ACCESS_READS.concurrency, (a) => addressPartition(ctx, a, holders));
  const others: AddressGrant[] = found.flatMap((f) => f.grants);
  return matchTunnels(
    own,
    others,
    found.flatMap((f) => f.tunnels),
  );
}

async function addressPartition(
  ctx: Ctx,
  address: string,
  holders: Holders,
): Promise<{ grants: AddressGrant[]; tunnels: IndexedEvent[] }> {
  const items = await events(ctx, keys.privateIp(address), ACCESS_READS.otherPartitionItems);
  const tunnels = items.filter(
    (e) => isTunnel(e) && canonicalAddress(e.access?.privateIpAddress) === address,
  );
  return { grants: partitionGrants(address, items, holders), tunnels };
}

/** The calls made with the instance's credentials from somewhere it is not. */
async function readCredentials(ctx: Ctx): Promise<{ event: IndexedEvent; reason: ElsewhereReason }[]> {
  const from = minus(ctx.options.sinceMs, ACCESS_READS.credentialsLookbackMs);
  const calls = await events(ctx, keys.actor(ctx.instanceId), ACCESS_READS.partitionItems, {
    ...(from !== undefined ? { sinceMs: from } : {}),
    ...(ctx.options.untilMs !== undefined ? { untilMs: ctx.options.untilMs } : {}),
  });
  if (calls.length === 0) return [];
  const ips = capped(ctx, sourceAddresses(calls), ACCESS_READS.sourceIps, 'source addresses');
  const others = await mapLimit(ips, ACCESS_READS.concurrency, (ip) => otherPrincipalAt(ctx, ip));
  const byIp = new Map(ips.map((ip, i) => [ip, others[i]]));
  const verdicts = credentialsElsewhere(calls, (ip) => byIp.get(ip));
  return calls.flatMap((event) => {
    const reason = verdicts.get(event.eventID);
    return reason ? [{ event, reason }] : [];
  });
}

/**
 * A principal that is not an instance session and acted from `ip`, if the address's partition holds
 * one: read page by page, newest first, until one is found (the instance's own calls can fill it).
 */
async function otherPrincipalAt(ctx: Ctx, ip: string): Promise<Principal | undefined> {
  const pk = keys.ip(ip);
  let startKey: Record<string, unknown> | undefined;
  let read = 0;
  do {
    // at any time: whether a call came from somewhere the instance is not does not depend on --until
    const page = await ctx.reader.queryPage(pk, {
      limit: ACCESS_READS.pageItems,
      nowMs: ctx.options.nowMs,
      ...(startKey ? { startKey } : {}),
    });
    read += page.items.length;
    const other = page.items.map(itemToEvent).find((e) => !madeByInstance(e));
    if (other) return other.principal;
    startKey = page.nextKey;
  } while (startKey && read < ACCESS_READS.sourceIpItems);
  if (startKey)
    ctx.notes.push(
      `${pk}: no principal but instance sessions among its newest ${read} items; older ones not read`,
    );
  return undefined;
}
