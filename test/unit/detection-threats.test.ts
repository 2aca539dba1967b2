import fc from 'fast-check';
import { keys } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { RecordingMetrics } from '../helpers/metrics';
import { assumedRole, chunks, ec2Call, iamUser, keyPush, logFile, type Rec } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * The stateful threat rules (ec2-user-data-read, ec2-password-data, ssm-command-many-instances,
 * ec2-instance-credentials-elsewhere) give the same findings whatever the order and split of the files,
 * record each finding once under redelivery, and give earlier events their finding when a later file
 * completes the pattern.
 */

const INSTANCES = [
  'i-0aaaaaaaaaaaaaaa0',
  'i-0aaaaaaaaaaaaaaa1',
  'i-0aaaaaaaaaaaaaaa2',
  'i-0aaaaaaaaaaaaaaa3',
];
const at = (minute: number): string => new Date(Date.UTC(2025, 2, 1, 10, minute)).toISOString();
const alice = iamUser('alice', 'AKIAEXAMPLEALICE0001');
const bob = assumedRole('Ops', 'bob');
const instanceSession = (instance: string, key = 'ASIAEXAMPLEINSTANCE1'): Rec => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLEROLE00001:${instance}`,
  arn: `arn:aws:sts::111122223333:assumed-role/web-role/${instance}`,
  accountId: '111122223333',
  accessKeyId: key,
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLEROLE00001',
      arn: 'arn:aws:iam::111122223333:role/web-role',
      accountId: '111122223333',
      userName: 'web-role',
    },
    attributes: { creationDate: '2025-03-01T09:00:00Z', mfaAuthenticated: 'false' },
    ec2RoleDelivery: '2.0',
  },
});

const ssm = (
  eventName: string,
  identity: Rec,
  minute: number,
  requestParameters: Rec,
  ip = '198.51.100.7',
): Rec =>
  ec2Call(eventName, {
    eventSource: 'ssm.amazonaws.com',
    userIdentity: identity,
    eventTime: at(minute),
    sourceIPAddress: ip,
    requestParameters,
    responseElements: eventName === 'StartSession' ? { sessionId: `s-${minute}` } : null,
  });

/** A small world of events the stateful threat rules apply to, within two hours. */
function world(): Rec[] {
  const out: Rec[] = [];
  for (let i = 0; i < 6; i++) {
    out.push(
      ec2Call('GetPasswordData', {
        userIdentity: i === 5 ? bob : alice,
        eventTime: at((i * 17) % 110),
        readOnly: true,
        requestParameters: { instanceId: INSTANCES[i % 4] },
        ...(i % 3 === 0 ? { errorCode: 'Client.UnauthorizedOperation' } : {}),
      }),
      ec2Call('DescribeInstanceAttribute', {
        userIdentity: alice,
        eventTime: at((i * 23) % 115),
        readOnly: true,
        requestParameters: { instanceId: INSTANCES[(i + 1) % 4], attribute: 'userData' },
      }),
    );
  }
  out.push(
    ssm(
      'SendCommand',
      bob,
      5,
      { instanceIds: [INSTANCES[0]], documentName: 'AWS-RunShellScript' },
      '203.0.113.9',
    ),
    ssm('StartSession', bob, 40, { target: INSTANCES[1] }),
    ssm('StartSession', bob, 50, { target: INSTANCES[2] }),
    // the instance's own credentials: from its address, then from the address bob sent a command from
    ec2Call('DescribeInstances', {
      userIdentity: instanceSession(INSTANCES[0] as string),
      eventTime: at(8),
      readOnly: true,
      sourceIPAddress: '10.0.0.5',
    }),
    ec2Call('DescribeInstances', {
      userIdentity: instanceSession(INSTANCES[0] as string),
      eventTime: at(12),
      readOnly: true,
      sourceIPAddress: '203.0.113.9',
    }),
    ec2Call('StopInstances'),
  );
  return out;
}

async function ingest(store: MemoryStore, records: Rec[], metrics = new RecordingMetrics()) {
  return processLogFile(
    chunks(logFile(records)),
    { source: 's3://b/k.json.gz', settings: DEFAULT_SETTINGS, metrics },
    store,
  );
}

/** `rule eventID` of every recorded finding, sorted. */
const findingPairs = (store: MemoryStore): string[] =>
  store
    .partition(keys.findings())
    .map((i) => `${i.rule} ${i.eventID}`)
    .sort();

const STATEFUL_THREATS = [
  'ec2-user-data-read',
  'ec2-password-data',
  'ssm-command-many-instances',
  'ec2-instance-credentials-elsewhere',
];

describe('stateful threat rules: order, split and redelivery', () => {
  it('fire on the small world: every stateful threat rule has findings', async () => {
    const store = new MemoryStore();
    await ingest(store, world());
    const rules = new Set(findingPairs(store).map((p) => p.split(' ')[0]));
    for (const rule of STATEFUL_THREATS) expect(rules).toContain(rule);
  });

  it('give the same findings whatever the order and split of the files', async () => {
    const records = world();
    const baseline = new MemoryStore();
    await ingest(baseline, records);
    const expected = findingPairs(baseline);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }),
        fc.array(fc.integer({ min: 1, max: records.length - 1 }), { maxLength: 6 }),
        async (shuffled, cuts) => {
          const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), shuffled.length];
          const store = new MemoryStore();
          for (let i = 0; i + 1 < bounds.length; i++) {
            const part = shuffled.slice(bounds[i], bounds[i + 1]);
            if (part.length > 0) await ingest(store, part);
          }
          expect(findingPairs(store)).toEqual(expected);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('record each finding once and raise its metric once under redelivery', async () => {
    const records = world();
    const store = new MemoryStore();
    const first = new RecordingMetrics();
    await ingest(store, records, first);
    const second = new RecordingMetrics();
    await ingest(store, records, second);
    const pairs = findingPairs(store);
    expect(first.findings.length).toBe(pairs.length);
    expect(second.findings).toEqual([]);
  });
});

describe('a flood of denied calls the rules judge, beyond the file item budget', () => {
  it('keeps their event items and rule histories only, and still finds the flood', async () => {
    const records = Array.from({ length: 30 }, (_, i) =>
      ec2Call('GetPasswordData', {
        userIdentity: alice,
        eventTime: at(i),
        readOnly: true,
        errorCode: 'Client.UnauthorizedOperation',
        requestParameters: { instanceId: `i-0bbbbbbbbbbbbbb${(i % 16).toString(16)}` },
      }),
    );
    const store = new MemoryStore();
    const stats = await processLogFile(
      chunks(logFile(records)),
      { source: 's3://b/k.json.gz', settings: { ...DEFAULT_SETTINGS, fileItemBudget: 0 } },
      store,
    );
    expect(stats.overBudget).toBe(30);
    const kinds = new Set([...store.items.values()].map((i) => i.kind));
    expect([...kinds].sort()).toEqual(['event', 'finding', 'history']);
    expect(stats.findingsByRule['ec2-password-data']).toBe(30);
  });
});

describe('history reads', () => {
  it('read a partition several rules judge (an SSH key) once per file', async () => {
    const store = new MemoryStore();
    const reads: string[] = [];
    const read = store.readPartition.bind(store);
    store.readPartition = (pk, options) => {
      reads.push(pk);
      return read(pk, options);
    };
    const pushes = INSTANCES.map((instanceId, i) =>
      keyPush({ eventTime: at(i) }, { instanceId, instanceOSUser: 'ec2-user' }),
    );
    await ingest(store, pushes);
    // ssh-key-multi-instance (windowed) and ssh-key-multi-principal (whole) share the key's partition
    expect(reads.filter((pk) => pk.startsWith('KEY#'))).toHaveLength(1);
  });
});
