import type { IndexedEvent } from '../event';
import type { Principal } from '../identity';
import { bound, LIMITS } from '../limits';
import { parseTime } from '../time';
import { type ElsewhereReason, elsewhereText } from './credentials-elsewhere';
import type { AccessMethod } from './types';

/**
 * `trailwatch access INSTANCE_ID`: the access paths to an instance, assembled at query time from what
 * the index holds (pure; the reads are in `./read.ts`). One line per event and method, newest first:
 * - every event of the instance's partition with access facts (`event.access`): it names the instance
 *   as its target (Instance Connect, serial console, SSM session or command naming it, the launch
 *   with a key pair, user data, password data, console output);
 * - the `ResumeSession`s of its SSM sessions (they name only the session), found by session ID;
 * - the `OpenTunnel`s matched to it by private address (`./tunnels.ts`);
 * - the calls made with its own credentials from somewhere it is not (`./credentials-elsewhere.ts`).
 * An SSM session's line carries its end: the first successful `TerminateSession` of the session.
 */

/** One line of `trailwatch access` (CONTRACT `access --json` lines; every key present, null where it does not apply). */
export interface AccessPath {
  readonly method: AccessMethod;
  readonly eventID: string;
  readonly eventTime: string;
  readonly instanceId: string;
  readonly principal: Principal;
  readonly sourceIPAddress: string | null;
  /** `success` or the error code. */
  readonly outcome: string;
  readonly detail: string;
  /** The time of the session's `TerminateSession`, for an SSM session whose end is indexed; else null. */
  readonly sessionEnd: string | null;
  readonly eventSource: string;
  readonly eventName: string;
  readonly accountId: string | null;
  readonly awsRegion: string | null;
  /** The SSM session (ssm-session lines), else null. */
  readonly sessionId: string | null;
}

/** What the lines are assembled from. */
export interface AccessEvidence {
  /** Lower case. */
  readonly instanceId: string;
  /** Events of the instance's partition (those with access facts make lines). */
  readonly targeted: readonly IndexedEvent[];
  /** Events of the sessions' partitions, by session ID. */
  readonly sessions: ReadonlyMap<string, readonly IndexedEvent[]>;
  /** `OpenTunnel` events matched to the instance. */
  readonly tunnels: readonly IndexedEvent[];
  /** Calls with the instance's credentials made from somewhere it is not. */
  readonly credentials: readonly { readonly event: IndexedEvent; readonly reason: ElsewhereReason }[];
}

export interface TimeBounds {
  readonly sinceMs?: number;
  readonly untilMs?: number;
}

/** One line. */
export function accessPath(
  e: IndexedEvent,
  instanceId: string,
  how: { method: AccessMethod; detail: string; sessionEnd?: string | null },
): AccessPath {
  return {
    method: how.method,
    eventID: e.eventID,
    eventTime: e.eventTime,
    instanceId,
    principal: e.principal,
    sourceIPAddress: e.sourceIPAddress ?? null,
    outcome: e.errorCode ?? 'success',
    detail: how.detail,
    sessionEnd: how.sessionEnd ?? null,
    eventSource: e.eventSource,
    eventName: e.eventName,
    accountId: e.accountId ?? null,
    awsRegion: e.awsRegion ?? null,
    sessionId: how.method === 'ssm-session' ? (e.sessionId ?? null) : null,
  };
}

/** The events of a session's partition that belong to the session of `start`: same account and region. */
export function sameSession(start: IndexedEvent, items: readonly IndexedEvent[]): IndexedEvent[] {
  return items.filter(
    (e) =>
      e.sessionId === start.sessionId && e.accountId === start.accountId && e.awsRegion === start.awsRegion,
  );
}

/** The time of the earliest successful `TerminateSession` among a session's events, or null. */
export function sessionEnd(events: readonly IndexedEvent[]): string | null {
  let end: string | null = null;
  for (const e of events) {
    if (e.eventName !== 'TerminateSession' || e.errorCode !== undefined) continue;
    if (end === null || e.eventTime < end) end = e.eventTime;
  }
  return end;
}

/** The `detail` of an `instance-credentials` line: the call, and where it came from. */
export function credentialsDetail(e: IndexedEvent, reason: ElsewhereReason): string {
  const call = `${e.eventSource.replace(/\.amazonaws\.com$/, '')} ${e.eventName}`;
  return bound(`${call} ${elsewhereText(reason)}`, LIMITS.accessDetail);
}

function inRange(e: IndexedEvent, range: TimeBounds): boolean {
  const t = parseTime(e.eventTime);
  if (t === undefined) return false;
  return (
    (range.sinceMs === undefined || t >= range.sinceMs) && (range.untilMs === undefined || t <= range.untilMs)
  );
}

/** Newest first, as index items sort (time, then eventID). */
function newestFirst(a: AccessPath, b: AccessPath): number {
  const ta = parseTime(a.eventTime) ?? 0;
  const tb = parseTime(b.eventTime) ?? 0;
  if (ta !== tb) return tb - ta;
  return a.eventID < b.eventID ? 1 : a.eventID > b.eventID ? -1 : 0;
}

/** The SSM session lines: the starts in the instance's partition and the resumes of their sessions. */
function sessionLines(ev: AccessEvidence, add: (e: IndexedEvent, line: AccessPath) => void): void {
  for (const start of ev.targeted) {
    if (start.access?.method !== 'ssm-session') continue;
    const session = start.sessionId ? sameSession(start, ev.sessions.get(start.sessionId) ?? []) : [];
    const end = sessionEnd(session);
    for (const e of [start, ...session.filter((s) => s.access?.method === 'ssm-session')]) {
      const facts = e.access ?? start.access;
      add(e, accessPath(e, ev.instanceId, { method: 'ssm-session', detail: facts.detail, sessionEnd: end }));
    }
  }
}

/** Every access path of the evidence within the time range, newest first, one per event and method. */
export function assembleAccessPaths(ev: AccessEvidence, range: TimeBounds = {}): AccessPath[] {
  const lines = new Map<string, AccessPath>();
  const add = (e: IndexedEvent, line: AccessPath): void => {
    const key = `${line.eventID}|${line.method}`;
    if (inRange(e, range) && !lines.has(key)) lines.set(key, line);
  };
  sessionLines(ev, add);
  for (const e of [...ev.targeted, ...ev.tunnels]) {
    if (e.access && e.access.method !== 'ssm-session')
      add(e, accessPath(e, ev.instanceId, { method: e.access.method, detail: e.access.detail }));
  }
  for (const { event, reason } of ev.credentials) {
    add(
      event,
      accessPath(event, ev.instanceId, {
        method: 'instance-credentials',
        detail: credentialsDetail(event, reason),
      }),
    );
  }
  return [...lines.values()].sort(newestFirst);
}
