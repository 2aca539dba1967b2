import type { IndexedEvent } from '../event';
import type { Principal } from '../identity';
import { instanceOfSession, principalLabel } from '../identity';
import { canonicalAddress } from '../ip';

/**
 * Which calls made with an instance's own role credentials came "from somewhere the instance is not"
 * (CONTRACT "Instance access", method `instance-credentials`, and the rule
 * `ec2-instance-credentials-elsewhere`). Pure: the caller reads the instance's calls (its `ACTOR#`
 * partition) and says, for each of their source addresses, whether a principal that is not an
 * instance session acted from it too (the address's `IP#` partition).
 *
 * A call is listed when
 * - its source IP was also used by a principal that is not an instance session (`shared-ip`): the
 *   instance's credentials in the hands of whoever works from there; or
 * - its access key ID was used from another IP first (`second-ip`): the credentials of one session
 *   used from two places. The first IP seen for an access key (earliest call, then eventID) is taken
 *   as the instance's own; the calls from every other IP are listed.
 * Calls whose source is not an IP address (`AWS Internal`, a service name) are never listed.
 */

/** What the decision needs of a call. */
export type InstanceCall = Pick<IndexedEvent, 'eventID' | 'eventTime' | 'sourceIPAddress' | 'principal'>;

export type ElsewhereReason =
  | {
      readonly kind: 'shared-ip';
      readonly ip: string;
      /** A principal that is not an instance session and acted from the same address. */
      readonly principal: Principal;
    }
  | {
      readonly kind: 'second-ip';
      readonly ip: string;
      readonly accessKeyId: string;
      /** The address the access key was first used from. */
      readonly firstIp: string;
    };

/** A principal that is not an instance session and acted from `ip` (canonical), or undefined. */
export type OtherPrincipalAt = (ip: string) => Principal | undefined;

/**
 * True for an assumed-role session whose session name is an instance ID: an instance's own role
 * credentials (`instanceOfSession`).
 */
export function isInstanceSession(p: Principal): boolean {
  return instanceOfSession(p) !== undefined;
}

/** True when an event was made by an instance with its own credentials. */
export function madeByInstance(e: Pick<IndexedEvent, 'principal' | 'actorInstanceId'>): boolean {
  return e.actorInstanceId !== undefined || isInstanceSession(e.principal);
}

/** The distinct canonical source addresses of the calls (the `IP#` partitions to look at). */
export function sourceAddresses(calls: readonly InstanceCall[]): string[] {
  const out = new Set<string>();
  for (const c of calls) {
    const ip = canonicalAddress(c.sourceIPAddress);
    if (ip) out.add(ip);
  }
  return [...out];
}

function byTime(a: InstanceCall, b: InstanceCall): number {
  if (a.eventTime !== b.eventTime) return a.eventTime < b.eventTime ? -1 : 1;
  return a.eventID < b.eventID ? -1 : a.eventID > b.eventID ? 1 : 0;
}

/**
 * The calls made from somewhere the instance is not, by eventID, with the reason. Does not depend on
 * the order of `calls`.
 */
export function credentialsElsewhere(
  calls: readonly InstanceCall[],
  otherPrincipalAt: OtherPrincipalAt,
): Map<string, ElsewhereReason> {
  const out = new Map<string, ElsewhereReason>();
  const firstIp = new Map<string, string>();
  for (const call of [...calls].sort(byTime)) {
    const ip = canonicalAddress(call.sourceIPAddress);
    if (!ip) continue;
    const key = call.principal.accessKeyId;
    const first = key === undefined ? undefined : firstIp.get(key);
    if (key !== undefined && first === undefined) firstIp.set(key, ip);
    const other = otherPrincipalAt(ip);
    if (other) out.set(call.eventID, { kind: 'shared-ip', ip, principal: other });
    else if (key !== undefined && first !== undefined && first !== ip)
      out.set(call.eventID, { kind: 'second-ip', ip, accessKeyId: key, firstIp: first });
  }
  return out;
}

/**
 * Why a call counts, for people: `from <ip>, where <principal> also acted`, or `from <ip>; access
 * key <id> was first used from <ip>` (the `access` line's detail and the rule's finding).
 */
export function elsewhereText(reason: ElsewhereReason): string {
  return reason.kind === 'shared-ip'
    ? `from ${reason.ip}, where ${principalLabel(reason.principal)} also acted`
    : `from ${reason.ip}; access key ${reason.accessKeyId} was first used from ${reason.firstIp}`;
}
