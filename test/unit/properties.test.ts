import fc from 'fast-check';
import { TrailwatchError } from '../../lambda/core/errors';
import { extractEvent } from '../../lambda/core/event';
import { buildItems, dynamoItemSize } from '../../lambda/core/items';
import type { JsonObject } from '../../lambda/core/json';
import { LIMITS } from '../../lambda/core/limits';
import { readLogRecords } from '../../lambda/core/record-stream';
import { selectRecord } from '../../lambda/core/select';
import { chunks, ec2Call, keyPush } from '../helpers/records';

/** Strings of any size, up to far beyond CloudTrail's limits, with control characters. */
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.nat({ max: 300_000 }).map((n) => 'A'.repeat(n)),
  fc.constantFrom(
    'i-0123456789abcdef0',
    'vol-0a1b2c3d',
    'arn:aws:ec2:us-east-1:1:instance/i-8107c9c0',
    '__proto__',
    'constructor',
  ),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(fc.jsonValue(), anyText, fc.constant(null));

/** Records that look like CloudTrail where it matters, with any value anywhere. */
const recordLike = fc
  .record(
    {
      eventVersion: anyValue,
      eventID: fc.oneof(fc.uuid(), anyText),
      eventTime: fc.oneof(fc.constant('2025-03-01T10:00:00Z'), anyValue),
      eventSource: fc.constantFrom(
        'ec2.amazonaws.com',
        'ebs.amazonaws.com',
        'ec2-instance-connect.amazonaws.com',
        's3.amazonaws.com',
      ),
      eventName: fc.oneof(
        fc.constantFrom('SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey', 'RunInstances'),
        anyText,
      ),
      readOnly: anyValue,
      errorCode: anyValue,
      errorMessage: anyValue,
      userAgent: anyValue,
      sourceIPAddress: anyValue,
      awsRegion: anyValue,
      recipientAccountId: anyValue,
      userIdentity: fc.oneof(
        anyValue,
        fc.dictionary(
          fc.constantFrom(
            'type',
            'arn',
            'accountId',
            'userName',
            'accessKeyId',
            'principalId',
            'invokedBy',
            'sessionContext',
            'onBehalfOf',
          ),
          anyValue,
        ),
      ),
      requestParameters: fc.oneof(
        anyValue,
        fc.dictionary(
          fc.constantFrom(
            'instanceId',
            'instanceOSUser',
            'osUser',
            'sSHPublicKey',
            'SSHKey',
            'serialPort',
            'instancesSet',
          ),
          anyValue,
        ),
      ),
      responseElements: anyValue,
      resources: anyValue,
      serviceEventDetails: anyValue,
    },
    { requiredKeys: ['eventSource', 'eventTime'] },
  )
  .chain((r) =>
    fc.dictionary(fc.string(), anyValue, { maxKeys: 3 }).map((extra) => ({ ...extra, ...r }) as JsonObject),
  );

describe('properties', () => {
  it('extraction never throws on arbitrary JSON and every item stays within its size bound', () => {
    fc.assert(
      fc.property(
        fc.oneof(recordLike, fc.dictionary(fc.string(), anyValue) as fc.Arbitrary<JsonObject>),
        (record) => {
          selectRecord(record, { includeReadOnly: true });
          const x = extractEvent(record, JSON.stringify(record), `s3://bucket/${'k'.repeat(1024)}`);
          if (!x.ok) return;
          for (const item of buildItems(x.event, x.timeMs, { expiresAt: 1 })) {
            const size = dynamoItemSize(item);
            expect(size).toBeLessThanOrEqual(
              item.kind === 'event' ? LIMITS.eventItemBytes : LIMITS.indexItemBytes,
            );
            expect(Buffer.byteLength(item.pk)).toBeLessThanOrEqual(2048);
            expect(Buffer.byteLength(item.sk)).toBeLessThanOrEqual(1024);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('the biggest event CloudTrail can write (1,000 instances, long fields) stays within the bounds', () => {
    const items = Array.from({ length: 1200 }, (_, i) => ({
      instanceId: `i-${i.toString(16).padStart(17, '0')}`,
      groupSet: { items: [{ groupId: `sg-${i.toString(16).padStart(17, 'a')}` }] },
    }));
    const record = ec2Call('RunInstances', {
      userAgent: 'u'.repeat(250_000),
      errorMessage: 'e'.repeat(250_000),
      responseElements: { instancesSet: { items } },
      userIdentity: {
        type: 'AssumedRole',
        arn: `arn:aws:sts::1:assumed-role/${'r'.repeat(64)}/${'s'.repeat(2000)}`,
        accessKeyId: 'ASIA'.padEnd(200, 'X'),
      },
    });
    const x = extractEvent(record, '', `s3://b/${'k'.repeat(1024)}`);
    if (!x.ok) throw new Error(x.reason);
    const built = buildItems(x.event, x.timeMs);
    expect(built.length).toBeLessThanOrEqual(
      1 + LIMITS.instanceIdsPerEvent + LIMITS.resourceIdsPerEvent + LIMITS.userKeys + 1,
    );
    for (const item of built)
      expect(dynamoItemSize(item)).toBeLessThanOrEqual(
        item.kind === 'event' ? LIMITS.eventItemBytes : LIMITS.indexItemBytes,
      );
  });

  it('the record reader yields exactly the records, whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(fc.constant(keyPush()), fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }))),
          { maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        async (records, chunkSize, pretty) => {
          const text = Buffer.from(JSON.stringify({ Records: records }, null, pretty ? 2 : undefined));
          const out: unknown[] = [];
          for await (const e of readLogRecords(chunks(text, chunkSize))) {
            if (e.kind === 'record') out.push(JSON.parse(e.bytes.toString('utf8')));
          }
          expect(out).toEqual(JSON.parse(JSON.stringify(records)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the record reader fails only with named errors on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 32 }),
        async (bytes, size) => {
          try {
            for await (const _ of readLogRecords(chunks(Buffer.from(bytes), size))) {
              // drain
            }
          } catch (error) {
            expect(error).toBeInstanceOf(TrailwatchError);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
