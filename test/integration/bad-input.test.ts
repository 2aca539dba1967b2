import { gzipSync } from 'node:zlib';
import { dynamoItemSize, itemToEvent, keys } from '../../lambda/core/items';
import { LIMITS } from '../../lambda/core/limits';
import type { EventStore } from '../../lambda/store/event-store';
import {
  invoke,
  type LogDocument,
  metricSum,
  type SqsHandler,
  s3Notification,
  s3TestEvent,
  sqsEvent,
} from '../helpers/lambda';
import { type LocalFunction, startLocalFunction } from '../helpers/local-function';
import { ec2Call, logFile, type Rec } from '../helpers/records';
import type { LocalS3 } from '../helpers/s3rver';

/**
 * The bad-input matrix: each case is one message handed to the real handler (on dynalite and
 * s3rver) in a batch with a good message. Every case names its outcome:
 * - `indexed`: the message succeeds and the file's events are in the table;
 * - `salvaged`: the message succeeds, the valid records are indexed, the others are counted in
 *   RecordsRejected and logged with the file and the reason;
 * - `skipped` / `acknowledged`: the message succeeds and nothing is written;
 * - `refused`: an object not in the function's log bucket: the message succeeds, the object is not
 *   read, a warning names it and `ObjectsRefused` counts it;
 * - `failed`: the message is reported in `batchItemFailures` (SQS redelivers it and, after its
 *   retries, dead-letters it: see the deploy rehearsal) and an error log names the file and the reason.
 * In every case the good message of the batch is indexed.
 */

const BUCKET = 'trail-bucket';
const DAY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/';
const logKey = (name: string): string =>
  `${DAY}111122223333_CloudTrail_us-east-1_20250301T1000Z_${name}.json.gz`;

/** A record that names its own instance, so the case can look it up. */
function stop(instanceId: string, overrides: Rec = {}): Rec {
  return ec2Call('StopInstances', {
    requestParameters: { instancesSet: { items: [{ instanceId }] } },
    ...overrides,
  });
}

let n = 0;
/** A fresh instance ID per case. */
function instance(): string {
  n++;
  return `i-${n.toString(16).padStart(17, '0')}`;
}

type Outcome =
  | { kind: 'indexed'; instances: string[] }
  | { kind: 'salvaged'; instances: string[]; rejected: number; reason: RegExp }
  | { kind: 'skipped'; reason: RegExp }
  | { kind: 'acknowledged' }
  | { kind: 'refused'; reason: RegExp }
  | { kind: 'failed'; error: RegExp; salvaged?: string[] };

interface Case {
  readonly name: string;
  /** Objects to put first, then the message body that announces them. */
  readonly setup: () => { objects?: Record<string, Buffer>; body: string };
  readonly outcome: Outcome;
}

const i = {
  notGzip: instance(),
  truncated: instance(),
  notObject: instance(),
  noEventId: instance(),
  noTime: instance(),
  noSource: instance(),
  big: instance(),
  utf8: instance(),
  bom: instance(),
  spaces: instance(),
  plain: instance(),
  damaged: instance(),
  two: instance(),
  sns: instance(),
  ctSns: instance(),
  eventBridge: instance(),
  eventBridgeDeleted: instance(),
  proto: instance(),
};

const big = 'x'.repeat(300 * 1024);
const gzipText = (text: string | Buffer): Buffer => gzipSync(text);
const announce = (key: string, size?: number): string =>
  s3Notification(BUCKET, { key, ...(size !== undefined ? { size } : {}) });
const oneFile = (name: string, body: Buffer): { objects: Record<string, Buffer>; body: string } => ({
  objects: { [logKey(name)]: body },
  body: announce(logKey(name)),
});
const fileError = (name: string, reason: string): RegExp =>
  new RegExp(`s3://${BUCKET}/${logKey(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${reason}`);

const CASES: Case[] = [
  {
    name: 'not gzip (random bytes under .json.gz)',
    setup: () => oneFile('random', Buffer.from([0x00, 0x9c, 0xff, 0x13, 0x37, 0x42])),
    outcome: { kind: 'failed', error: fileError('random', 'not JSON: starts with byte 0x00') },
  },
  {
    name: 'plain JSON under .json.gz (not compressed)',
    setup: () => oneFile('plain', logFile([stop(i.plain)], false)),
    outcome: { kind: 'indexed', instances: [i.plain] },
  },
  {
    name: 'truncated gzip: the records before the cut are salvaged',
    setup: () => {
      const records = Array.from({ length: 400 }, () =>
        stop(i.truncated, { userAgent: `ua-${Math.random()}` }),
      );
      const gz = logFile(records);
      return oneFile('truncated', gz.subarray(0, Math.floor(gz.length * 0.6)));
    },
    outcome: {
      kind: 'failed',
      error: fileError('truncated', 'gzip data is truncated'),
      salvaged: [i.truncated],
    },
  },
  {
    name: 'gzip of non-JSON text',
    setup: () => oneFile('text', gzipText('hello, this is not JSON')),
    outcome: { kind: 'failed', error: fileError('text', "not JSON: starts with 'h'") },
  },
  {
    name: 'gzip of an empty file',
    setup: () => oneFile('empty-gzip', gzipText('')),
    outcome: { kind: 'failed', error: fileError('empty-gzip', 'file is empty') },
  },
  {
    name: 'JSON without Records',
    setup: () => oneFile('no-records', gzipText('{"foo":[1,2,3]}')),
    outcome: {
      kind: 'failed',
      error: fileError('no-records', 'no "Records" array, and not a CloudTrail record'),
    },
  },
  {
    name: 'Records not an array',
    setup: () => oneFile('records-object', gzipText('{"Records":{"eventID":"x"}}')),
    outcome: { kind: 'failed', error: fileError('records-object', '"Records" is not an array') },
  },
  {
    name: 'JSON cut inside a record (gzip intact): the records before are salvaged',
    setup: () => {
      const text = JSON.stringify({ Records: [stop(i.damaged), stop(i.damaged)] });
      return oneFile('cut', gzipText(text.slice(0, text.length - 40)));
    },
    outcome: {
      kind: 'failed',
      error: fileError('cut', 'unexpected end of data inside record #1'),
      salvaged: [i.damaged],
    },
  },
  {
    name: 'a record that is not an object',
    setup: () => oneFile('not-object', gzipText(`{"Records":[42,${JSON.stringify(stop(i.notObject))},"x"]}`)),
    outcome: {
      kind: 'salvaged',
      instances: [i.notObject],
      rejected: 2,
      reason: /"index":0,"reason":"record is not a JSON object"/,
    },
  },
  {
    name: 'a record without eventID: indexed under an ID derived from its text',
    setup: () => {
      const { eventID: _id, ...rest } = stop(i.noEventId);
      return oneFile('no-event-id', logFile([rest]));
    },
    outcome: { kind: 'indexed', instances: [i.noEventId] },
  },
  {
    name: 'a record without eventTime',
    setup: () => {
      const { eventTime: _t, ...rest } = stop(i.noTime);
      return oneFile('no-time', logFile([rest, stop(i.noTime)]));
    },
    outcome: { kind: 'salvaged', instances: [i.noTime], rejected: 1, reason: /missing eventTime/ },
  },
  {
    name: 'a record without eventSource',
    setup: () => {
      const { eventSource: _s, ...rest } = stop(i.noSource);
      return oneFile('no-source', logFile([rest, stop(i.noSource)]));
    },
    outcome: { kind: 'salvaged', instances: [i.noSource], rejected: 1, reason: /missing eventSource/ },
  },
  {
    name: '300 KB field values: indexed, items bounded',
    setup: () =>
      oneFile(
        'big-values',
        logFile([
          stop(i.big, {
            userAgent: big,
            errorCode: big,
            errorMessage: big,
            sourceIPAddress: big,
            requestParameters: { instancesSet: { items: [{ instanceId: i.big }] }, description: big },
          }),
        ]),
      ),
    outcome: { kind: 'indexed', instances: [i.big] },
  },
  {
    name: 'invalid UTF-8 inside a string: indexed with replacement characters',
    setup: () => {
      const text = JSON.stringify({ Records: [stop(i.utf8, { userAgent: 'UA-MARK' })] });
      const bytes = Buffer.from(text);
      const at = bytes.indexOf('UA-MARK');
      bytes[at] = 0xff;
      bytes[at + 1] = 0xfe;
      return oneFile('bad-utf8', gzipText(bytes));
    },
    outcome: { kind: 'indexed', instances: [i.utf8] },
  },
  {
    name: 'a UTF-8 byte order mark',
    setup: () =>
      oneFile(
        'bom',
        gzipText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), logFile([stop(i.bom)], false)])),
      ),
    outcome: { kind: 'indexed', instances: [i.bom] },
  },
  {
    name: '__proto__ and constructor keys are inert',
    setup: () =>
      oneFile(
        'proto',
        gzipText(
          JSON.stringify({ Records: [stop(i.proto)] }).replace(
            '"eventVersion"',
            '"__proto__":{"eventSource":"s3.amazonaws.com","polluted":true},"constructor":{"prototype":{"polluted":true}},"eventVersion"',
          ),
        ),
      ),
    outcome: { kind: 'indexed', instances: [i.proto] },
  },
  {
    name: 'a zero-byte object under a log key (announced size 0)',
    setup: () => ({ objects: { [logKey('zero')]: Buffer.alloc(0) }, body: announce(logKey('zero'), 0) }),
    outcome: { kind: 'skipped', reason: /folder marker or empty object/ },
  },
  {
    name: 'an object that is empty although announced with a size',
    setup: () => ({ objects: { [logKey('shrunk')]: Buffer.alloc(0) }, body: announce(logKey('shrunk'), 99) }),
    outcome: { kind: 'failed', error: fileError('shrunk', 'file is empty') },
  },
  {
    name: 'a folder marker',
    setup: () => ({ body: announce(DAY, 0) }),
    outcome: { kind: 'skipped', reason: /folder marker/ },
  },
  {
    name: 'a digest file',
    setup: () => ({
      body: announce('AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2025/03/01/d.json.gz'),
    }),
    outcome: { kind: 'skipped', reason: /CloudTrail digest file/ },
  },
  {
    name: 'an Insights file',
    setup: () => ({
      body: announce('AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2025/03/01/x.json.gz'),
    }),
    outcome: { kind: 'skipped', reason: /CloudTrail Insights file/ },
  },
  {
    name: 'a key with spaces, + and non-ASCII characters (URL-encoded in the event)',
    setup: () => oneFile('a b+c é ü', logFile([stop(i.spaces)])),
    outcome: { kind: 'indexed', instances: [i.spaces] },
  },
  {
    name: 'a key whose URL encoding is malformed',
    setup: () => ({
      body: JSON.parse(
        JSON.stringify(announce(logKey('x'))).replace('x.json.gz', '%E0%A4%A.json.gz'),
      ) as string,
    }),
    outcome: { kind: 'failed', error: /object key in the S3 event is not valid URL encoding/ },
  },
  {
    name: 's3:TestEvent',
    setup: () => ({ body: s3TestEvent(BUCKET) }),
    outcome: { kind: 'acknowledged' },
  },
  {
    name: 'an object deleted before it is read',
    setup: () => ({ body: announce(logKey('deleted')) }),
    outcome: {
      kind: 'failed',
      error: fileError('deleted', 'object not found \\(deleted before it was read\\?\\)'),
    },
  },
  {
    name: 'an object in another bucket (one that does not even exist): refused, not read',
    setup: () => ({ body: s3Notification('no-such-bucket', { key: logKey('nb') }) }),
    outcome: { kind: 'refused', reason: /^bucket "no-such-bucket" is not the log bucket trail-bucket$/ },
  },
  {
    name: 'an SQS body that is not an S3 event',
    setup: () => ({ body: '{"not":"an S3 event"}' }),
    outcome: { kind: 'failed', error: /^message is not an S3 event notification$/ },
  },
  {
    name: 'an SQS body that is not JSON',
    setup: () => ({ body: 'hello' }),
    outcome: { kind: 'failed', error: /^message body is not JSON/ },
  },
  {
    name: 'an S3 event that is not ObjectCreated (a delete)',
    setup: () => ({
      body: announce(logKey('gone')).replace('ObjectCreated:Put', 'ObjectRemoved:Delete'),
    }),
    outcome: { kind: 'acknowledged' },
  },
  {
    name: 'one message announcing a good and a bad file: the good one is indexed, the message fails',
    setup: () => ({
      objects: { [logKey('two-good')]: logFile([stop(i.two)]), [logKey('two-bad')]: gzipText('nope') },
      body: s3Notification(BUCKET, { key: logKey('two-good') }, { key: logKey('two-bad') }),
    }),
    outcome: { kind: 'failed', error: fileError('two-bad', "not JSON: starts with 'n'"), salvaged: [i.two] },
  },
  {
    name: 'an S3 event wrapped in an SNS notification',
    setup: () => {
      const inner = oneFile('sns', logFile([stop(i.sns)]));
      return { objects: inner.objects, body: JSON.stringify({ Type: 'Notification', Message: inner.body }) };
    },
    outcome: { kind: 'indexed', instances: [i.sns] },
  },
  {
    name: "CloudTrail's own SNS notification (s3Bucket, s3ObjectKey)",
    setup: () => ({
      objects: { [logKey('ct-sns')]: logFile([stop(i.ctSns)]) },
      body: JSON.stringify({ s3Bucket: BUCKET, s3ObjectKey: [logKey('ct-sns')] }),
    }),
    outcome: { kind: 'indexed', instances: [i.ctSns] },
  },
  {
    name: "S3's Object Created event through EventBridge (an existing bucket; the key is not URL-encoded)",
    setup: () => ({
      objects: { [logKey('eb created')]: logFile([stop(i.eventBridge)]) },
      body: eventBridgeEvent('Object Created', BUCKET, logKey('eb created')),
    }),
    outcome: { kind: 'indexed', instances: [i.eventBridge] },
  },
  {
    name: "S3's Object Deleted event through EventBridge: nothing to index, acknowledged",
    setup: () => ({
      objects: { [logKey('eb-deleted')]: logFile([stop(i.eventBridgeDeleted)]) },
      body: eventBridgeEvent('Object Deleted', BUCKET, logKey('eb-deleted')),
    }),
    outcome: { kind: 'acknowledged' },
  },
];

/** The event S3 sends to EventBridge, as the stack's rule forwards it to the queue (no transformer). */
function eventBridgeEvent(detailType: string, bucket: string, key: string): string {
  return JSON.stringify({
    version: '0',
    id: '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': detailType,
    source: 'aws.s3',
    account: '111122223333',
    time: '2025-03-01T10:05:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:s3:::${bucket}`],
    detail: {
      version: '0',
      bucket: { name: bucket },
      object: { key, size: 1024, etag: 'b1946ac92492d2347c6235b4d2611184', sequencer: '00617F08299329D189' },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: 'cloudtrail.amazonaws.com',
      reason: 'PutObject',
    },
  });
}

describe('bad-input matrix: the real handler on dynalite and s3rver', () => {
  let fn: LocalFunction;
  let s3: LocalS3;
  let store: EventStore;
  let handler: SqsHandler;

  beforeAll(async () => {
    fn = await startLocalFunction([BUCKET]);
    ({ s3, store, handler } = fn);
  });
  afterAll(() => fn.close());

  const instancesIndexed = async (id: string): Promise<number> =>
    (await store.query(keys.instance(id))).items.length;

  it(`has at least 20 cases (${CASES.length})`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES.map((c, k) => [c.name, c, k] as const))('%s', async (_name, c, k) => {
    const { objects, body } = c.setup();
    for (const [key, bytes] of Object.entries(objects ?? {})) await s3.put(BUCKET, key, bytes);
    const control = `i-c0${k.toString(16).padStart(15, '0')}`;
    const controlKey = logKey(`control-${k}`);
    await s3.put(BUCKET, controlKey, logFile([stop(control)]));
    const event = sqsEvent(body, announce(controlKey));
    const [caseId, controlId] = event.Records.map((r) => r.messageId);

    const { response, emf, logs } = await invoke(handler, event);
    const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    // the other message of the batch always goes through
    expect(failed).not.toContain(controlId);
    expect(await instancesIndexed(control)).toBe(1);

    const errors = logs.filter((l: LogDocument) => l.level === 'ERROR');
    const o = c.outcome;
    switch (o.kind) {
      case 'failed':
        expect(failed).toEqual([caseId]);
        expect(errors.map((l) => String(l.error))).toEqual(
          expect.arrayContaining([expect.stringMatching(o.error)]),
        );
        for (const id of o.salvaged ?? []) expect(await instancesIndexed(id)).toBeGreaterThan(0);
        break;
      case 'indexed':
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        for (const id of o.instances) expect(await instancesIndexed(id)).toBe(1);
        expect(metricSum(emf, 'RecordsRejected')).toBe(0);
        break;
      case 'salvaged': {
        expect(failed).toEqual([]);
        for (const id of o.instances) expect(await instancesIndexed(id)).toBe(1);
        expect(metricSum(emf, 'RecordsRejected')).toBe(o.rejected);
        const warning = logs.find((l) => l.message === 'file indexed with rejected records');
        expect(String(warning?.source)).toMatch(/^s3:\/\/trail-bucket\/AWSLogs\//);
        expect(JSON.stringify(warning?.rejections)).toMatch(o.reason);
        break;
      }
      case 'skipped':
        expect(failed).toEqual([]);
        expect(logs.find((l) => l.message === 'skipped' && o.reason.test(String(l.reason)))).toBeDefined();
        break;
      case 'acknowledged':
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        break;
      case 'refused':
        expect(failed).toEqual([]);
        expect(errors).toEqual([]);
        expect(
          logs.find((l) => l.message === 'object refused' && o.reason.test(String(l.reason))),
        ).toBeDefined();
        expect(metricSum(emf, 'ObjectsRefused')).toBe(1);
        break;
    }
  });

  it('keeps the items of 300 KB values within their bounds, truncation marked', async () => {
    const [index] = (await store.query(keys.instance(i.big))).items;
    expect(index).toBeDefined();
    expect(dynamoItemSize(index as Record<string, unknown>)).toBeLessThanOrEqual(LIMITS.indexItemBytes);
    const item = await store.getEvent(itemToEvent(index as Record<string, unknown>).eventID);
    expect(item).toBeDefined();
    expect(dynamoItemSize(item as Record<string, unknown>)).toBeLessThanOrEqual(LIMITS.eventItemBytes);
    const event = itemToEvent(item as Record<string, unknown>);
    expect(event.userAgent).toMatch(/…\[truncated \d+ chars\]$/);
    expect(event.errorMessage?.length).toBeLessThanOrEqual(LIMITS.errorMessage);
    expect(event.sourceIPAddress?.length).toBeLessThanOrEqual(LIMITS.sourceIp);
  });

  it('a record without eventID keeps the same derived ID when delivered again', async () => {
    const [first] = (await store.query(keys.instance(i.noEventId))).items.map(itemToEvent);
    expect(first?.eventID).toMatch(/^synthetic-[0-9a-f]{32}$/);
  });

  it('decodes URL-encoded keys: the event points to the object with its real name', async () => {
    const [e] = (await store.query(keys.instance(i.spaces))).items.map(itemToEvent);
    const item = await store.getEvent(e?.eventID ?? '');
    expect(item?.source).toBe(`s3://${BUCKET}/${logKey('a b+c é ü')}`);
  });

  it('__proto__ keys neither polluted prototypes nor changed the event', async () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const [e] = (await store.query(keys.instance(i.proto))).items.map(itemToEvent);
    expect(e?.eventSource).toBe('ec2.amazonaws.com');
    expect(Object.keys(e ?? {})).not.toContain('polluted');
  });
});
