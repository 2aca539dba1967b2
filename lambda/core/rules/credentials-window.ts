import type { IndexedEvent } from '../event';
import { canonicalAddress } from '../ip';
import { firstAfter, firstAtOrAfter, type KeyHistory } from './key-history';
import type { Timed } from './window';

/**
 * The lookups of ec2-instance-credentials-elsewhere on one history, made once for every verdict on
 * it: the human events by address, the instance calls by instance and access key, each in time
 * order. A verdict is then two binary searches and a range minimum, whatever the window holds (12
 * hours of a busy instance's calls), instead of a scan of the window per call.
 */
export class CredentialsWindow {
  private readonly humans = new Map<string, Timeline>();
  private readonly calls = new Map<string, Timeline>();

  constructor(
    history: KeyHistory,
    private readonly windowMs: number,
    instanceCall: (e: IndexedEvent) => boolean,
    humanAccess: (e: IndexedEvent) => boolean,
  ) {
    for (const p of history.pushes) {
      if (instanceCall(p.event)) {
        const key = p.event.principal.accessKeyId;
        if (key !== undefined) at(this.calls, callsKey(p.event.actorInstanceId, key)).push(p);
      } else if (humanAccess(p.event)) {
        at(this.humans, canonicalAddress(p.event.sourceIPAddress) as string).push(p);
      }
    }
  }

  /**
   * The human event at `ip` nearest in time to `ms` within the window either side (the earliest of
   * equals), as `nearest` of the rule picks it from the window's events.
   */
  nearestHuman(ip: string, ms: number): Timed | undefined {
    const line = this.humans.get(ip);
    if (!line) return undefined;
    const times = line.times();
    const after = firstAfter(times, ms);
    const right = after < times.length && (times[after] as number) <= ms + this.windowMs ? after : -1;
    const last = after - 1;
    const left =
      last >= 0 && (times[last] as number) >= ms - this.windowMs
        ? firstAtOrAfter(times, times[last] as number)
        : -1;
    if (left >= 0 && (right < 0 || ms - (times[left] as number) <= (times[right] as number) - ms))
      return line.events[left];
    return right >= 0 ? line.events[right] : undefined;
  }

  /**
   * The first call (by `eventTime`, then eventID, as `credentialsElsewhere` orders them) of the
   * instance with the access key within the window either side of `ms`.
   */
  firstCall(instance: string | undefined, accessKeyId: string, ms: number): Timed | undefined {
    const line = this.calls.get(callsKey(instance, accessKeyId));
    if (!line) return undefined;
    const times = line.times();
    return line.first(firstAtOrAfter(times, ms - this.windowMs), firstAfter(times, ms + this.windowMs));
  }
}

function callsKey(instance: string | undefined, accessKeyId: string): string {
  return `${instance ?? ''}\n${accessKeyId}`;
}

function at(groups: Map<string, Timeline>, key: string): Timed[] {
  let line = groups.get(key);
  if (!line) {
    line = new Timeline();
    groups.set(key, line);
  }
  return line.events;
}

/** Events in time order, with their times and, when first asked, a range-minimum table. */
class Timeline {
  readonly events: Timed[] = [];
  private timesOf?: number[];
  private ranked?: {
    /** Each event's `eventTime` and eventID (`credentialsElsewhere`'s order of calls: `byTime`). */
    readonly keys: readonly (readonly [string, string])[];
    /** `levels[k][i]`: the index of the first event of `[i, i + 2^k)` in that order. */
    readonly levels: readonly Int32Array[];
  };

  times(): number[] {
    this.timesOf ??= this.events.map((e) => e.timeMs);
    return this.timesOf;
  }

  /** The first event (by `eventTime`, then eventID) of `[from, to)`, if not empty. */
  first(from: number, to: number): Timed | undefined {
    if (from >= to) return undefined;
    const { keys, levels } = this.table();
    let k = 0;
    while (2 ** (k + 1) <= to - from) k++;
    const level = levels[k] as Int32Array;
    return this.events[earlier(keys, level[from] as number, level[to - 2 ** k] as number)];
  }

  private table(): NonNullable<Timeline['ranked']> {
    if (this.ranked) return this.ranked;
    const n = this.events.length;
    const keys = this.events.map((e) => [e.event.eventTime, e.event.eventID] as const);
    const levels = [Int32Array.from({ length: n }, (_, i) => i)];
    for (let span = 2; span <= n; span *= 2) {
      const below = levels[levels.length - 1] as Int32Array;
      const level = new Int32Array(n - span + 1);
      for (let i = 0; i < level.length; i++)
        level[i] = earlier(keys, below[i] as number, below[i + span / 2] as number);
      levels.push(level);
    }
    this.ranked = { keys, levels };
    return this.ranked;
  }
}

/** Of two events, the one `credentialsElsewhere` takes first: `eventTime` as written, then eventID. */
function earlier(keys: readonly (readonly [string, string])[], i: number, j: number): number {
  const [ti, idi] = keys[i] as readonly [string, string];
  const [tj, idj] = keys[j] as readonly [string, string];
  return (ti !== tj ? tj < ti : idj < idi) ? j : i;
}
