import type { SQSEvent } from 'aws-lambda';
import { CONFLICT_SK_PREFIX } from '../../lambda/core/conflicts';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { restoreAndClose, useLocalS3 } from '../helpers/env';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import {
  invoke,
  type LogDocument,
  lambdaContext,
  metricSum,
  s3Notification,
  sqsRecord,
} from '../helpers/lambda';
import { loadHandler } from '../helpers/local-function';
import {
  assumedRole,
  deniedDescribes,
  ec2Call,
  iamUser,
  keyPush,
  logFile,
  type Rec,
} from '../helpers/records';
import { type RequestRecorder, startRequestRecorder } from '../helpers/request-recorder';
import { type LocalS3, startS3rver } from '../helpers/s3rver';
import { dumpTable } from '../helpers/table-dump';

/**
 * The function's grant includes BatchWriteItem, which permits deletes (`DeleteRequest`). It never
 * sends one: the real handler, through a request recorder and a fault-injecting proxy in front of
 * dynalite, indexes files with shared records, forged records (conflicts), a file beyond its item
 * budget, under throttling, partial batches and lost answers, with redeliveries until every message
 * succeeds and then twice more. Every request is recorded: not one DeleteItem, not one DeleteRequest.
 * And a write whose answer was lost, retried, is never taken for a conflict.
 */

const BUCKET = 'trail-bucket';
const DAY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/';
const key = (name: string): string =>
  `${DAY}111122223333_CloudTrail_us-east-1_20250301T1000Z_${name}.json.gz`;
const INSTANCES = Array.from({ length: 12 }, (_, k) => `i-0${k.toString(16).padStart(16, '0')}`);

function workload(): { files: Record<string, Rec[]>; forgedIds: Set<string> } {
  const real: Rec[] = [];
  for (let j = 0; j < 80; j++)
    real.push(
      ec2Call(j % 2 ? 'StopInstances' : 'StartInstances', {
        eventTime: `2025-03-01T10:${String(j % 60).padStart(2, '0')}:00Z`,
        userIdentity: j % 3 ? iamUser() : assumedRole(),
        requestParameters: { instancesSet: { items: [{ instanceId: INSTANCES[j % INSTANCES.length] }] } },
      }),
    );
  for (let j = 0; j < 4; j++)
    real.push(keyPush({ eventTime: `2025-03-01T11:0${j}:00Z` }, { instanceId: INSTANCES[j] }));
  // another delivery of half of them (CloudTrail can deliver an event twice)
  const shared = real.slice(40);
  // forged: the eventIDs of real events, other principals and targets
  const forged: Rec[] = real.slice(0, 10).map((r) => ({
    ...r,
    userIdentity: iamUser('mallory', 'AKIAEXAMPLEMALLORY01'),
    sourceIPAddress: '203.0.113.66',
  }));
  // denied reconnaissance beyond the file's item budget (TRAILWATCH_FILE_ITEM_BUDGET below)
  const denied = deniedDescribes(40, '2025-03-01T12', INSTANCES);
  return {
    files: { real, shared, forged, denied },
    forgedIds: new Set(forged.map((r) => String(r.eventID))),
  };
}

describe('the function never deletes (BatchWriteItem would allow it)', () => {
  let dynamo: LocalDynamo;
  let proxy: FaultProxy;
  let recorder: RequestRecorder;
  let s3: LocalS3;
  const saved = { ...process.env };
  const { files, forgedIds } = workload();
  const names = Object.keys(files);

  beforeAll(async () => {
    dynamo = await startDynalite();
    proxy = await startFaultProxy(dynamo.endpoint);
    recorder = await startRequestRecorder(proxy.endpoint);
    s3 = await startS3rver([BUCKET]);
    await storeAt(dynamo.endpoint, { tableName: 'nodelete' });
    useLocalS3(s3.endpoint);
    for (const [name, records] of Object.entries(files)) await s3.put(BUCKET, key(name), logFile(records));
  }, 60_000);

  afterAll(() => restoreAndClose(saved, s3, recorder, proxy, dynamo));

  it('sends no DeleteItem and no DeleteRequest, through faults, redeliveries, conflicts and a spent budget; lost answers make no conflict', async () => {
    proxy.setFaults({ throttle: 0.1, serverError: 0.05, unprocessed: 0.2, lostResponse: 0.1, delayMs: 1 });
    const handler = loadHandler({
      TABLE_NAME: 'nodelete',
      TRAILWATCH_LOG_BUCKET: BUCKET,
      TRAILWATCH_FILE_ITEM_BUDGET: '100',
      AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoint,
    });
    const emf: LogDocument[] = [];
    const logs: LogDocument[] = [];
    // as SQS does: failed messages come again until they succeed; then every file twice more
    for (let round = 0; round < 3; round++) {
      let pending = [...names];
      for (let attempt = 0; pending.length > 0; attempt++) {
        expect(attempt).toBeLessThan(20);
        const event: SQSEvent = {
          Records: pending.map((n) => ({
            ...sqsRecord(s3Notification(BUCKET, { key: key(n) })),
            messageId: n,
          })),
        };
        const out = await invoke(handler, event, lambdaContext());
        emf.push(...out.emf);
        logs.push(...out.logs);
        const failed = new Set(out.response.batchItemFailures.map((f) => f.itemIdentifier));
        pending = pending.filter((n) => failed.has(n));
      }
    }
    proxy.setFaults({});

    // the run exercised what it claims to
    expect(proxy.stats.faults.lostResponse).toBeGreaterThan(0);
    expect(metricSum(emf, 'EventsOverBudget')).toBeGreaterThan(0);
    const operations = new Set(recorder.requests.map((r) => r.operation));
    expect(operations).toEqual(new Set(['BatchWriteItem', 'PutItem', 'UpdateItem', 'Query']));

    // not one delete, of any kind
    expect(recorder.requests.filter((r) => /Delete|Transact/.test(r.operation))).toEqual([]);
    const batches = recorder.requests.filter((r) => r.operation === 'BatchWriteItem');
    expect(batches.length).toBeGreaterThan(10);
    for (const b of batches)
      for (const entries of Object.values(b.body.RequestItems as Record<string, Record<string, unknown>[]>))
        for (const entry of entries) expect(Object.keys(entry)).toEqual(['PutRequest']);

    // conflicts: exactly the forged records, each alarmed once, whatever was retried or lost
    const table = await dumpTable(dynamo.endpoint, 'nodelete');
    const conflicts = [...table.values()].filter((i) => String(i.sk).startsWith(CONFLICT_SK_PREFIX));
    expect(new Set(conflicts.map((i) => String(i.pk).slice('EVENT#'.length)))).toEqual(forgedIds);
    expect(metricSum(emf, 'EventConflicts')).toBe(forgedIds.size);
    // and the real events stand: their principal is the real one
    for (const id of forgedIds) {
      const event = table.get(`EVENT#${id}|EVENT`);
      expect(event?.source).not.toMatch(/_forged\.json\.gz$/);
      expect(JSON.stringify(event?.principal)).not.toMatch(/mallory/);
    }
    expect([...table.keys()].filter((k) => k.includes('mallory'))).toEqual([]);
    expect(
      logs
        .filter((l) => String(l.message).startsWith('records reuse the eventID'))
        .every((l) => String(l.source).endsWith('_forged.json.gz')),
    ).toBe(true);
  }, 180_000);
});
