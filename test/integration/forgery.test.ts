import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itemToEvent, keys } from '../../lambda/core/items';
import { LIMITS } from '../../lambda/core/limits';
import { cli } from '../helpers/cli';
import { invoke, metricSum, s3Notification, sqsEvent } from '../helpers/lambda';
import { loadHandler, useLocalFunction } from '../helpers/local-function';
import { deniedDescribes, ec2Call, iamUser, keyPush, logFile, type Rec, rootUser } from '../helpers/records';
import { dumpTable, type Item } from '../helpers/table-dump';

/**
 * What someone who can write into the trail's bucket, or send to the queue, can make the deployed
 * function do: the real handler on dynalite and s3rver.
 */

const BUCKET = 'trail-bucket';
const ELSEWHERE = 'someone-elses-bucket';
const ACCOUNT = '111122223333';
const DAY = `AWSLogs/${ACCOUNT}/CloudTrail/us-east-1/2025/03/01/`;
const key = (name: string, prefix = ''): string =>
  `${prefix}${DAY}${ACCOUNT}_CloudTrail_us-east-1_20250301T1000Z_${name}.json.gz`;
const CONFIG_KEY = `AWSLogs/${ACCOUNT}/Config/us-east-1/2025/3/1/ConfigHistory/${ACCOUNT}_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20250301T100000Z_20250301T110000Z_1.json.gz`;

const REAL_INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const FORGED_INSTANCE = 'i-0bbbbbbbbbbbbbbb2';

describe('a log bucket no one can forge into the index, a function that reads its own bucket only', () => {
  const fn = useLocalFunction([BUCKET, ELSEWHERE]);

  const real = ec2Call('TerminateInstances', {
    userIdentity: iamUser('alice', 'AKIAEXAMPLEALICE0001'),
    requestParameters: { instancesSet: { items: [{ instanceId: REAL_INSTANCE }] } },
  });
  const realPush = keyPush({ eventTime: '2025-03-01T10:05:00Z' }, { instanceId: REAL_INSTANCE });

  it('a forged record reusing a real eventID leaves the original event and its index items unchanged, and is reported', async () => {
    await fn.s3.put(BUCKET, key('real'), logFile([real, realPush]));
    const first = await invoke(fn.handler, sqsEvent(s3Notification(BUCKET, { key: key('real') })));
    expect(first.response.batchItemFailures).toEqual([]);
    const before = await dumpTable(fn.dynamo.endpoint, fn.store.tableName);

    // the same eventIDs, another principal, another target, another key pushed as root
    const forged: Rec[] = [
      {
        ...real,
        userIdentity: iamUser('mallory', 'AKIAEXAMPLEMALLORY01'),
        requestParameters: { instancesSet: { items: [{ instanceId: FORGED_INSTANCE }] } },
      },
      keyPush(
        { eventID: realPush.eventID, eventTime: realPush.eventTime, userIdentity: rootUser() },
        { instanceId: FORGED_INSTANCE, instanceOSUser: 'root' },
      ),
    ];
    await fn.s3.put(BUCKET, key('forged'), logFile(forged));
    const { response, emf, logs } = await invoke(
      fn.handler,
      sqsEvent(s3Notification(BUCKET, { key: key('forged') })),
    );
    // acknowledged (a retry would change nothing), counted, logged with both files
    expect(response.batchItemFailures).toEqual([]);
    expect(metricSum(emf, 'EventConflicts')).toBe(2);
    expect(metricSum(emf, 'SuspiciousSshKeys')).toBe(0);
    const warning = logs.find((l) => String(l.message).startsWith('records reuse the eventID'));
    expect(warning).toMatchObject({ level: 'WARN', source: `s3://${BUCKET}/${key('forged')}`, conflicts: 2 });
    expect(warning?.conflictReports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ eventID: real.eventID, originalSource: `s3://${BUCKET}/${key('real')}` }),
      ]),
    );

    // every item there before is unchanged; the only new ones are the two conflicts and the file's marker
    const after = await dumpTable(fn.dynamo.endpoint, fn.store.tableName);
    for (const [k, item] of before) expect(after.get(k)).toEqual(item);
    const added: Item[] = [...after].filter(([k]) => !before.has(k)).map(([, i]) => i);
    expect(added.map((i) => i.kind).sort()).toEqual(['conflict', 'conflict', 'file']);
    expect((await fn.store.query(keys.instance(FORGED_INSTANCE))).items).toEqual([]);
    expect((await fn.store.query(keys.user('name:mallory'))).items).toEqual([]);
    expect((await fn.store.query(keys.instance(REAL_INSTANCE))).items.map(itemToEvent)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          eventID: real.eventID,
          principal: expect.objectContaining({ userName: 'alice' }),
        }),
      ]),
    );

    // delivered again: reported again, alarmed once
    const again = await invoke(fn.handler, sqsEvent(s3Notification(BUCKET, { key: key('forged') })));
    expect(again.response.batchItemFailures).toEqual([]);
    expect(metricSum(again.emf, 'EventConflicts')).toBe(0);
    expect(await dumpTable(fn.dynamo.endpoint, fn.store.tableName)).toEqual(after);
  });

  it('`trailwatch event` shows the original and the conflicting record with its file (text and --json)', async () => {
    const args = [
      'event',
      String(real.eventID),
      '--no-record',
      '--table',
      fn.store.tableName,
      '--endpoint',
      fn.dynamo.endpoint,
    ];
    const text = await cli(args);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^Principal: {3}arn:aws:iam::111122223333:user\/alice \(IAMUser\)$/m);
    expect(text.out).toMatch(/^Conflicts: {3}1 other record\(s\) reuse this eventID with other content/m);
    expect(text.out).toContain(`s3://${BUCKET}/${key('forged')}`);
    expect(text.out).toMatch(
      /claims TerminateInstances at 2025-03-01T10:00:00Z by arn:aws:iam::111122223333:user\/mallory/,
    );
    const [line] = (await cli([...args, '--json'])).json();
    expect(line?.principal).toMatchObject({ userName: 'alice' });
    expect(line?.conflicts).toEqual([
      expect.objectContaining({
        source: `s3://${BUCKET}/${key('forged')}`,
        principalArn: 'arn:aws:iam::111122223333:user/mallory',
        originalSource: `s3://${BUCKET}/${key('real')}`,
        recordHash: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
      }),
    ]);
    expect(line?.recordHash).toBe(
      line?.conflicts && (line.conflicts as { originalHash: string }[])[0]?.originalHash,
    );
  });

  it('a message naming another bucket is refused and counted, never read; the batch goes on', async () => {
    const stolen = ec2Call('StopInstances', {
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-0ddddddddddddddd1' }] } },
    });
    await fn.s3.put(ELSEWHERE, key('elsewhere'), logFile([stolen]));
    const { response, emf, logs } = await invoke(
      fn.handler,
      sqsEvent(
        s3Notification(ELSEWHERE, { key: key('elsewhere') }),
        s3Notification(BUCKET, { key: key('real') }),
      ),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(metricSum(emf, 'ObjectsRefused')).toBe(1);
    expect(metricSum(emf, 'FilesProcessed')).toBe(1);
    expect(logs.find((l) => l.message === 'object refused')).toMatchObject({
      level: 'WARN',
      source: `s3://${ELSEWHERE}/${key('elsewhere')}`,
      reason: `bucket "${ELSEWHERE}" is not the log bucket ${BUCKET}`,
    });
    expect(await fn.store.getEvent(String(stolen.eventID))).toBeUndefined();
  });

  it('an AWS Config file under AWSLogs/ is acknowledged and skipped, never read (it is not even there)', async () => {
    const { response, logs } = await invoke(
      fn.handler,
      sqsEvent(s3Notification(BUCKET, { key: CONFIG_KEY })),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(logs.filter((l) => l.level === 'ERROR')).toEqual([]);
    expect(logs.find((l) => l.message === 'skipped')).toMatchObject({
      source: `s3://${BUCKET}/${CONFIG_KEY}`,
      reason: expect.stringMatching(/^not a CloudTrail log file key/),
    });
  });

  it(`50 denied calls naming 1,000 instances each stay within the documented bound (50 × (1 + ${LIMITS.idsPerReadOnlyOrFailedCall} + user keys + source addresses))`, async () => {
    const ids = Array.from({ length: 1000 }, (_, k) => `i-0${k.toString(16).padStart(16, '0')}`);
    const denied = deniedDescribes(50, '2025-03-01T11', ids);
    const before = (await dumpTable(fn.dynamo.endpoint, fn.store.tableName)).size;
    await fn.s3.put(BUCKET, key('recon'), logFile(denied));
    const { response } = await invoke(fn.handler, sqsEvent(s3Notification(BUCKET, { key: key('recon') })));
    expect(response.batchItemFailures).toEqual([]);
    const made = (await dumpTable(fn.dynamo.endpoint, fn.store.tableName)).size - before - 1; // its file marker
    // each: the event item, 20 instances, 3 user keys (ARN, user name, access key), the source IP:
    // 1,250, not 50,200
    expect(made).toBe(1250);
    expect(made).toBeLessThanOrEqual(
      50 * (1 + LIMITS.idsPerReadOnlyOrFailedCall + LIMITS.userKeys + LIMITS.sourceAddressesPerEvent),
    );
  });

  it('without TRAILWATCH_LOG_BUCKET the function refuses to start: the invocation fails naming the variable', async () => {
    const saved = process.env.TRAILWATCH_LOG_BUCKET;
    try {
      const unconfigured = loadHandler({ TRAILWATCH_LOG_BUCKET: '' });
      await expect(
        invoke(unconfigured, sqsEvent(s3Notification(BUCKET, { key: key('real') }))),
      ).rejects.toThrow(expect.objectContaining({ name: 'UsageError', source: 'TRAILWATCH_LOG_BUCKET' }));
    } finally {
      process.env.TRAILWATCH_LOG_BUCKET = saved;
    }
  });
});

describe("a prefixed trail's files in an existing bucket (TRAILWATCH_LOG_KEY_PREFIX)", () => {
  const fn = useLocalFunction([BUCKET], { TRAILWATCH_LOG_KEY_PREFIX: 'control-tower' });

  it('indexes <prefix>/AWSLogs/… files, refuses log keys outside the prefix, skips Config files under it', async () => {
    const inside = ec2Call('StopInstances', {
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-0eeeeeeeeeeeeeee1' }] } },
    });
    const outside = ec2Call('StopInstances', {
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-0eeeeeeeeeeeeeee2' }] } },
    });
    await fn.s3.put(BUCKET, key('p', 'control-tower/'), logFile([inside]));
    await fn.s3.put(BUCKET, key('p'), logFile([outside]));
    const { response, emf, logs } = await invoke(
      fn.handler,
      sqsEvent(
        s3Notification(BUCKET, { key: key('p', 'control-tower/') }),
        s3Notification(BUCKET, { key: key('p') }),
        s3Notification(BUCKET, { key: `control-tower/${CONFIG_KEY}` }),
      ),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect((await fn.store.query(keys.instance('i-0eeeeeeeeeeeeeee1'))).items).toHaveLength(1);
    expect((await fn.store.query(keys.instance('i-0eeeeeeeeeeeeeee2'))).items).toEqual([]);
    expect(metricSum(emf, 'ObjectsRefused')).toBe(1);
    expect(logs.find((l) => l.message === 'object refused')?.reason).toBe(
      'key outside the log key prefix "control-tower/"',
    );
    expect(logs.find((l) => l.message === 'skipped')?.reason).toMatch(/^not a CloudTrail log file key/);
  });
});

describe('`trailwatch ingest` reports conflicts and events beyond the item budget', () => {
  let dir: string;
  const original = ec2Call('StopInstances', { userIdentity: iamUser('alice') });
  const copy = ec2Call('StopInstances', { ...original, userIdentity: iamUser('mallory') });
  const denied = Array.from({ length: 10 }, (_, k) =>
    ec2Call('DescribeInstances', {
      readOnly: true,
      errorCode: 'Client.UnauthorizedOperation',
      eventTime: `2025-03-01T11:0${k}:00Z`,
      requestParameters: { instancesSet: { items: [{ instanceId: `i-0fffffffffffffff${k}` }] } },
    }),
  );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-forgery-'));
    writeFileSync(join(dir, 'real.json'), logFile([original, ...denied], false));
    writeFileSync(join(dir, 'forged.json'), logFile([copy], false));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the conflicting record and both files, counts it in the summary (text and --json), exits 1', async () => {
    const db = join(dir, 'db');
    const env = { ...process.env, TRAILWATCH_DB: undefined, TRAILWATCH_FILE_ITEM_BUDGET: '20' };
    const first = await cli(['ingest', join(dir, 'real.json'), '--db', db], { env });
    expect(first.code).toBe(0);
    // each denied call makes 5 index items (an instance, 3 user keys, the source IP): 4 fit in 20, 6 do not
    expect(first.out).toMatch(/, 0 conflict\(s\), 0 rejected$/m);
    expect(first.out).toMatch(
      /^ {2}item budget: 6 failed call\(s\) beyond their file's 20 index items: stored without index items$/m,
    );

    const forged = await cli(['ingest', join(dir, 'forged.json'), '--db', db], { env });
    expect(forged.code).toBe(1);
    expect(forged.err).toBe(
      `trailwatch: ${join(dir, 'forged.json')}: record #0 conflicts with the indexed event ${original.eventID} ` +
        `(from file://${join(dir, 'real.json')}): same eventID, other content; not indexed (see: trailwatch event ${original.eventID})`,
    );
    expect(forged.out).toMatch(
      /records: 1 read, 0 events indexed \(0 items\), 0 skipped .*, 0 duplicate\(s\), 1 conflict\(s\), 0 rejected$/m,
    );
    expect(forged.out).toMatch(
      /^ {2}conflicts: 1 record\(s\) reuse the eventID of an indexed event with other content/m,
    );
    // read again (--reprocess: the file is marked done): the conflict is counted again
    const [summary] = (
      await cli(['ingest', join(dir, 'forged.json'), '--db', db, '--json', '--reprocess'], { env })
    ).json();
    expect(summary).toMatchObject({ conflicts: 1, indexed: 0, overBudget: 0 });
  });
});
