import type { SQSEvent } from 'aws-lambda';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { restoreAndClose, useLocalS3 } from '../helpers/env';
import { type FaultProxy, type FaultRates, startFaultProxy } from '../helpers/fault-proxy';
import {
  findingMetrics,
  invoke,
  type LogDocument,
  lambdaContext,
  metricSum,
  type SqsHandler,
  s3Notification,
  sqsRecord,
} from '../helpers/lambda';
import { loadHandler } from '../helpers/local-function';
import { assumedRole, chunks, ec2Call, iamUser, keyPush, logFile, type Rec } from '../helpers/records';
import { type LocalS3, startS3rver } from '../helpers/s3rver';
import { dumpTable, type Item, itemKey } from '../helpers/table-dump';
import { MemoryStore } from '../helpers/writer';

/**
 * Nothing lost, nothing double-counted: the real handler writes through a fault-injecting proxy in
 * front of dynalite (throttling, UnprocessedItems, 5xx, answers lost after the write took effect,
 * slow answers). Failed messages are redelivered as SQS would, until every one succeeds. The table
 * must then equal the one written without faults, each finding must have raised its metric exactly
 * once, and no message may ever have been acknowledged before all of its file's items were stored.
 */

const BUCKET = 'trail-bucket';
const DAY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/';
const FILES = 8;
const INSTANCES = Array.from({ length: 20 }, (_, k) => `i-0${k.toString(16).padStart(16, '0')}`);
const TARGETS = INSTANCES.slice(0, 6);

const fileKey = (k: number): string => `${DAY}111122223333_CloudTrail_us-east-1_20250301T1000Z_f${k}.json.gz`;

/** A deterministic workload: EC2 calls, SSH key pushes that raise findings, records shared by files. */
function workload(): Rec[][] {
  const files: Rec[][] = [];
  for (let k = 0; k < FILES - 1; k++) {
    const records: Rec[] = [];
    for (let j = 0; j < 60; j++) {
      const instanceId = INSTANCES[(k * 7 + j) % INSTANCES.length] as string;
      records.push(
        ec2Call(j % 3 === 0 ? 'StopInstances' : 'StartInstances', {
          eventTime: `2025-03-01T10:${String((k * 5 + j) % 60).padStart(2, '0')}:00Z`,
          requestParameters: { instancesSet: { items: [{ instanceId }] } },
        }),
      );
    }
    for (let j = 0; j < 3; j++) {
      records.push(
        keyPush(
          {
            eventTime: `2025-03-01T10:${String(k * 7 + j).padStart(2, '0')}:30Z`,
            userIdentity: (k + j) % 2 === 0 ? iamUser() : assumedRole(),
          },
          {
            instanceId: TARGETS[(k + j) % TARGETS.length],
            instanceOSUser: j === 2 ? 'root' : 'ec2-user',
          },
        ),
      );
    }
    // threat rules: a password read per file by one role, spread over files (stateful), and a
    // snapshot shared with another account in every other file (stateless)
    records.push(
      ec2Call('GetPasswordData', {
        eventTime: `2025-03-01T10:${String(k * 6).padStart(2, '0')}:45Z`,
        userIdentity: assumedRole('Ops', 'harvester'),
        readOnly: true,
        requestParameters: { instanceId: TARGETS[k % TARGETS.length] },
      }),
    );
    if (k % 2 === 0)
      records.push(
        ec2Call('ModifySnapshotAttribute', {
          eventTime: `2025-03-01T10:${String(k * 6 + 1).padStart(2, '0')}:10Z`,
          requestParameters: {
            snapshotId: `snap-0${k.toString(16).padStart(16, '0')}`,
            attributeType: 'CREATE_VOLUME_PERMISSION',
            createVolumePermission: { add: { items: [{ userId: '444455556666' }] } },
          },
        }),
      );
    files.push(records);
  }
  // the last file repeats records of the first two (CloudTrail can deliver an event twice)
  files.push([...(files[0] as Rec[]).slice(0, 30), ...(files[1] as Rec[]).slice(30)]);
  return files;
}

function withoutSource(items: Map<string, Item>): Map<string, Item> {
  return new Map([...items].map(([k, { source: _s, ...rest }]) => [k, rest]));
}

/**
 * Without `source` and without the detail of findings: a finding's detail is the evidence known
 * when it was first recorded (a file redelivered later may see more pushes of the key); whether it
 * fires does not depend on the order (test/unit/detection.test.ts).
 */
function comparable(items: Map<string, Item>): Map<string, Item> {
  return new Map(
    [...withoutSource(items)].map(([k, item]) => {
      if (item.kind !== 'finding') return [k, item];
      const { detail: _d, ...rest } = item;
      return [k, rest];
    }),
  );
}

interface Delivery {
  rounds: number;
  invocations: number;
  /** The EMF documents of every invocation. */
  emf: LogDocument[];
  /** Messages acknowledged, in order. */
  acknowledged: number[];
}

/**
 * Delivers one message per file, and redelivers the failed ones, as SQS does, until all succeed.
 * After every invocation, `check` is given the files just acknowledged.
 */
async function deliver(
  handler: SqsHandler,
  files: number[],
  check: (acknowledged: number[]) => Promise<void> = async () => undefined,
  maxRounds = 20,
): Promise<Delivery> {
  const result: Delivery = { rounds: 0, invocations: 0, emf: [], acknowledged: [] };
  let pending = [...files];
  while (pending.length > 0) {
    if (result.rounds >= maxRounds)
      throw new Error(`files ${pending.join(', ')} still failing after ${maxRounds} rounds`);
    result.rounds++;
    const records = pending.map((k) => ({
      ...sqsRecord(s3Notification(BUCKET, { key: fileKey(k) })),
      messageId: `f${k}`,
    }));
    const event: SQSEvent = { Records: records };
    const { response, emf } = await invoke(handler, event, lambdaContext());
    result.invocations++;
    result.emf.push(...emf);
    const failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done = pending.filter((k) => !failed.has(`f${k}`));
    await check(done);
    result.acknowledged.push(...done);
    pending = pending.filter((k) => failed.has(`f${k}`));
  }
  return result;
}

function count(emf: LogDocument[], name: string): number {
  return emf.reduce((n, d) => {
    const v = d[name];
    return n + (Array.isArray(v) ? v.length : v === undefined ? 0 : 1);
  }, 0);
}

describe('reliability: faults between the function and its table, redeliveries, duplicates', () => {
  let dynamo: LocalDynamo;
  let proxy: FaultProxy;
  let s3: LocalS3;
  let referenceItems: Map<string, Item>;
  let referenceFindings: number;
  /** Per file, the keys of the event and index items its events make (the pure pipeline's view). */
  const fileItemKeys = new Map<number, string[]>();
  /** Per eventID, the files that hold it. */
  const filesOfEvent = new Map<string, Set<string>>();
  const saved = { ...process.env };
  const files = workload();

  beforeAll(async () => {
    dynamo = await startDynalite();
    proxy = await startFaultProxy(dynamo.endpoint);
    s3 = await startS3rver([BUCKET]);
    await storeAt(dynamo.endpoint, { tableName: 'reference' });
    await storeAt(dynamo.endpoint, { tableName: 'faulty' });
    useLocalS3(s3.endpoint, { TRAILWATCH_LOG_BUCKET: BUCKET });
    for (const [k, records] of files.entries()) {
      await s3.put(BUCKET, fileKey(k), logFile(records));
      const memory = new MemoryStore();
      await processLogFile(
        chunks(logFile(records)),
        { source: fileKey(k), settings: DEFAULT_SETTINGS },
        memory,
      );
      fileItemKeys.set(
        k,
        [...memory.items.values()].filter((i) => i.kind !== 'finding').map((i) => itemKey(i)),
      );
      for (const r of records) {
        const id = String(r.eventID);
        filesOfEvent.set(id, (filesOfEvent.get(id) ?? new Set()).add(`s3://${BUCKET}/${fileKey(k)}`));
      }
    }

    // the reference: every file once, in order, no faults
    const clean = loadHandler({ TABLE_NAME: 'reference', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint });
    const run = await deliver(
      clean,
      files.map((_, k) => k),
    );
    expect(run.rounds).toBe(1);
    referenceItems = await dumpTable(dynamo.endpoint, 'reference');
    referenceFindings = [...referenceItems.values()].filter((i) => i.pk === 'FINDINGS').length;
  }, 120_000);

  afterAll(() => restoreAndClose(saved, s3, proxy, dynamo));

  it('the workload raises findings of several rules (the test would prove nothing otherwise)', () => {
    const rules = new Set([...referenceItems.values()].filter((i) => i.pk === 'FINDINGS').map((i) => i.rule));
    expect([...rules].sort()).toEqual(
      expect.arrayContaining([
        'ssh-key-multi-instance',
        'ssh-key-multi-principal',
        'ssh-root-os-user',
        'ec2-password-data',
        'ec2-snapshot-shared',
      ]),
    );
    expect(referenceFindings).toBeGreaterThanOrEqual(10);
  });

  const rates: FaultRates = {
    throttle: 0.1,
    serverError: 0.05,
    unprocessed: 0.2,
    lostResponse: 0.05,
    delayMs: 2,
  };

  it(`under faults (${JSON.stringify(rates)}): every message ends acknowledged, none before its file is stored, nothing lost, each finding once`, async () => {
    proxy.setFaults(rates);
    const handler = loadHandler({ TABLE_NAME: 'faulty', AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const requestsBefore = Object.values(proxy.stats.operations).reduce((a, b) => a + b, 0);
    const run = await deliver(
      handler,
      files.map((_, k) => k),
      async (acknowledged) => {
        // never half-done silently: an acknowledged file has every one of its items in the table
        const table = await dumpTable(dynamo.endpoint, 'faulty');
        for (const k of acknowledged)
          for (const key of fileItemKeys.get(k) ?? []) expect(table.has(key)).toBe(true);
      },
    );
    proxy.setFaults({});
    const faults = proxy.stats.faults;
    expect(faults.throttle + faults.serverError + faults.unprocessed + faults.lostResponse).toBeGreaterThan(
      20,
    );

    const table = await dumpTable(dynamo.endpoint, 'faulty');
    expect(comparable(table)).toEqual(comparable(referenceItems));
    for (const item of table.values())
      if (item.kind === 'event')
        expect(filesOfEvent.get(String(item.pk).slice('EVENT#'.length))).toContain(item.source);
    // each finding raised its metric once (by rule, and in the total), whatever was retried
    const metrics = findingMetrics(run.emf);
    expect(metrics.filter((m) => m !== '(all)')).toHaveLength(referenceFindings);
    expect(metrics.filter((m) => m === '(all)')).toHaveLength(referenceFindings);
    // retries stay bounded: the store gives up after 10 attempts a batch; here far fewer were needed
    const requests = Object.values(proxy.stats.operations).reduce((a, b) => a + b, 0) - requestsBefore;
    expect(requests).toBeLessThan(10 * (referenceItems.size / 25 + 200));
    expect(run.rounds).toBeLessThanOrEqual(5);
  }, 120_000);

  it('the same files delivered twice more (and under faults) change nothing and raise no finding again', async () => {
    const before = await dumpTable(dynamo.endpoint, 'faulty');
    proxy.setFaults(rates);
    const handler = loadHandler({ TABLE_NAME: 'faulty', AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const all = files.map((_, k) => k);
    const second = await deliver(handler, all);
    const third = await deliver(handler, all);
    proxy.setFaults({});
    // identical, detail of findings included; only `source` may name another file holding the event
    expect(withoutSource(await dumpTable(dynamo.endpoint, 'faulty'))).toEqual(withoutSource(before));
    expect(findingMetrics([...second.emf, ...third.emf])).toEqual([]);
    expect(count([...second.emf, ...third.emf], 'FilesProcessed')).toBeGreaterThanOrEqual(2 * FILES);
  }, 120_000);

  it('running low on time: messages are not started, the one in progress is abandoned; redelivery completes the table', async () => {
    await storeAt(dynamo.endpoint, { tableName: 'timed' });
    // slow answers, and an invocation of 4 s that keeps 2 s in reserve and stops 1 s before its end
    proxy.setFaults({ delayMs: 150 });
    const handler = loadHandler({
      TABLE_NAME: 'timed',
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      TRAILWATCH_START_RESERVE_SECONDS: '2',
      TRAILWATCH_STOP_MARGIN_SECONDS: '1',
    });
    const all = files.map((_, k) => k);
    const event: SQSEvent = {
      Records: all.map((k) => ({
        ...sqsRecord(s3Notification(BUCKET, { key: fileKey(k) })),
        messageId: `f${k}`,
      })),
    };
    const started = Date.now();
    const { response, logs, emf } = await invoke(handler, event, lambdaContext(4000));
    proxy.setFaults({});
    delete process.env.TRAILWATCH_START_RESERVE_SECONDS;
    delete process.env.TRAILWATCH_STOP_MARGIN_SECONDS;
    // the invocation returned before its time was up, instead of being cut off
    expect(Date.now() - started).toBeLessThan(4000);
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toContain(`f${FILES - 1}`);
    const deferred = logs.filter((l) => l.message === 'file deferred').map((l) => String(l.error));
    expect(deferred).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/_f7\.json\.gz: not started: \d+\.\d s of the invocation left/),
      ]),
    );
    // the first file either finished in time or was stopped part-way (with these delays, stopped)
    if (failed.includes('f0'))
      expect(deferred).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/_f0\.json\.gz: stopped part-way: \d+\.\d s of the invocation left/),
        ]),
      );
    expect(metricSum(emf, 'FilesDeferred')).toBe(failed.length);
    expect(metricSum(emf, 'FilesFailed')).toBe(0);
    // what was acknowledged is complete; the rest comes again
    const table = await dumpTable(dynamo.endpoint, 'timed');
    for (const k of all.filter((k) => !failed.includes(`f${k}`)))
      for (const key of fileItemKeys.get(k) ?? []) expect(table.has(key)).toBe(true);
    const redelivery = loadHandler({ TABLE_NAME: 'timed', AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    await deliver(
      redelivery,
      all.filter((k) => failed.includes(`f${k}`)),
    );
    expect(comparable(await dumpTable(dynamo.endpoint, 'timed'))).toEqual(comparable(referenceItems));
  }, 120_000);

  it('a table that refuses every write: the message fails with the file and the reason, after bounded attempts', async () => {
    proxy.setFaults({ serverError: 1 });
    const handler = loadHandler({ TABLE_NAME: 'faulty', AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint });
    const started = Date.now();
    const event: SQSEvent = {
      Records: [{ ...sqsRecord(s3Notification(BUCKET, { key: fileKey(0) })), messageId: 'refused' }],
    };
    const { response, logs } = await invoke(handler, event);
    proxy.setFaults({});
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'refused' }]);
    const error = logs.find((l) => l.message === 'file failed');
    expect(String(error?.error)).toMatch(
      new RegExp(
        `^s3://${BUCKET}/${DAY}.*_f0\\.json\\.gz: table faulty: gave up writing \\d+ item\\(s\\) after 10 attempts`,
      ),
    );
    expect(Date.now() - started).toBeLessThan(90_000);
  }, 120_000);
});
