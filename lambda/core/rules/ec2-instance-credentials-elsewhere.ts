import {
  credentialsElsewhere,
  type ElsewhereReason,
  elsewhereText,
  madeByInstance,
} from '../access/credentials-elsewhere';
import type { IndexedEvent } from '../event';
import { canonicalAddress } from '../ip';
import { CredentialsWindow } from './credentials-window';
import type { KeyHistory } from './key-history';
import { defineRule, fire, PASS } from './rule';
import { around, type Timed } from './window';

const ID = 'ec2-instance-credentials-elsewhere';

/** (a) A call made with an instance's own role credentials, from an IP address. */
function instanceCall(event: IndexedEvent): boolean {
  return event.actorInstanceId !== undefined && canonicalAddress(event.sourceIPAddress) !== undefined;
}

/**
 * (b) A principal that is not an instance session reaching an instance (`SendCommand`,
 * `StartSession`, `SendSSHPublicKey`, …: the event's access facts) from an IP address.
 */
function humanAccess(event: IndexedEvent): boolean {
  return (
    event.access !== undefined &&
    !madeByInstance(event) &&
    canonicalAddress(event.sourceIPAddress) !== undefined
  );
}

/**
 * History keys: both kinds meet in `ip:<address>`, whatever order they arrive in; an instance's
 * calls also in `instance:<id>` (its other addresses).
 */
function keysOf(event: IndexedEvent): readonly string[] {
  const ip = canonicalAddress(event.sourceIPAddress);
  if (ip === undefined) return [];
  return event.actorInstanceId === undefined
    ? [`ip:${ip}`]
    : [`ip:${ip}`, `instance:${event.actorInstanceId}`];
}

/** The event of `events` nearest in time to `ms` (the earliest of equals), if any. */
function nearest(events: readonly Timed[], ms: number): Timed | undefined {
  let best: Timed | undefined;
  for (const e of events) if (!best || Math.abs(e.timeMs - ms) < Math.abs(best.timeMs - ms)) best = e;
  return best;
}

/** A verdict's reason, and the human event nearest to the call at its address. */
interface Judged {
  readonly reason: ElsewhereReason | undefined;
  readonly human: Timed | undefined;
}

/**
 * An event of the history, from the lookups made once for all of them (`CredentialsWindow`): what
 * `alone` finds in its window. The call's address has a human event within the window: `shared-ip`;
 * else the first call (as `credentialsElsewhere` orders them) with its access key within the window
 * gives the address the key was first used from (its own when it is that first call).
 */
function swept(event: IndexedEvent, ms: number, ip: string, lookups: CredentialsWindow): Judged {
  const human = lookups.nearestHuman(ip, ms);
  if (human) return { reason: { kind: 'shared-ip', ip, principal: human.event.principal }, human };
  const key = event.principal.accessKeyId;
  const first = key === undefined ? undefined : lookups.firstCall(event.actorInstanceId, key, ms);
  const firstIp = first && canonicalAddress(first.event.sourceIPAddress);
  if (key === undefined || !first || firstIp === undefined || firstIp === ip)
    return { reason: undefined, human };
  return { reason: { kind: 'second-ip', ip, accessKeyId: key, firstIp }, human };
}

/** Any other event (a test's, a copy): the decision of `credentialsElsewhere` on its window's events. */
function alone(event: IndexedEvent, ip: string, history: KeyHistory, windowMs: number): Judged | undefined {
  const instance = event.actorInstanceId;
  const found = around(
    event,
    history,
    windowMs,
    (e) =>
      (instanceCall(e) && e.actorInstanceId === instance) ||
      (humanAccess(e) && canonicalAddress(e.sourceIPAddress) === ip),
  );
  if (!found) return undefined;
  const calls = found.nearby.filter((p) => p.event.actorInstanceId === instance).map((p) => p.event);
  const human = nearest(
    found.nearby.filter((p) => p.event.actorInstanceId === undefined),
    found.own.timeMs,
  );
  const reason = credentialsElsewhere(calls, (at) => (at === ip ? human?.event.principal : undefined)).get(
    event.eventID,
  );
  return { reason, human };
}

/**
 * An instance's role credentials used from somewhere the instance is not: from an address where a
 * principal that is not an instance session also reached an instance, or with the same access key
 * from a second address, within the window either side (default 12 hours). The decision is
 * `credentialsElsewhere` (access/credentials-elsewhere.ts), the one `trailwatch access` makes; the
 * rule sees only the window's events, and only human events that reached an instance. Fires on the
 * instance's calls, never on the human events themselves.
 */
export const ec2InstanceCredentialsElsewhere = defineRule({
  id: ID,
  title: "an instance's role credentials used from a source IP that is not the instance's own",
  firesWhen:
    'a call made with an instance’s own role credentials comes from an IP where a principal that is not an instance session reached an instance (`SendCommand`, `StartSession`, `SendSSHPublicKey`, …) within 720 minutes, or the same access key was used from another IP first within 720 minutes',
  settings: ['credentialsWindowMinutes'],
  falsePositives:
    'a person working on the instance with their own credentials from the same address, or a NAT gateway shared by people and instances; a workload whose egress address changes',
  severity: 'high',
  attack: 'T1552.005',
  stratus: 'aws.credential-access.ec2-steal-instance-credentials',
  family: 'threat',
  appliesTo: (event) => instanceCall(event) || humanAccess(event),
  stateful: true,
  history: {
    kind: 'own',
    keysOf,
    windowMinutes: (settings) => settings.credentialsWindowMinutes,
  },
  evaluate(event, { settings, history }) {
    if (!history || !instanceCall(event)) return PASS;
    const instance = event.actorInstanceId;
    const ip = canonicalAddress(event.sourceIPAddress) as string;
    const windowMs = settings.credentialsWindowMinutes * 60_000;
    const own = history.get(event.eventID);
    const judged =
      own?.event === event
        ? swept(
            event,
            own.timeMs,
            ip,
            history.memo(
              settings,
              ID,
              () => new CredentialsWindow(history, windowMs, instanceCall, humanAccess),
            ),
          )
        : alone(event, ip, history, windowMs);
    if (!judged?.reason) return PASS;
    const { reason, human } = judged;
    const seen =
      reason.kind === 'shared-ip' && human ? ` (${human.event.eventName} at ${human.event.eventTime})` : '';
    return fire(`credentials of ${instance} used ${elsewhereText(reason)}${seen}`);
  },
});
