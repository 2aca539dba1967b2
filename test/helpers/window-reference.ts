import {
  credentialsElsewhere,
  elsewhereText,
  madeByInstance,
} from '../../lambda/core/access/credentials-elsewhere';
import type { IndexedEvent } from '../../lambda/core/event';
import { principalName } from '../../lambda/core/identity';
import { canonicalAddress } from '../../lambda/core/ip';
import { type DetectionSettings, RULES, type RuleId, type Verdict } from '../../lambda/core/rules';
import { parseTime } from '../../lambda/core/time';

/**
 * The windowed stateful rules as they judged one event at a time before their sweeps (issue 14,
 * "cut the CPU cost of the stateful rules"), copied verbatim: the reference the sweeps must match,
 * byte for byte. Each verdict scans the event's window (O(window) per event, so quadratic on a busy
 * history); `RefHistory.within` scans linearly too.
 */

interface Timed {
  readonly event: IndexedEvent;
  readonly timeMs: number;
}

interface WindowCount {
  readonly fromMs: number;
  readonly toMs: number;
  readonly events: number;
  readonly failed: number;
  readonly keys: readonly string[];
}

export class RefHistory {
  readonly pushes: readonly Timed[];

  constructor(pushes: readonly IndexedEvent[]) {
    const unique = new Map<string, Timed>();
    for (const event of pushes) {
      const timeMs = parseTime(event.eventTime);
      if (timeMs !== undefined) unique.set(event.eventID, { event, timeMs });
    }
    this.pushes = [...unique.values()].sort(
      (a, b) => a.timeMs - b.timeMs || (a.event.eventID < b.event.eventID ? -1 : 1),
    );
  }

  within(fromMs: number, toMs: number): readonly Timed[] {
    let lo = 0;
    let hi = this.pushes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.pushes[mid] as Timed).timeMs < fromMs) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < this.pushes.length && (this.pushes[end] as Timed).timeMs <= toMs) end++;
    return this.pushes.slice(lo, end);
  }
}

function windowReaching(
  nearby: readonly Timed[],
  ownMs: number,
  windowMs: number,
  keysOf: (event: IndexedEvent) => readonly string[],
  enough: (events: number, distinctKeys: number) => boolean,
): WindowCount | undefined {
  const counts = new Map<string, number>();
  let failed = 0;
  let end = 0;
  for (let start = 0; start < nearby.length; start++) {
    const fromMs = (nearby[start] as Timed).timeMs;
    if (fromMs > ownMs) break;
    const toMs = fromMs + windowMs;
    for (; end < nearby.length && (nearby[end] as Timed).timeMs <= toMs; end++) {
      const added = (nearby[end] as Timed).event;
      if (added.errorCode !== undefined) failed++;
      for (const key of keysOf(added)) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (toMs >= ownMs && enough(end - start, counts.size))
      return { fromMs, toMs, events: end - start, failed, keys: [...counts.keys()].sort() };
    const removed = (nearby[start] as Timed).event;
    if (removed.errorCode !== undefined) failed--;
    for (const key of keysOf(removed)) {
      const left = (counts.get(key) ?? 0) - 1;
      if (left > 0) counts.set(key, left);
      else counts.delete(key);
    }
  }
  return undefined;
}

function around(
  event: IndexedEvent,
  history: RefHistory,
  windowMs: number,
  counts: (other: IndexedEvent) => boolean,
): { own: Timed; nearby: Timed[] } | undefined {
  const ownMs = parseTime(event.eventTime);
  if (ownMs === undefined) return undefined;
  const nearby = history.within(ownMs - windowMs, ownMs + windowMs).filter((p) => counts(p.event));
  const own = nearby.find((p) => p.event.eventID === event.eventID) ?? { event, timeMs: ownMs };
  if (!nearby.includes(own)) {
    const at = nearby.findIndex((p) => p.timeMs > ownMs);
    nearby.splice(at < 0 ? nearby.length : at, 0, own);
  }
  return { own, nearby };
}

function listed(ids: readonly string[]): string {
  return `${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''}`;
}

function principalWindow(
  event: IndexedEvent,
  history: RefHistory,
  windowMinutes: number,
  applies: (e: IndexedEvent) => boolean,
  enough: (calls: number, instances: number) => boolean,
): WindowCount | undefined {
  const who = principalName(event.principal);
  const windowMs = windowMinutes * 60_000;
  const found = around(event, history, windowMs, (e) => applies(e) && principalName(e.principal) === who);
  if (!found) return undefined;
  return windowReaching(found.nearby, found.own.timeMs, windowMs, (e) => e.instanceIds, enough);
}

function callsOf(w: WindowCount): string {
  return `(${w.events} call${w.events === 1 ? '' : 's'}${w.failed > 0 ? `, ${w.failed} failed` : ''})`;
}

const PASS: Verdict = { fires: false };
const fire = (detail: string): Verdict => ({ fires: true, detail });
const appliesOf = (id: RuleId) => {
  const rule = RULES.find((r) => r.id === id);
  if (!rule) throw new Error(id);
  return (e: IndexedEvent) => rule.appliesTo(e);
};
const readsUserData = appliesOf('ec2-user-data-read');
const getsPasswordData = appliesOf('ec2-password-data');
const reachesInstances = appliesOf('ssm-command-many-instances');

function sshKeyMultiInstance(push: IndexedEvent, settings: DetectionSettings, history: RefHistory): Verdict {
  const reachedInstance = (e: IndexedEvent) => e.errorCode === undefined;
  if (!push.ssh?.fingerprint || !reachedInstance(push)) return PASS;
  const own = history.pushes.find((p) => p.event.eventID === push.eventID);
  if (!own) return PASS;
  const window = settings.multiInstanceWindowMinutes * 60_000;
  const nearby = history
    .within(own.timeMs - window, own.timeMs + window)
    .filter((p) => reachedInstance(p.event));
  const reached =
    own.event.instanceIds.length > 0 &&
    windowReaching(
      nearby,
      own.timeMs,
      window,
      (e) => e.instanceIds,
      (_, instances) => instances >= settings.multiInstanceThreshold,
    );
  if (reached)
    return fire(
      `key reached ${reached.keys.length} instances within ${settings.multiInstanceWindowMinutes} minutes: ${listed(reached.keys)}`,
    );
  return PASS;
}

function ec2UserDataRead(event: IndexedEvent, settings: DetectionSettings, history: RefHistory): Verdict {
  if (!readsUserData(event) || event.instanceIds.length === 0) return PASS;
  const minutes = settings.userDataReadWindowMinutes;
  const w = principalWindow(
    event,
    history,
    minutes,
    readsUserData,
    (_, instances) => instances >= settings.userDataReadThreshold,
  );
  if (!w) return PASS;
  return fire(
    `user data of ${w.keys.length} instances read within ${minutes} minutes ${callsOf(w)}: ${listed(w.keys)}`,
  );
}

function ec2PasswordData(event: IndexedEvent, settings: DetectionSettings, history: RefHistory): Verdict {
  if (!getsPasswordData(event)) return PASS;
  const minutes = settings.passwordDataWindowMinutes;
  const w = principalWindow(
    event,
    history,
    minutes,
    getsPasswordData,
    (calls, instances) =>
      instances >= settings.passwordDataInstanceThreshold || calls >= settings.passwordDataCallThreshold,
  );
  if (!w) return PASS;
  return fire(
    `password data of ${w.keys.length} instance${w.keys.length === 1 ? '' : 's'} asked for within ${minutes} minutes ${callsOf(w)}: ${listed(w.keys)}`,
  );
}

function ssmCommandManyInstances(
  event: IndexedEvent,
  settings: DetectionSettings,
  history: RefHistory,
): Verdict {
  if (!reachesInstances(event)) return PASS;
  const minutes = settings.ssmWindowMinutes;
  const w = principalWindow(
    event,
    history,
    minutes,
    reachesInstances,
    (_, instances) => instances >= settings.ssmInstanceThreshold,
  );
  if (!w) return PASS;
  return fire(
    `commands or sessions on ${w.keys.length} instances within ${minutes} minutes ${callsOf(w)}: ${listed(w.keys)}`,
  );
}

function instanceCall(event: IndexedEvent): boolean {
  return event.actorInstanceId !== undefined && canonicalAddress(event.sourceIPAddress) !== undefined;
}

function humanAccess(event: IndexedEvent): boolean {
  return (
    event.access !== undefined &&
    !madeByInstance(event) &&
    canonicalAddress(event.sourceIPAddress) !== undefined
  );
}

function nearest(events: readonly Timed[], ms: number): Timed | undefined {
  let best: Timed | undefined;
  for (const e of events) if (!best || Math.abs(e.timeMs - ms) < Math.abs(best.timeMs - ms)) best = e;
  return best;
}

function ec2InstanceCredentialsElsewhere(
  event: IndexedEvent,
  settings: DetectionSettings,
  history: RefHistory,
): Verdict {
  if (!instanceCall(event)) return PASS;
  const instance = event.actorInstanceId;
  const ip = canonicalAddress(event.sourceIPAddress);
  const found = around(
    event,
    history,
    settings.credentialsWindowMinutes * 60_000,
    (e) =>
      (instanceCall(e) && e.actorInstanceId === instance) ||
      (humanAccess(e) && canonicalAddress(e.sourceIPAddress) === ip),
  );
  if (!found) return PASS;
  const calls = found.nearby.filter((p) => p.event.actorInstanceId === instance).map((p) => p.event);
  const human = nearest(
    found.nearby.filter((p) => p.event.actorInstanceId === undefined),
    found.own.timeMs,
  );
  const reason = credentialsElsewhere(calls, (at) => (at === ip ? human?.event.principal : undefined)).get(
    event.eventID,
  );
  if (!reason) return PASS;
  const seen =
    reason.kind === 'shared-ip' && human ? ` (${human.event.eventName} at ${human.event.eventTime})` : '';
  return fire(`credentials of ${instance} used ${elsewhereText(reason)}${seen}`);
}

/** The windowed stateful rules, as they were. */
export const REFERENCE: Partial<
  Record<RuleId, (event: IndexedEvent, settings: DetectionSettings, history: RefHistory) => Verdict>
> = {
  'ssh-key-multi-instance': sshKeyMultiInstance,
  'ec2-user-data-read': ec2UserDataRead,
  'ec2-password-data': ec2PasswordData,
  'ssm-command-many-instances': ssmCommandManyInstances,
  'ec2-instance-credentials-elsewhere': ec2InstanceCredentialsElsewhere,
};

/** The old `statefulHitsOf`: every event of the history the rule applies to, judged on its own. */
export function referenceHits(
  id: RuleId,
  events: readonly IndexedEvent[],
  settings: DetectionSettings,
): Map<string, string> {
  const judge = REFERENCE[id];
  const applies = appliesOf(id);
  if (!judge) throw new Error(`${id}: no reference`);
  const history = new RefHistory(events);
  const out = new Map<string, string>();
  for (const { event } of history.pushes) {
    if (!applies(event)) continue;
    const v = judge(event, settings, history);
    if (v.fires) out.set(event.eventID, v.detail);
  }
  return out;
}
