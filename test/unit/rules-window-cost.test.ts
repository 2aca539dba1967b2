import type { IndexedEvent } from '../../lambda/core/event';
import type { Principal } from '../../lambda/core/identity';
import { DEFAULT_DETECTION, RULES, type RuleId, statefulHits, statefulHitsOf } from '../../lambda/core/rules';
import { referenceHits } from '../helpers/window-reference';

/**
 * The windowed stateful rules cost a history what it holds, not what each event's window holds
 * (issue 14): judging every event of a history whose events all fall within one window was quadratic
 * (each verdict scanned the window), it is now n log n. Measured by what the rules read of the
 * events (every property read, through a proxy): deterministic, whatever the machine's load.
 */

const T0 = Date.UTC(2025, 2, 1, 10);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const alice: Principal = {
  type: 'IAMUser',
  arn: 'arn:aws:iam::111122223333:user/alice',
  accessKeyId: 'AKIAALICE',
};
const instanceRole: Principal = {
  type: 'AssumedRole',
  arn: 'arn:aws:sts::111122223333:assumed-role/web-role/i-0aaaaaaaaaaaaaaa0',
  accessKeyId: 'ASIAINSTANCEKEY0001',
};

/** `n` events of what `rule` counts, spread evenly over `spanMinutes` (within its window). */
const HISTORIES: Record<string, (i: number, timeMs: number) => Partial<IndexedEvent>> = {
  'ssh-key-multi-instance': (i) => ({
    eventSource: 'ec2-instance-connect.amazonaws.com',
    eventName: 'SendSSHPublicKey',
    instanceIds: [`i-0${(i % 500).toString(16).padStart(16, '0')}`],
    ssh: { fingerprint: 'SHA256:one', osUser: 'ec2-user' },
  }),
  'ec2-user-data-read': (i) => ({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstanceAttribute',
    instanceIds: [`i-0${(i % 500).toString(16).padStart(16, '0')}`],
    access: { method: 'user-data-read', detail: 'attribute userData' },
  }),
  'ec2-password-data': (i) => ({
    eventSource: 'ec2.amazonaws.com',
    eventName: 'GetPasswordData',
    instanceIds: [`i-0${(i % 500).toString(16).padStart(16, '0')}`],
  }),
  'ssm-command-many-instances': (i) => ({
    eventSource: 'ssm.amazonaws.com',
    eventName: 'SendCommand',
    instanceIds: [`i-0${(i % 500).toString(16).padStart(16, '0')}`],
    access: { method: 'ssm-command', detail: 'document AWS-RunShellScript' },
  }),
  // an instance's calls from two addresses with one access key, and now and then a person's session
  // from one of them
  'ec2-instance-credentials-elsewhere': (i) =>
    i % 100 === 50
      ? {
          eventSource: 'ssm.amazonaws.com',
          eventName: 'StartSession',
          instanceIds: ['i-0aaaaaaaaaaaaaaa0'],
          access: { method: 'ssm-session', detail: 'session' },
          sourceIPAddress: '203.0.113.9',
        }
      : {
          eventSource: 's3.amazonaws.com',
          eventName: 'GetObject',
          principal: instanceRole,
          actorInstanceId: 'i-0aaaaaaaaaaaaaaa0',
          sourceIPAddress: i % 2 ? '198.51.100.7' : '203.0.113.9',
        },
};

const SPAN_MINUTES: Record<string, number> = { 'ec2-instance-credentials-elsewhere': 600 };

function history(id: RuleId, n: number, reads: { count: number }): IndexedEvent[] {
  const span = (SPAN_MINUTES[id] ?? 50) * 60_000;
  return Array.from({ length: n }, (_, i) => {
    const timeMs = T0 + Math.floor((i * span) / n);
    const event: IndexedEvent = {
      eventID: `e${i.toString().padStart(6, '0')}`,
      eventTime: iso(timeMs),
      eventSource: '',
      eventName: '',
      readOnly: false,
      instanceIds: [],
      resourceIds: [],
      findings: [],
      principal: alice,
      sourceIPAddress: '198.51.100.7',
      ...(HISTORIES[id] as (i: number, t: number) => Partial<IndexedEvent>)(i, timeMs),
    };
    return new Proxy(event, {
      get(target, property, receiver) {
        reads.count++;
        return Reflect.get(target, property, receiver);
      },
    });
  });
}

/** Property reads of the events while every event of an `n`-event history is judged. */
function readsFor(id: RuleId, n: number, judge: 'sweep' | 'reference'): { reads: number; fired: number } {
  const reads = { count: 0 };
  const events = history(id, n, reads);
  const rule = RULES.find((r) => r.id === id) as (typeof RULES)[number];
  reads.count = 0;
  const fired =
    judge === 'sweep'
      ? statefulHitsOf(rule, events, DEFAULT_DETECTION).size
      : referenceHits(id, events, DEFAULT_DETECTION).size;
  return { reads: reads.count, fired };
}

describe.each(Object.keys(HISTORIES) as RuleId[])('%s on a history within one window', (id) => {
  it('reads each event a bounded number of times: 20,000 events cost twice 10,000', () => {
    const small = readsFor(id, 10_000, 'sweep');
    const large = readsFor(id, 20_000, 'sweep');
    expect(large.fired).toBeGreaterThan(10_000);
    expect(large.reads / 20_000).toBeLessThan(30);
    expect(large.reads / small.reads).toBeLessThan(2.1);
  });

  it('where judging each event on its own window read the window for each (the measure sees it)', () => {
    const small = readsFor(id, 300, 'reference');
    const large = readsFor(id, 600, 'reference');
    expect(large.reads / small.reads).toBeGreaterThan(3.5);
  });
});

describe('the SSH key rules on a key pushed 20,000 times within one window (statefulHits)', () => {
  it('read each push a bounded number of times, ssh-key-multi-principal drawing its principals once', () => {
    const readsOf = (n: number) => {
      const reads = { count: 0 };
      const pushes = history('ssh-key-multi-instance', n, reads);
      reads.count = 0;
      const hits = statefulHits(pushes, { ...DEFAULT_DETECTION, multiPrincipalThreshold: 1 });
      expect([...hits.values()].filter((h) => h.length === 2)).toHaveLength(n);
      return reads.count;
    };
    const small = readsOf(10_000);
    const large = readsOf(20_000);
    expect(large / 20_000).toBeLessThan(40);
    expect(large / small).toBeLessThan(2.1);
  });
});
