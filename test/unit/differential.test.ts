import { createReadStream, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { type FileStats, processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS, type Settings } from '../../lambda/core/settings';
import { deliveryText } from '../bench/generate';
import { CORPUS, corpusPresent, FIXTURES } from '../helpers/corpus';
import { chunks, ec2Call, keyPush } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * The fast path (records skipped from their raw text, without JSON.parse) must give exactly what
 * the straightforward path (parse every record, then select) gives: the same items, the same
 * findings, the same counts. One difference is by design: a record of another service that is not
 * valid JSON is never parsed on the fast path, so it is counted as skipped rather than rejected.
 */

const NOW = Date.UTC(2026, 10, 24);

interface Outcome {
  items: MemoryStore['items'];
  stats: Omit<FileStats, 'rejections' | 'error' | 'source'> & { error?: string };
}

async function run(
  input: () => AsyncIterable<Uint8Array>,
  preselect: boolean,
  settings: Settings = DEFAULT_SETTINGS,
): Promise<Outcome> {
  const store = new MemoryStore();
  const {
    rejections: _r,
    error,
    source: _s,
    ...stats
  } = await processLogFile(input(), { source: 's3://b/k', settings, now: () => NOW, preselect }, store);
  return { items: store.items, stats: { ...stats, ...(error ? { error: error.message } : {}) } };
}

async function expectSame(
  input: () => AsyncIterable<Uint8Array>,
  settings: Settings = DEFAULT_SETTINGS,
  options: { brokenRecordsOfOtherServices?: boolean } = {},
): Promise<void> {
  const fast = await run(input, true, settings);
  const plain = await run(input, false, settings);
  expect(fast.items).toEqual(plain.items);
  if (!options.brokenRecordsOfOtherServices) {
    expect(fast.stats).toEqual(plain.stats);
    return;
  }
  const { rejected: fr, skipped: fs, ...fastRest } = fast.stats;
  const { rejected: pr, skipped: ps, ...plainRest } = plain.stats;
  expect(fastRest).toEqual(plainRest);
  expect(fr + fs).toBe(pr + ps);
  expect(fr).toBeLessThanOrEqual(pr);
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : /\.json(\.gz)?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('the fast path gives exactly what parsing every record gives', () => {
  it('on every fixture file', async () => {
    for (const file of files(join(FIXTURES, 'cloudtrail')))
      await expectSame(() => createReadStream(file, { highWaterMark: 4096 }));
  });

  (corpusPresent ? it : it.skip)(
    'on every file of ../shared/corpus/real, with read-only indexing off and on',
    async () => {
      // the corpus keeps published broken records on purpose (awsdocs/malformed, …)
      const broken = { brokenRecordsOfOtherServices: true };
      for (const file of files(CORPUS)) {
        await expectSame(() => createReadStream(file), DEFAULT_SETTINGS, broken);
        await expectSame(
          () => createReadStream(file),
          { ...DEFAULT_SETTINGS, includeReadOnly: true },
          broken,
        );
      }
    },
  );

  it('on generated delivery files of the realistic mix, whatever the chunking', async () => {
    for (const seed of [1, 2, 3]) {
      const { text } = deliveryText(512 * 1024, seed);
      for (const size of [1000, 65_536]) await expectSame(() => chunks(text, size));
    }
  });

  /** Raw record text, built by hand so that keys can repeat, values can be escaped, and so on. */
  const value = fc.oneof(
    fc.constantFrom(
      '"ec2.amazonaws.com"',
      '" ec2.amazonaws.com "',
      '"ebs.amazonaws.com"',
      '"ec2-instance-connect.amazonaws.com"',
      '"s3.amazonaws.com"',
    ),
    fc.constantFrom(
      '"ec2\\u002eamazonaws.com"',
      '""',
      '7',
      'null',
      'true',
      '{"a":1}',
      '["ec2.amazonaws.com"]',
      '"ëc2.amazonaws.com"',
      '"ec2.amazonaws.cöm"',
      `"${'ec2.amazonaws.com'.padStart(300, ' ')}"`,
      '-1e5',
    ),
  );
  const readOnly = fc.constantFrom(
    'true',
    'false',
    '"true"',
    '"True"',
    '"false"',
    '"yes"',
    'null',
    '1',
    '{}',
    '[true]',
    '"trüe"',
    'tru',
  );
  const errorCode = fc.constantFrom(
    '"Client.UnauthorizedOperation"',
    '""',
    '" "',
    'null',
    '"null"',
    '0',
    'false',
    '{}',
  );
  const eventType = fc.constantFrom('"AwsApiCall"', '"AwsCloudTrailInsight"', '"AwsServiceEvent"', '7');
  const ws = fc.constantFrom('', ' ', '\n  ', '\t');
  const record = fc
    .record(
      {
        source: fc.option(value, { nil: undefined }),
        readOnly: fc.option(readOnly, { nil: undefined }),
        errorCode: fc.option(errorCode, { nil: undefined }),
        eventType: fc.option(eventType, { nil: undefined }),
        nested: fc.boolean(),
        duplicate: fc.option(fc.constantFrom('eventSource', 'readOnly', 'errorCode', 'eventType'), {
          nil: undefined,
        }),
        ws,
        push: fc.boolean(),
      },
      { requiredKeys: ['nested', 'ws', 'push'] },
    )
    .map((r) => {
      const base = r.push
        ? keyPush({ eventTime: '2025-03-01T10:00:00Z' })
        : ec2Call('RunInstances', { eventTime: '2025-03-01T10:00:00Z' });
      const { eventSource: _s, readOnly: _r, eventType: _t, ...rest } = base;
      const parts = Object.entries(rest).map(([k, v]) => `"${k}":${r.ws}${JSON.stringify(v)}`);
      if (r.source !== undefined) parts.push(`"eventSource":${r.ws}${r.source}`);
      if (r.readOnly !== undefined) parts.push(`"readOnly" :${r.readOnly}`);
      if (r.errorCode !== undefined) parts.push(`"errorCode":${r.errorCode}`);
      if (r.eventType !== undefined) parts.push(`"eventType":${r.eventType}`);
      if (r.nested)
        parts.push('"requestParameters2":{"eventSource":"s3.amazonaws.com","readOnly":true,"errorCode":"X"}');
      if (r.duplicate) parts.push(`"${r.duplicate}":"ec2.amazonaws.com"`);
      return `{${r.ws}${parts.join(`,${r.ws}`)}${r.ws}}`;
    });

  it('on fuzzed records: odd values, escapes, nested and repeated keys, any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 97 }),
        fc.boolean(),
        async (records, size, readOnlyOn) => {
          const text = Buffer.from(`{"Records":[${records.join(',')}]}`);
          await expectSame(() => chunks(text, size), { ...DEFAULT_SETTINGS, includeReadOnly: readOnlyOn });
        },
      ),
      { numRuns: 300 },
    );
  });
});
