import {
  announce,
  BUCKET,
  big,
  type Case,
  DAY,
  eventBridgeEvent,
  fileError,
  gzipText,
  i,
  logKey,
  oneFile,
  stop,
} from './bad-input';
import { s3Notification, s3TestEvent } from './lambda';
import { logFile } from './records';

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

export const CASES: Case[] = [
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
