import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { extractEvent, type IndexedEvent } from '../../lambda/core/event';
import {
  DEFAULT_DETECTION,
  type DetectionSettings,
  KeyHistory,
  RULES,
  type Rule,
  type RuleId,
  type Verdict,
} from '../../lambda/core/rules';
import { type Timed, windowReaching } from '../../lambda/core/rules/window';
import { parseTime } from '../../lambda/core/time';
import { FIXTURES } from '../helpers/corpus';
import { type FixtureRecord, stratusRecords } from '../helpers/fixture-records';
import { seededRandom } from '../helpers/random';

/**
 * The stateful EC2 threat rules on the real Stratus Red Team detonations. The history a rule sees
 * for an event is what the engine reads for it: the events the rule applies to whose history keys
 * (`HISTORY#<rule>#<key>`) meet the event's.
 */

const STRATUS_DIR = join(FIXTURES, 'cloudtrail', 'stratus');

function extracted(records: readonly FixtureRecord[]): IndexedEvent[] {
  return records.map((r) => {
    const x = extractEvent(r, JSON.stringify(r));
    if (!x.ok) throw new Error(x.reason);
    return x.event;
  });
}

const detonation = (file: string): IndexedEvent[] => extracted(stratusRecords(`${file}.json`));

/** Every event of every Stratus fixture (ten detonations, ten accounts). */
const EVERY_DETONATION = readdirSync(STRATUS_DIR)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => extracted(stratusRecords(f)));

function rule(id: RuleId): Rule {
  const r = RULES.find((x) => x.id === id);
  if (!r) throw new Error(id);
  return r;
}

function historyOf(r: Rule, event: IndexedEvent, pool: readonly IndexedEvent[]): IndexedEvent[] {
  const spec = r.history;
  if (!spec) throw new Error(`${r.id} is not stateful`);
  const keys = new Set(spec.keysOf(event));
  return pool.filter((e) => r.appliesTo(e) && spec.keysOf(e).some((k) => keys.has(k)));
}

/** The verdict on every event of `pool` the rule applies to, by eventID. */
function verdicts(
  id: RuleId,
  pool: readonly IndexedEvent[],
  settings: DetectionSettings = DEFAULT_DETECTION,
  arrange: (history: IndexedEvent[], event: IndexedEvent) => IndexedEvent[] = (h) => h,
): Map<string, Verdict> {
  const r = rule(id);
  const out = new Map<string, Verdict>();
  for (const e of pool) {
    if (!r.appliesTo(e)) continue;
    const history = new KeyHistory(arrange(historyOf(r, e, pool), e));
    out.set(e.eventID, r.evaluate(e, { settings, history }));
  }
  return out;
}

/** The details of the findings, by eventID. */
function firing(
  id: RuleId,
  pool: readonly IndexedEvent[],
  settings?: DetectionSettings,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const [eventID, v] of verdicts(id, pool, settings)) if (v.fires) out.set(eventID, v.detail);
  return out;
}

const idsOf = (events: readonly IndexedEvent[]): string[] => events.map((e) => e.eventID).sort();
const named = (events: readonly IndexedEvent[], name: string): IndexedEvent[] =>
  events.filter((e) => e.eventName === name);

/** A copy of `e`, `minutes` later, with its own eventID and the overrides. */
function moved(e: IndexedEvent, minutes: number, over: Partial<IndexedEvent> = {}): IndexedEvent {
  const t = (parseTime(e.eventTime) as number) + minutes * 60_000;
  return {
    ...e,
    eventID: `${e.eventID}+${minutes}m${over.sourceIPAddress ?? ''}`,
    eventTime: new Date(t).toISOString().replace('.000Z', 'Z'),
    ...over,
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const USER_DATA = detonation('aws.discovery.ec2-download-user-data');
const PASSWORD = detonation('aws.credential-access.ec2-get-password-data');
const SEND_COMMAND = detonation('aws.execution.ssm-send-command');
const SESSIONS = detonation('aws.execution.ssm-start-session');
const STEAL = detonation('aws.credential-access.ec2-steal-instance-credentials');

describe('ec2-user-data-read: one principal reads the user data of several instances', () => {
  const reads = named(USER_DATA, 'DescribeInstanceAttribute');

  it('fires on each of the 15 denied reads of the Stratus detonation, and on nothing else of any detonation', () => {
    expect(reads).toHaveLength(15);
    const found = firing('ec2-user-data-read', EVERY_DETONATION);
    expect([...found.keys()].sort()).toEqual(idsOf(reads));
    expect(found.get(reads[0]?.eventID as string)).toMatch(
      /^user data of 15 instances read within 60 minutes \(15 calls, 15 failed\): i-0c140b58, i-1780bff0, .*, …$/,
    );
  });

  it('near miss: one instance read several times, or two instances, does not fire', () => {
    const one = reads.map((e) => ({ ...e, instanceIds: ['i-95b86090'] }));
    expect(firing('ec2-user-data-read', one).size).toBe(0);
    const two = reads.map((e, i) => ({ ...e, instanceIds: [i % 2 ? 'i-95b86090' : 'i-3753597f'] }));
    expect(firing('ec2-user-data-read', two).size).toBe(0);
  });

  it('counts within the window: three reads 30 minutes apart fire, on the first too; 61 minutes apart do not', () => {
    const [a, b, c] = reads as [IndexedEvent, IndexedEvent, IndexedEvent];
    const close = [a, moved(b, 30), moved(c, 60)];
    expect(firing('ec2-user-data-read', close).size).toBe(3);
    const apart = [a, moved(b, 61), moved(c, 122)];
    expect(firing('ec2-user-data-read', apart).size).toBe(0);
    const shorter = { ...DEFAULT_DETECTION, userDataReadWindowMinutes: 59 };
    expect(firing('ec2-user-data-read', close, shorter).size).toBe(0);
    const lower = { ...DEFAULT_DETECTION, userDataReadThreshold: 2 };
    expect(firing('ec2-user-data-read', apart.slice(0, 2), lower).size).toBe(0);
    expect(firing('ec2-user-data-read', close.slice(0, 2), lower).size).toBe(2);
  });

  it('near miss: reads by two principals do not add up', () => {
    const [a, b, c] = reads as [IndexedEvent, IndexedEvent, IndexedEvent];
    const other = { ...c, principal: { ...c.principal, arn: `${c.principal.arn}-other` } };
    expect(firing('ec2-user-data-read', [a, b, other]).size).toBe(0);
  });

  it('applies to user data reads only (not to other attributes)', () => {
    const record = stratusRecords('aws.discovery.ec2-download-user-data.json').find(
      (r) => r.eventName === 'DescribeInstanceAttribute',
    ) as FixtureRecord;
    const [typeRead] = extracted([
      { ...record, requestParameters: { instanceId: 'i-95b86090', attribute: 'instanceType' } },
    ]);
    expect(rule('ec2-user-data-read').appliesTo(typeRead as IndexedEvent)).toBe(false);
    expect(rule('ec2-user-data-read').appliesTo(reads[0] as IndexedEvent)).toBe(true);
  });
});

describe('ec2-password-data: one principal asks for the password data of several instances, or often', () => {
  const calls = named(PASSWORD, 'GetPasswordData');

  it('fires on each of the 30 denied calls of the Stratus detonation, and on nothing else of any detonation', () => {
    expect(calls).toHaveLength(30);
    const found = firing('ec2-password-data', EVERY_DETONATION);
    expect([...found.keys()].sort()).toEqual(idsOf(calls));
    expect(found.get(calls[0]?.eventID as string)).toMatch(
      /^password data of 30 instances asked for within 60 minutes \(30 calls, 30 failed\): i-/,
    );
  });

  it('near miss: one call, and calls on two instances (fewer than 10), do not fire', () => {
    expect(firing('ec2-password-data', calls.slice(0, 1)).size).toBe(0);
    const two = calls
      .slice(0, 9)
      .map((e, i) => ({ ...e, instanceIds: [i % 2 ? 'i-aaaaaaaa' : 'i-bbbbbbbb'] }));
    expect(firing('ec2-password-data', two).size).toBe(0);
    expect(firing('ec2-password-data', calls.slice(0, 2)).size).toBe(0);
  });

  it('fires on 10 calls for one instance (the call threshold), and on 3 instances', () => {
    const tenOnOne = calls.slice(0, 10).map((e) => ({ ...e, instanceIds: ['i-aaaaaaaa'] }));
    const found = firing('ec2-password-data', tenOnOne);
    expect(found.size).toBe(10);
    expect([...found.values()][0]).toBe(
      'password data of 1 instance asked for within 60 minutes (10 calls, 10 failed): i-aaaaaaaa',
    );
    expect(firing('ec2-password-data', calls.slice(0, 3)).size).toBe(3);
  });
});

describe('ssm-command-many-instances: one principal runs commands or sessions on several instances', () => {
  const command = named(SEND_COMMAND, 'SendCommand');
  const starts = named(SESSIONS, 'StartSession');

  it('fires on the SendCommand naming 3 instances and on the 3 StartSessions, nothing else of any detonation', () => {
    expect(command).toHaveLength(1);
    expect(starts).toHaveLength(3);
    const found = firing('ssm-command-many-instances', EVERY_DETONATION);
    expect([...found.keys()].sort()).toEqual(idsOf([...command, ...starts]));
    expect(found.get(command[0]?.eventID as string)).toBe(
      'commands or sessions on 3 instances within 60 minutes (1 call): i-00456a8d163f546ff, i-9d40ccfc0ae91cfa5, i-cfe23b1a7ceba6f86',
    );
  });

  it('near miss: a command to 2 instances, sessions on 2 instances', () => {
    const two = command.map((e) => ({ ...e, instanceIds: e.instanceIds.slice(0, 2) }));
    expect(firing('ssm-command-many-instances', two).size).toBe(0);
    expect(firing('ssm-command-many-instances', starts.slice(0, 2)).size).toBe(0);
  });

  it('adds commands and sessions of one principal: a command to 2 instances and a session on a third fire', () => {
    const two = { ...(command[0] as IndexedEvent), instanceIds: ['i-aaaaaaaa', 'i-bbbbbbbb'] };
    const third = { ...(starts[0] as IndexedEvent), principal: two.principal, eventTime: two.eventTime };
    expect(firing('ssm-command-many-instances', [two, third]).size).toBe(2);
  });

  it('does not apply to TerminateSession, nor to a ResumeSession (it names no instance)', () => {
    const record = stratusRecords('aws.execution.ssm-start-session.json').find(
      (r) => r.eventName === 'StartSession',
    ) as FixtureRecord;
    const [resume] = extracted([
      { ...record, eventName: 'ResumeSession', requestParameters: { sessionId: 'christophe-0123456789' } },
    ]);
    const r = rule('ssm-command-many-instances');
    expect(resume?.access?.method).toBe('ssm-session');
    expect(r.appliesTo(resume as IndexedEvent)).toBe(false);
    expect(named(SESSIONS, 'TerminateSession').some((e) => r.appliesTo(e))).toBe(false);
  });
});

describe('ec2-instance-credentials-elsewhere: instance credentials used from somewhere the instance is not', () => {
  const sendCommand = named(STEAL, 'SendCommand')[0] as IndexedEvent;
  const instanceCalls = STEAL.filter((e) => e.actorInstanceId !== undefined);
  const ID = 'i-786a3a8b5c0d92ef4';

  it('fires on the instance role calls made from the address christophe sent the command from, nothing else', () => {
    expect(idsOf(instanceCalls)).toEqual(
      idsOf([...named(STEAL, 'GetCallerIdentity'), ...named(STEAL, 'DescribeInstances')]),
    );
    const found = firing('ec2-instance-credentials-elsewhere', EVERY_DETONATION);
    expect([...found.keys()].sort()).toEqual(idsOf(instanceCalls));
    for (const e of instanceCalls)
      expect(found.get(e.eventID)).toBe(
        `credentials of ${ID} used from 18.236.253.47, where christophe also acted (SendCommand at 2024-08-02T08:23:24Z)`,
      );
    // the human's own event is history, never a finding
    expect(verdicts('ec2-instance-credentials-elsewhere', STEAL).get(sendCommand.eventID)).toEqual({
      fires: false,
    });
  });

  it('near miss: the instance calls from one address with no human there', () => {
    expect(firing('ec2-instance-credentials-elsewhere', instanceCalls).size).toBe(0);
  });

  it('near miss: the human acted from another address, or outside the window', () => {
    const elsewhere = { ...sendCommand, sourceIPAddress: '198.51.100.7' };
    expect(firing('ec2-instance-credentials-elsewhere', [elsewhere, ...instanceCalls]).size).toBe(0);
    const longBefore = moved(sendCommand, -721);
    expect(firing('ec2-instance-credentials-elsewhere', [longBefore, ...instanceCalls]).size).toBe(0);
    expect(
      firing('ec2-instance-credentials-elsewhere', [moved(sendCommand, -719), ...instanceCalls]).size,
    ).toBe(2);
    // a human event that reached no instance (DescribeInstanceInformation) is not a human "there"
    const looked = named(STEAL, 'DescribeInstanceInformation');
    expect(firing('ec2-instance-credentials-elsewhere', [...looked, ...instanceCalls]).size).toBe(0);
  });

  it('fires on a call with the same access key from a second address, naming both; not on another key', () => {
    const [first] = instanceCalls as [IndexedEvent];
    const second = moved(first, 30, { sourceIPAddress: '203.0.113.9' });
    const found = firing('ec2-instance-credentials-elsewhere', [...instanceCalls, second]);
    expect([...found.keys()]).toEqual([second.eventID]);
    expect(found.get(second.eventID)).toBe(
      `credentials of ${ID} used from 203.0.113.9; access key ${first.principal.accessKeyId} was first used from 18.236.253.47`,
    );
    const rotated = { ...second, principal: { ...second.principal, accessKeyId: 'ASIAOTHERKEY00000001' } };
    expect(firing('ec2-instance-credentials-elsewhere', [...instanceCalls, rotated]).size).toBe(0);
    const later = moved(first, 721, { sourceIPAddress: '203.0.113.9' });
    expect(firing('ec2-instance-credentials-elsewhere', [...instanceCalls, later]).size).toBe(0);
  });

  it('applies to instance calls from an address and to human access from an address; keys meet in ip:', () => {
    const r = rule('ec2-instance-credentials-elsewhere');
    const keyPush = EVERY_DETONATION.find((e) => e.eventName === 'SendSSHPublicKey') as IndexedEvent;
    expect(r.appliesTo(keyPush)).toBe(true);
    expect(r.appliesTo(sendCommand)).toBe(true);
    expect(r.history?.keysOf(sendCommand)).toEqual(['ip:18.236.253.47']);
    expect(r.history?.keysOf(instanceCalls[0] as IndexedEvent)).toEqual([
      'ip:18.236.253.47',
      `instance:${ID}`,
    ]);
    const internal = { ...(instanceCalls[0] as IndexedEvent), sourceIPAddress: 'AWS Internal' };
    expect(r.appliesTo(internal)).toBe(false);
    expect(r.appliesTo(named(STEAL, 'DescribeInstanceInformation')[0] as IndexedEvent)).toBe(false);
  });
});

describe('the stateful threat rules do not depend on the order events arrived', () => {
  const cases: [RuleId, IndexedEvent[]][] = [
    ['ec2-user-data-read', USER_DATA],
    ['ec2-password-data', PASSWORD],
    ['ssm-command-many-instances', [...SEND_COMMAND, ...SESSIONS]],
    ['ec2-instance-credentials-elsewhere', STEAL],
  ];
  it.each(cases)('%s: shuffled histories, and the window alone, give the same verdicts', (id, pool) => {
    const expected = verdicts(id, pool);
    expect([...expected.values()].some((v) => v.fires)).toBe(true);
    const random = seededRandom(13);
    for (let round = 0; round < 5; round++)
      expect(verdicts(id, shuffled(pool, random), DEFAULT_DETECTION, (h) => shuffled(h, random))).toEqual(
        expected,
      );
    // what the engine reads: only the rule's window either side of the event
    const minutes = rule(id).history?.windowMinutes?.(DEFAULT_DETECTION) as number;
    const windowOnly = (h: IndexedEvent[], e: IndexedEvent) => {
      const t = parseTime(e.eventTime) as number;
      return h.filter((x) => Math.abs((parseTime(x.eventTime) as number) - t) <= minutes * 60_000);
    };
    expect(verdicts(id, pool, DEFAULT_DETECTION, windowOnly)).toEqual(expected);
  });
});

describe('windowReaching (the windowed distinct count of ssh-key-multi-instance and the threat rules)', () => {
  /** The count as ssh-key-multi-instance made it before: every window starting at an event, in turn. */
  function bruteForce(nearby: readonly Timed[], own: Timed, windowMs: number, threshold: number) {
    for (const start of nearby) {
      if (start.timeMs > own.timeMs) break;
      const ids = new Set<string>();
      for (const p of nearby) {
        if (p.timeMs < start.timeMs) continue;
        if (p.timeMs > start.timeMs + windowMs) break;
        for (const id of p.event.instanceIds) ids.add(id);
      }
      if (ids.size >= threshold && own.event.instanceIds.some((id) => ids.has(id))) return [...ids].sort();
    }
    return undefined;
  }

  it('finds the same first window as the exhaustive search, on random histories', () => {
    const random = seededRandom(2024);
    const base = SESSIONS[0] as IndexedEvent;
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 12);
      const events = Array.from({ length: n }, (_, i) =>
        moved(base, Math.floor(random() * 180), {
          eventID: `e${i}`,
          instanceIds: Array.from(
            { length: Math.floor(random() * 3) },
            () => `i-${Math.floor(random() * 5)}`,
          ),
        }),
      );
      const history = new KeyHistory(events);
      const windowMs = (10 + Math.floor(random() * 90)) * 60_000;
      const threshold = 1 + Math.floor(random() * 4);
      for (const own of history.pushes) {
        const nearby = history.within(own.timeMs - windowMs, own.timeMs + windowMs);
        const expected = bruteForce(nearby, own, windowMs, threshold);
        // the whole history too: windows that cannot contain the event are skipped
        const given = round % 2 ? nearby : history.pushes;
        const got =
          own.event.instanceIds.length > 0
            ? windowReaching(
                given,
                own.timeMs,
                windowMs,
                (e) => e.instanceIds,
                (_, d) => d >= threshold,
              )
            : undefined;
        expect(got?.keys).toEqual(expected);
      }
    }
  });
});
