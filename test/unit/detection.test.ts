import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { itemToFinding } from '../../lambda/core/findings';
import { findingList, itemToEvent, keys } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS, type Settings } from '../../lambda/core/settings';
import { FIXTURES } from '../helpers/corpus';
import { RecordingMetrics } from '../helpers/metrics';
import { assumedRole, chunks, ec2Call, keyPush, logFile, type Rec, rootUser } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

const STRATUS = join(FIXTURES, 'cloudtrail', 'stratus');
const EIC = join(STRATUS, 'aws.lateral-movement.ec2-instance-connect.json');
const SERIAL = join(STRATUS, 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json');

async function ingestFile(
  store: MemoryStore,
  path: string,
  metrics = new RecordingMetrics(),
  settings: Settings = DEFAULT_SETTINGS,
) {
  return processLogFile(createReadStream(path), { source: `file://${path}`, settings, metrics }, store);
}

async function ingestRecords(
  store: MemoryStore,
  records: Rec[],
  metrics = new RecordingMetrics(),
  settings: Settings = DEFAULT_SETTINGS,
) {
  return processLogFile(
    chunks(logFile(records)),
    { source: 's3://bucket/key.json.gz', settings, metrics },
    store,
  );
}

/** (rule, eventID) of every recorded finding, sorted. */
function findingPairs(store: MemoryStore): string[] {
  return store
    .partition(keys.findings())
    .map((i) => `${i.rule} ${i.eventID}`)
    .sort();
}

/** eventID → findings as the event item lists them. */
function eventFindings(store: MemoryStore): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of store.events()) out[e.eventID as string] = findingList(e.findings);
  return out;
}

describe('detection on the real Stratus Red Team detonations', () => {
  it('aws.lateral-movement.ec2-instance-connect: one key to three instances in a second gives ssh-key-multi-instance on each push, nothing else', async () => {
    const store = new MemoryStore();
    const metrics = new RecordingMetrics();
    const stats = await ingestFile(store, EIC, metrics);
    expect(stats).toMatchObject({
      sshKeyPushes: 3,
      findings: 3,
      findingsByRule: { 'ssh-key-multi-instance': 3 },
    });
    expect(metrics.findings).toEqual([
      'ssh-key-multi-instance',
      'ssh-key-multi-instance',
      'ssh-key-multi-instance',
    ]);
    const [finding] = store.partition(keys.findings('ssh-key-multi-instance')).map(itemToFinding);
    expect(finding).toMatchObject({
      rule: 'ssh-key-multi-instance',
      eventTime: '2024-08-01T13:24:47Z',
      principalArn: 'arn:aws:iam::572910899909:user/christophe',
      fingerprint: 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8',
      detail:
        'key reached 3 instances within 60 minutes: i-6d7fb8f606130a33d, i-9d2abff1798c34950, i-fdb357cb7e99ad973',
    });
    expect(finding?.instanceId).toMatch(/^i-/);
  });

  it('aws.lateral-movement.ec2-serial-console-send-ssh-public-key: ssh-serial-console and ssh-key-multi-instance on each of three pushes', async () => {
    const store = new MemoryStore();
    const stats = await ingestFile(store, SERIAL);
    expect(stats.findingsByRule).toEqual({
      'ssh-serial-console': 3,
      'ssh-key-multi-instance': 3,
      'ec2-serial-console-enabled': 1,
    });
    // EnableSerialConsoleAccess, the preparation step, is indexed (and a finding) but is not a key push
    expect(stats.sshKeyPushes).toBe(3);
  });

  it('both detonations reused one key from two principals: ssh-key-multi-principal on all six pushes, whichever file comes first', async () => {
    const forward = new MemoryStore();
    await ingestFile(forward, EIC);
    const second = await ingestFile(forward, SERIAL);
    // the earlier file's pushes get the new finding too
    expect(second.findingsByRule['ssh-key-multi-principal']).toBe(6);
    const backward = new MemoryStore();
    await ingestFile(backward, SERIAL);
    await ingestFile(backward, EIC);
    expect(findingPairs(backward)).toEqual(findingPairs(forward));
    expect(eventFindings(backward)).toEqual(eventFindings(forward));
    expect(findingPairs(forward).filter((p) => p.startsWith('ssh-key-multi-principal'))).toHaveLength(6);
  });

  it('Panther SendSSHPublicKey tests: a placeholder key is ssh-invalid-key, the denied push is ssh-push-denied', async () => {
    const store = new MemoryStore();
    await ingestFile(store, join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'));
    // (the threat rules' findings on Panther's own EC2 rule test cases are checked in rules-threat tests)
    expect(findingPairs(store).filter((p) => p.startsWith('ssh-'))).toEqual([
      'ssh-invalid-key d6d05dd2-d03d-4dce-a88c-02b6a567d889',
      'ssh-push-denied 3ad527a2-8799-4561-8def-963a6dcdbbb5',
    ]);
  });

  it('lists each finding on its event and index items, for queries to show', async () => {
    const store = new MemoryStore();
    await ingestFile(store, EIC);
    for (const item of store.partition(keys.instance('i-fdb357cb7e99ad973'))) {
      expect(itemToEvent(item).findings).toEqual(['ssh-key-multi-instance']);
    }
  });
});

describe('findings exactly once', () => {
  const pushes = (): Rec[] => [
    keyPush(
      { eventTime: '2025-03-01T10:00:00Z', userIdentity: rootUser() },
      { instanceId: 'i-0aaaaaaaaaaaaaaa1', instanceOSUser: 'root' },
    ),
    keyPush({ eventTime: '2025-03-01T10:10:00Z' }, { instanceId: 'i-0aaaaaaaaaaaaaaa2' }),
    keyPush({ eventTime: '2025-03-01T10:20:00Z', errorCode: 'AccessDenied', requestParameters: undefined }),
    ec2Call('TerminateInstances'),
  ];

  it('ingesting the same file twice gives identical findings, and metrics only the first time', async () => {
    const records = pushes();
    const store = new MemoryStore();
    const first = new RecordingMetrics();
    const a = await ingestRecords(store, records, first);
    const pairs = findingPairs(store);
    const perEvent = eventFindings(store);
    const second = new RecordingMetrics();
    const b = await ingestRecords(store, records, second);
    expect(a.findings).toBeGreaterThan(4);
    expect(first.findings).toHaveLength(a.findings);
    expect(b.findings).toBe(0);
    expect(second.findings).toEqual([]);
    expect(findingPairs(store)).toEqual(pairs);
    expect(eventFindings(store)).toEqual(perEvent);
    expect(pairs).toEqual(
      [
        `ssh-key-multi-instance ${records[0]?.eventID}`,
        `ssh-key-multi-instance ${records[1]?.eventID}`,
        `ssh-push-denied ${records[2]?.eventID}`,
        `ssh-root-identity ${records[0]?.eventID}`,
        `ssh-root-os-user ${records[0]?.eventID}`,
        `ssh-key-multi-principal ${records[0]?.eventID}`,
        `ssh-key-multi-principal ${records[1]?.eventID}`,
      ].sort(),
    );
  });

  it('a finding recorded by an earlier delivery is not counted again when a later file adds another', async () => {
    const store = new MemoryStore();
    const [p1, p2] = [
      keyPush({ eventTime: '2025-03-01T10:00:00Z' }, { instanceId: 'i-0aaaaaaaaaaaaaaa1' }),
      keyPush({ eventTime: '2025-03-01T10:30:00Z' }, { instanceId: 'i-0aaaaaaaaaaaaaaa2' }),
    ];
    const m1 = new RecordingMetrics();
    await ingestRecords(store, [p1 as Rec, p2 as Rec], m1);
    const m2 = new RecordingMetrics();
    const p3 = keyPush(
      { eventTime: '2025-03-01T10:40:00Z', userIdentity: assumedRole() },
      { instanceId: 'i-0aaaaaaaaaaaaaaa3' },
    );
    await ingestRecords(store, [p3], m2);
    // p3 is a third instance and a second principal: p1, p2 get multi-principal now; multi-instance only for p3
    expect(m2.findings.sort()).toEqual([
      'ssh-key-multi-instance',
      'ssh-key-multi-principal',
      'ssh-key-multi-principal',
      'ssh-key-multi-principal',
    ]);
  });

  it('emits the operational metrics of CONTRACT', async () => {
    const metrics = new RecordingMetrics();
    await ingestRecords(
      new MemoryStore(),
      [...pushes(), ec2Call('DescribeInstances', { readOnly: true }), 'junk' as unknown as Rec],
      metrics,
    );
    expect(metrics.counts).toEqual({
      FilesProcessed: 1,
      RecordsRead: 6,
      RecordsRejected: 1,
      EventsIndexed: 4,
      SshKeyPushes: 3,
    });
    const failed = new RecordingMetrics();
    const source = { source: 's3://b/k', settings: DEFAULT_SETTINGS, metrics: failed };
    await processLogFile(chunks(Buffer.from('not json')), source, new MemoryStore());
    expect(failed.counts).toMatchObject({ FilesFailed: 1 });
    expect(failed.counts.FilesProcessed).toBeUndefined();
  });
});

describe('order independence', () => {
  /** A small world of pushes: 3 keys, 3 principals, 4 instances, within two hours, some denied. */
  const world = (): Rec[] => {
    const keysText = JSON.parse(readFileSync(join(FIXTURES, 'ssh-keys.json'), 'utf8')).keys.map(
      (k: { publicKey: string }) => k.publicKey,
    ) as string[];
    const principals = [undefined, assumedRole('Ops', 'bob'), rootUser()];
    const out: Rec[] = [];
    for (let i = 0; i < 14; i++) {
      const identity = principals[(i * 7) % 3];
      out.push(
        keyPush(
          {
            eventTime: new Date(Date.UTC(2025, 2, 1, 10, (i * 37) % 120)).toISOString(),
            ...(identity ? { userIdentity: identity } : {}),
            ...(i % 5 === 4 ? { errorCode: 'AccessDenied' } : {}),
          },
          {
            instanceId: `i-0aaaaaaaaaaaaaaa${i % 4}`,
            sSHPublicKey: keysText[i % 3],
            instanceOSUser: i % 6 === 0 ? 'root' : 'ec2-user',
          },
        ),
      );
    }
    out.push(ec2Call('StopInstances'), ec2Call('StartInstances'));
    return out;
  };

  it('the same records, shuffled and split across files in any order, give the same findings', async () => {
    const records = world();
    const baseline = new MemoryStore();
    await ingestRecords(baseline, records);
    const expected = { pairs: findingPairs(baseline), perEvent: eventFindings(baseline) };
    expect(expected.pairs.length).toBeGreaterThan(10);

    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }),
        fc.array(fc.integer({ min: 1, max: records.length - 1 }), { maxLength: 5 }),
        async (shuffled, cuts) => {
          const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), shuffled.length];
          const store = new MemoryStore();
          for (let i = 0; i + 1 < bounds.length; i++) {
            const part = shuffled.slice(bounds[i], bounds[i + 1]);
            if (part.length > 0) await ingestRecords(store, part);
          }
          expect(findingPairs(store)).toEqual(expected.pairs);
          expect(eventFindings(store)).toEqual(expected.perEvent);
        },
      ),
      { numRuns: 40 },
    );
  });
});
