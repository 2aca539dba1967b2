import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DecompressionError, MalformedLogFileError, NotCloudTrailFileError } from '../../lambda/core/errors';
import { readLogRecords, type ScanEvent, type ScanSummary } from '../../lambda/core/record-stream';
import { FIXTURES } from '../helpers/corpus';
import { chunks, ec2Call, logFile } from '../helpers/records';

async function scan(
  data: Buffer,
  chunkSize = 64 * 1024,
): Promise<{ events: ScanEvent[]; summary: ScanSummary }> {
  const events: ScanEvent[] = [];
  const summary: ScanSummary = { digest: false, bytes: 0, gzip: false, passed: 0 };
  for await (const e of readLogRecords(chunks(data, chunkSize), {}, summary)) events.push(e);
  return { events, summary };
}

/** Scans and also returns the error thrown at the end, if any (records before it are kept). */
async function scanSalvaging(
  data: Buffer,
  chunkSize = 64 * 1024,
): Promise<{ events: ScanEvent[]; error?: unknown }> {
  const events: ScanEvent[] = [];
  try {
    for await (const e of readLogRecords(chunks(data, chunkSize))) events.push(e);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

function parsed(events: ScanEvent[]): unknown[] {
  return events
    .filter((e) => e.kind === 'record')
    .map((e) => JSON.parse((e as { bytes: Buffer }).bytes.toString('utf8')));
}

const invictus = join(
  FIXTURES,
  'cloudtrail',
  'invictus',
  '218007301253_CloudTrail_us-east-1_20230710T1215Z_YMDRJwtmC82bUwAo.json',
);

describe('readLogRecords', () => {
  it('yields every record of a real delivery file, byte-exact, in order', async () => {
    const text = readFileSync(invictus);
    const expected = (JSON.parse(text.toString('utf8')) as { Records: unknown[] }).Records;
    const { events } = await scan(text);
    expect(events).toHaveLength(expected.length);
    expect(parsed(events)).toEqual(expected);
  });

  it.each([1, 2, 3, 7, 97, 4096])(
    'gives the same records whatever the chunk boundaries (%i-byte chunks)',
    async (size) => {
      const text = readFileSync(invictus);
      const whole = parsed((await scan(text)).events);
      expect(parsed((await scan(text, size)).events)).toEqual(whole);
    },
  );

  it('reads gzip-compressed files, detected from the content not the name', async () => {
    const gz = readFileSync(`${invictus}.gz`);
    const { events, summary } = await scan(gz, 1000);
    expect(summary.gzip).toBe(true);
    expect(parsed(events)).toEqual(parsed((await scan(readFileSync(invictus))).events));
  });

  it('reads a pretty-printed bare array of records (Stratus Red Team detonation logs)', async () => {
    const text = readFileSync(
      join(FIXTURES, 'cloudtrail', 'stratus', 'aws.lateral-movement.ec2-instance-connect.json'),
    );
    const { events } = await scan(text, 50);
    expect(parsed(events)).toEqual(JSON.parse(text.toString('utf8')));
  });

  it('reads one record per line (NDJSON) and a single standalone record', async () => {
    const lines = readFileSync(join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'));
    const { events } = await scan(lines, 333);
    expect(events).toHaveLength(84);
    expect(events.every((e) => e.kind === 'record' && e.standalone)).toBe(true);
    const single = await scan(Buffer.from(JSON.stringify(ec2Call('StopInstances'), null, 2)));
    expect(parsed(single.events)).toHaveLength(1);
  });

  it('skips a UTF-8 byte order mark and trailing blank lines', async () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      logFile([ec2Call('StopInstances')], false),
      Buffer.from('\n\n'),
    ]);
    expect(parsed((await scan(body, 2)).events)).toHaveLength(1);
  });

  it('handles escaped quotes and backslashes inside strings split across chunks', async () => {
    const record = ec2Call('CreateTags', {
      userAgent: 'a\\"}]{[\\\\"\\',
      requestParameters: { x: '"\\"\\\\' },
    });
    const body = logFile([record, ec2Call('StopInstances')], false);
    for (const size of [1, 2, 3, 5])
      expect(parsed((await scan(body, size)).events)).toEqual([record, expect.anything()]);
  });

  it('ignores other top-level keys of the envelope, before or after Records', async () => {
    const r = ec2Call('StopInstances');
    const body = Buffer.from(JSON.stringify({ before: { Records: [1] }, Records: [r], after: [{ a: 1 }] }));
    expect(parsed((await scan(body, 3)).events)).toEqual([r]);
  });

  it('recognises a CloudTrail digest file and yields nothing', async () => {
    const digest = {
      awsAccountId: '111122223333',
      digestStartTime: '2025-03-01T09:00:00Z',
      digestEndTime: '2025-03-01T10:00:00Z',
      logFiles: [{ s3Bucket: 'b', s3Object: 'k', hashValue: 'ab' }],
    };
    const { events, summary } = await scan(gzipSync(JSON.stringify(digest)));
    expect(events).toEqual([]);
    expect(summary.digest).toBe(true);
  });

  it('reports an element that is not an object as invalid and goes on', async () => {
    const r = ec2Call('StopInstances');
    const body = Buffer.from(`{"Records":[1,"two",[3],null,${JSON.stringify(r)}]}`);
    const { events } = await scan(body, 4);
    expect(events.map((e) => e.kind)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'record']);
    expect(events[0]).toMatchObject({ index: 0, reason: 'record is not a JSON object' });
    expect(events[4]).toMatchObject({ index: 4 });
  });

  it('rejects a record above the size bound without holding it', async () => {
    const big = ec2Call('RunInstances', { userAgent: 'x'.repeat(2000) });
    const body = logFile([big, ec2Call('StopInstances')], false);
    const events: ScanEvent[] = [];
    for await (const e of readLogRecords(chunks(body, 100), { maxRecordBytes: 1000 })) events.push(e);
    expect(events[0]).toMatchObject({ kind: 'invalid', reason: 'record is larger than 1000 bytes' });
    expect(events[1]?.kind).toBe('record');
  });

  it('salvages the records before a truncation, then fails naming the truncation', async () => {
    const full = logFile(
      [ec2Call('StopInstances'), ec2Call('StartInstances'), ec2Call('RebootInstances')],
      false,
    );
    const cut = full.subarray(0, full.length - 40);
    const { events, error } = await scanSalvaging(cut, 16);
    expect(events.length).toBe(2);
    expect(error).toBeInstanceOf(MalformedLogFileError);
    expect((error as Error).message).toMatch(/unexpected end of data inside record #2/);
  });

  it('salvages records around a missing comma, then fails naming the place', async () => {
    const a = JSON.stringify(ec2Call('StopInstances'));
    const b = JSON.stringify(ec2Call('StartInstances'));
    const { events, error } = await scanSalvaging(Buffer.from(`{"Records":[${a} ${b}]}`));
    expect(parsed(events)).toHaveLength(2);
    expect(error).toBeInstanceOf(MalformedLogFileError);
    expect((error as Error).message).toMatch(/missing ',' between records #0 and #1/);
  });

  it('fails a truncated gzip stream with DecompressionError after salvaging what it could', async () => {
    const records = Array.from({ length: 400 }, (_, i) =>
      ec2Call('StopInstances', { requestParameters: { n: i } }),
    );
    const gz = logFile(records);
    const { events, error } = await scanSalvaging(gz.subarray(0, Math.floor(gz.length * 0.8)), 512);
    expect(error).toBeInstanceOf(DecompressionError);
    expect((error as Error).message).toMatch(/truncated/);
    expect(events.length).toBeGreaterThan(0);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), NotCloudTrailFileError, /empty/],
    ['text that is not JSON', Buffer.from('hello'), NotCloudTrailFileError, /not JSON: starts with 'h'/],
    ['gzip of text that is not JSON', gzipSync('<xml/>'), NotCloudTrailFileError, /not JSON/],
    ['unbalanced brackets', Buffer.from('{"Records":[{"a":1]}'), MalformedLogFileError, /unexpected '\]'/],
    [
      'garbage after the document',
      Buffer.from('{"Records":[]} x'),
      MalformedLogFileError,
      /after the end of the JSON document/,
    ],
  ])('rejects %s with a named error', async (_name, data, type, message) => {
    const { error } = await scanSalvaging(data);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('counts decompressed bytes', async () => {
    const text = logFile([ec2Call('StopInstances')], false);
    const { summary } = await scan(gzipSync(text));
    expect(summary.bytes).toBe(text.length);
  });
});
