import { principalLabel, principalQuery } from './format';
import type { AccessLine, EventLine, FindingLine } from './types';

/**
 * What the timeline draws, without the DOM: one lane per principal or per access method, one mark per
 * event (a range for a session whose end is known), findings attached to their events.
 */

export type LaneMode = 'principal' | 'method';

export interface Lane {
  readonly id: string;
  readonly label: string;
  /** The full name (an ARN) behind a short label. */
  readonly title: string;
  readonly count: number;
}

export interface Mark {
  readonly id: string;
  readonly lane: string;
  readonly start: string;
  readonly end: string | null;
  readonly event: EventLine;
  readonly method: string | null;
  readonly rules: readonly string[];
  readonly failed: boolean;
}

export const OTHER_CALLS = 'other calls';

function laneOf(
  event: EventLine,
  method: string | null,
  mode: LaneMode,
): { id: string; label: string; title: string } {
  if (mode === 'method') {
    const m = method ?? OTHER_CALLS;
    return { id: `m:${m}`, label: m, title: m };
  }
  const who = principalQuery(event.principal) ?? principalLabel(event.principal);
  return { id: `p:${who}`, label: principalLabel(event.principal), title: who };
}

/** Lanes in order of their first mark, marks in time order. */
export function buildLanes(
  events: readonly EventLine[],
  access: readonly AccessLine[],
  findings: readonly FindingLine[],
  mode: LaneMode,
): { lanes: Lane[]; marks: Mark[] } {
  const accessById = new Map(access.map((a) => [a.eventID, a]));
  const rulesById = new Map<string, Set<string>>();
  for (const f of findings) {
    const rules = rulesById.get(f.eventID) ?? new Set<string>();
    rules.add(f.rule);
    rulesById.set(f.eventID, rules);
  }
  const sorted = [...events].sort(
    (a, b) => a.eventTime.localeCompare(b.eventTime) || a.eventID.localeCompare(b.eventID),
  );
  const lanes = new Map<string, { id: string; label: string; title: string; count: number }>();
  const marks: Mark[] = [];
  for (const event of sorted) {
    const line = accessById.get(event.eventID);
    const method = event.access?.method ?? line?.method ?? null;
    const lane = laneOf(event, method, mode);
    const known = lanes.get(lane.id);
    if (known) known.count++;
    else lanes.set(lane.id, { ...lane, count: 1 });
    const rules = new Set([...(event.findings ?? []), ...(rulesById.get(event.eventID) ?? [])]);
    const end = line?.sessionEnd && line.sessionEnd > event.eventTime ? line.sessionEnd : null;
    marks.push({
      id: event.eventID,
      lane: lane.id,
      start: event.eventTime,
      end,
      event,
      method,
      rules: [...rules].sort(),
      failed: event.errorCode !== undefined && event.errorCode !== null && event.errorCode !== '',
    });
  }
  return { lanes: [...lanes.values()], marks };
}
