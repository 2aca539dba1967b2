import type { IndexedEvent } from '../../lambda/core/event';
import type { Principal } from '../../lambda/core/identity';
import {
  DEFAULT_DETECTION,
  type DetectionSettings,
  KeyHistory,
  RULES,
  type RuleId,
  statefulHitsOf,
} from '../../lambda/core/rules';
import { WindowSweep } from '../../lambda/core/rules/window';
import { seededRandom } from '../helpers/random';
import { REFERENCE, RefHistory, referenceHits } from '../helpers/window-reference';

/**
 * The windowed stateful rules judge every event of a history from one sweep of it (window-sweep.ts,
 * credentials-window.ts) instead of a scan of each event's window: the same verdicts, byte for byte,
 * as the per-event algorithm they replace (test/helpers/window-reference.ts, the old code), on random
 * histories made to hit the edges: ties in time, several principals, keys and addresses in one
 * history, failed calls, times written in other forms (offsets, fractions: `eventTime` order is not
 * time order), duplicate eventIDs, events the rule does not apply to.
 */

const WINDOWED = Object.keys(REFERENCE) as RuleId[];
const rule = (id: RuleId) => RULES.find((r) => r.id === id) as (typeof RULES)[number];
const T0 = Date.UTC(2025, 2, 1, 10);

function pick<T>(random: () => number, xs: readonly T[]): T {
  return xs[Math.floor(random() * xs.length)] as T;
}

/** `eventTime` in one of the forms the reader accepts. */
function timeText(ms: number, random: () => number): string {
  const iso = new Date(ms).toISOString();
  const r = random();
  if (r < 0.6) return iso.replace('.000Z', 'Z');
  if (r < 0.75) return iso;
  if (r < 0.9) return `${new Date(ms + 3_600_000).toISOString().slice(0, 19)}+01:00`;
  return iso.replace('T', ' ').replace('Z', '000000');
}

const PRINCIPALS: Principal[] = [
  { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/alice', accessKeyId: 'AKIAEXAMPLEALICE0001' },
  { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/bob', accessKeyId: 'AKIAEXAMPLEBOB000001' },
  {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::111122223333:assumed-role/Ops/carol',
    accessKeyId: 'ASIAEXAMPLECAROL001',
  },
];
const INSTANCES = [
  'i-0aaaaaaaaaaaaaaa0',
  'i-0aaaaaaaaaaaaaaa1',
  'i-0aaaaaaaaaaaaaaa2',
  'i-0aaaaaaaaaaaaaaa3',
];
const MORE_INSTANCES = [...INSTANCES, ...Array.from({ length: 12 }, (_, i) => `i-0bbbbbbbbbbbbbb${i + 10}`)];
const ADDRESSES = ['198.51.100.7', '203.0.113.9', '2001:db8::1', '2001:0db8:0:0::1', 'AWS Internal'];
const ACCESS_KEYS = ['ASIAINSTANCEKEY0001', 'ASIAINSTANCEKEY0002', undefined];

function instanceSession(instance: string, random: () => number): Principal {
  const key = pick(random, ACCESS_KEYS);
  return {
    type: 'AssumedRole',
    arn: `arn:aws:sts::111122223333:assumed-role/web-role/${instance}`,
    ...(key ? { accessKeyId: key } : {}),
  };
}

/** A random event one of the windowed rules applies to (or none does). */
function randomEvent(
  random: () => number,
  eventID: string,
  timeMs: number,
  world: { readonly wide: boolean; readonly humans: boolean },
): IndexedEvent {
  const wide = world.wide;
  const instances = (max: number) =>
    Array.from({ length: Math.floor(random() * (max + 1)) }, () =>
      pick(random, wide ? MORE_INSTANCES : INSTANCES),
    );
  const base = {
    eventID,
    eventTime: timeText(timeMs, random),
    readOnly: false,
    resourceIds: [],
    findings: [],
    principal: pick(random, PRINCIPALS),
    // without humans, only the instances' calls come from an address (ec2-instance-credentials-elsewhere)
    sourceIPAddress: world.humans ? pick(random, ADDRESSES) : 'AWS Internal',
    ...(random() < 0.2 ? { errorCode: 'AccessDenied' } : {}),
  };
  const kind = random();
  if (kind < 0.2)
    return {
      ...base,
      eventSource: 'ec2-instance-connect.amazonaws.com',
      eventName: 'SendSSHPublicKey',
      instanceIds: instances(2),
      ssh: { fingerprint: pick(random, ['SHA256:one', 'SHA256:two']), osUser: 'ec2-user' },
    };
  if (kind < 0.35)
    return {
      ...base,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'DescribeInstanceAttribute',
      instanceIds: instances(1),
      access: { method: 'user-data-read', detail: 'attribute userData' },
    };
  if (kind < 0.5)
    return {
      ...base,
      eventSource: 'ec2.amazonaws.com',
      eventName: 'GetPasswordData',
      instanceIds: instances(1),
    };
  if (kind < 0.65) {
    const session = random() < 0.5;
    return {
      ...base,
      eventSource: 'ssm.amazonaws.com',
      eventName: session ? 'StartSession' : 'SendCommand',
      instanceIds: instances(3),
      access: { method: session ? 'ssm-session' : 'ssm-command', detail: 'document AWS-RunShellScript' },
    };
  }
  if (kind < 0.9) {
    const instance = pick(random, INSTANCES.slice(0, 2));
    return {
      ...base,
      eventSource: pick(random, ['s3.amazonaws.com', 'sts.amazonaws.com', 'ec2.amazonaws.com']),
      eventName: pick(random, ['GetObject', 'GetCallerIdentity', 'DescribeInstances']),
      instanceIds: [],
      principal: instanceSession(instance, random),
      sourceIPAddress: pick(random, ADDRESSES),
      actorInstanceId: instance,
    };
  }
  return { ...base, eventSource: 's3.amazonaws.com', eventName: 'GetObject', instanceIds: instances(1) };
}

/** A history: `n` events within `spanMinutes`, on whole minutes or seconds (ties), some IDs repeated. */
function randomWorld(random: () => number): IndexedEvent[] {
  const n = 1 + Math.floor(random() * 60);
  const spanMinutes = 1 + Math.floor(random() * 400);
  const step = random() < 0.5 ? 60_000 : 1000;
  const world = { wide: random() < 0.3, humans: random() < 0.5 };
  const events: IndexedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const timeMs = T0 + Math.floor((random() * spanMinutes * 60_000) / step) * step;
    const id =
      random() < 0.05 && i > 0
        ? (events[Math.floor(random() * i)] as IndexedEvent).eventID
        : `e${Math.floor(random() * 1e9).toString(36)}${i}`;
    events.push(randomEvent(random, id, timeMs, world));
  }
  return events;
}

function randomSettings(random: () => number): DetectionSettings {
  const minutes = () => 1 + Math.floor(random() * 180);
  const threshold = () => 1 + Math.floor(random() * 5);
  return {
    ...DEFAULT_DETECTION,
    multiInstanceWindowMinutes: minutes(),
    multiInstanceThreshold: threshold(),
    userDataReadWindowMinutes: minutes(),
    userDataReadThreshold: threshold(),
    passwordDataWindowMinutes: minutes(),
    passwordDataInstanceThreshold: threshold(),
    passwordDataCallThreshold: threshold() + Math.floor(random() * 8),
    ssmWindowMinutes: minutes(),
    ssmInstanceThreshold: threshold(),
    credentialsWindowMinutes: minutes() * 2,
  };
}

const detailsOf = (hits: ReadonlyMap<string, { readonly detail: string }>): Map<string, string> =>
  new Map([...hits].map(([id, h]) => [id, h.detail]));

describe('the windowed stateful rules, swept once per history', () => {
  it('give the verdicts of the per-event algorithm on random histories (every rule, every event)', () => {
    const random = seededRandom(1414);
    let fired = 0;
    for (let round = 0; round < 600; round++) {
      const events = randomWorld(random);
      const settings = random() < 0.2 ? DEFAULT_DETECTION : randomSettings(random);
      for (const id of WINDOWED) {
        const expected = referenceHits(id, events, settings);
        expect({ round, id, hits: detailsOf(statefulHitsOf(rule(id), events, settings)) }).toEqual({
          round,
          id,
          hits: expected,
        });
        fired += expected.size;
      }
    }
    // the histories make the rules fire, and not always
    expect(fired).toBeGreaterThan(2000);
  });

  it('give the same verdicts on events the history does not hold as such (a copy, a missing event)', () => {
    const random = seededRandom(2828);
    for (let round = 0; round < 300; round++) {
      const events = randomWorld(random);
      const settings = randomSettings(random);
      const history = new KeyHistory(events);
      const old = new RefHistory(events);
      for (const id of WINDOWED) {
        const r = rule(id);
        const judge = REFERENCE[id] as NonNullable<(typeof REFERENCE)[RuleId]>;
        for (const { event } of history.pushes) {
          if (!r.appliesTo(event)) continue;
          const copy = { ...event, ...(random() < 0.3 ? { sourceIPAddress: pick(random, ADDRESSES) } : {}) };
          expect(r.evaluate(copy, { settings, history })).toEqual(judge(copy, settings, old));
          const others = events.filter((e) => e.eventID !== event.eventID);
          expect(r.evaluate(event, { settings, history: new KeyHistory(others) })).toEqual(
            judge(event, settings, new RefHistory(others)),
          );
        }
      }
    }
  });

  it('give each verdict from what the history holds, whichever event was judged first', () => {
    const random = seededRandom(77);
    for (let round = 0; round < 100; round++) {
      const events = randomWorld(random);
      const settings = randomSettings(random);
      for (const id of WINDOWED) {
        const r = rule(id);
        const history = new KeyHistory(events);
        const order = [...history.pushes].sort(() => random() - 0.5);
        const got = new Map<string, string>();
        for (const { event } of order) {
          if (!r.appliesTo(event)) continue;
          const v = r.evaluate(event, { settings, history });
          if (v.fires) got.set(event.eventID, v.detail);
        }
        expect(got).toEqual(referenceHits(id, events, settings));
      }
    }
  });
});

describe('WindowSweep', () => {
  it('lists the first ten distinct keys of a window in sorted order and counts them all', () => {
    const events = Array.from({ length: 30 }, (_, i) => ({
      event: {
        eventID: `e${i}`,
        instanceIds: [`i-${(29 - i) % 13}`, `i-${(i * 7) % 17}`],
      } as unknown as IndexedEvent,
      timeMs: T0 + i * 1000,
    }));
    const sweep = new WindowSweep(
      events,
      60_000,
      (e) => e.instanceIds,
      (_, d) => d >= 2,
    );
    const all = [...new Set(events.flatMap((e) => e.event.instanceIds))].sort();
    expect(sweep.at(T0 + 5000)).toEqual({
      fromMs: T0,
      toMs: T0 + 60_000,
      events: 30,
      failed: 0,
      distinct: all.length,
      firstKeys: all.slice(0, 10),
    });
    expect(sweep.at(T0 - 1)).toBeUndefined();
    expect(sweep.at(T0 + 30 * 1000 + 60_000)).toBeUndefined();
  });
});
