import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { backfill } from '../../bin/cli/backfill';
import { parseNotification } from '../../lambda/core/notification';
import { processLogFile } from '../../lambda/core/pipeline';
import {
  findLogObjects,
  type LayoutFilter,
  type ListPage,
  type ObjectLister,
} from '../../lambda/core/s3-layout';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { createS3Client, S3ObjectLister, S3ObjectReader } from '../../lambda/s3-objects';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';
import { type BucketLayout, layOut, ORG_ID, recordsUnder } from '../helpers/bucket-layout';
import { BUILT_CLI, builtCliPresent, cli } from '../helpers/cli';
import { CORPUS, corpusPresent, FIXTURES } from '../helpers/corpus';
import { type LocalDynamo, startDynalite, storeAt, TEST_CREDENTIALS } from '../helpers/dynalite';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import { invoke, sqsRecord } from '../helpers/lambda';
import { loadHandler } from '../helpers/local-function';
import { chunks, ec2Call, logFile } from '../helpers/records';
import { type LocalS3, startS3rver } from '../helpers/s3rver';
import { dumpTable, type Item } from '../helpers/table-dump';
import { MemoryStore } from '../helpers/writer';

/**
 * `trailwatch backfill` against s3rver holding real CloudTrail records (the fixtures, and the shared
 * corpus when present) laid out as CloudTrail delivers them: a single-account bucket, and an
 * organization trail's bucket under a key prefix.
 *
 * s3rver 3.7 answers a delimited listing with the common prefixes of folders that hold an object
 * directly, not of deeper ones (its directory walk stops one level down), where S3 lists every
 * folder. The buckets here therefore hold a zero-byte folder marker at every level, as buckets
 * browsed with the S3 console do; the backfill must (and does) skip them.
 */

const SINGLE = 'single-bucket';
const ORGB = 'org-bucket';
const RESUME = 'resume-bucket';
const haveMoto = spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).status === 0;

/** A lister that counts, around the real one. */
function counting(
  lister: ObjectLister,
): ObjectLister & { calls: { prefix: string; delimiter?: string }[]; objects: string[] } {
  const calls: { prefix: string; delimiter?: string }[] = [];
  const objects: string[] = [];
  return {
    calls,
    objects,
    list: async (prefix, options): Promise<ListPage> => {
      calls.push({ prefix, ...(options.delimiter ? { delimiter: options.delimiter } : {}) });
      const page = await lister.list(prefix, options);
      objects.push(...page.objects.map((o) => o.key));
      return page;
    },
  };
}

function eventIdsOf(table: Map<string, Item>): Set<string> {
  return new Set(
    [...table.values()].filter((i) => i.kind === 'event').map((i) => String(i.pk).slice('EVENT#'.length)),
  );
}

describe('backfill from S3 (s3rver, real records in the CloudTrail layout)', () => {
  let s3: LocalS3;
  let dynamo: LocalDynamo;
  let single: BucketLayout;
  let org: BucketLayout;
  const saved = { ...process.env };
  let tables = 0;
  const newStore = async (): Promise<EventStore> =>
    storeAt(dynamo.endpoint, { tableName: `backfill-${++tables}` });

  beforeAll(async () => {
    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    const records = [
      ...(await recordsUnder(join(FIXTURES, 'cloudtrail'))),
      ...(corpusPresent ? await recordsUnder(CORPUS) : []),
    ];
    single = layOut(records, { folderMarkers: true });
    org = layOut(records, { organization: true, prefix: 'trails/', folderMarkers: true });
    s3 = await startS3rver([SINGLE, ORGB, RESUME]);
    dynamo = await startDynalite();
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    for (const [bucket, layout] of [
      [SINGLE, single],
      [ORGB, org],
    ] as const) {
      for (const f of layout.files) await s3.put(bucket, f.key, f.body);
      for (const [key, body] of layout.others) await s3.put(bucket, key, body);
    }
  }, 120_000);

  afterAll(async () => {
    process.env = saved;
    await s3.close();
    await dynamo.close();
  });

  const s3client = () => createS3Client({ AWS_ENDPOINT_URL_S3: s3.endpoint });

  /** A backfill of `bucket` processed here, read through s3rver, into `store`. */
  const backfillInto = (
    store: EventStore,
    bucket: string,
    filter: LayoutFilter,
    options: { lister?: ObjectLister; concurrency?: number } = {},
  ) =>
    backfill({
      bucket,
      filter,
      settings: DEFAULT_SETTINGS,
      concurrency: options.concurrency ?? 8,
      lister: options.lister ?? new S3ObjectLister(bucket, s3client()),
      store,
      reader: new S3ObjectReader(s3client()),
    });

  it('the layouts hold several accounts, regions and days (the pruning tests would prove nothing otherwise)', () => {
    expect(new Set(single.files.map((f) => f.account)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(single.files.map((f) => f.region)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(single.files.map((f) => f.day)).size).toBeGreaterThanOrEqual(5);
  });

  it('indexes every log file of a single-account layout and nothing else; a second run does nothing', async () => {
    const store = await newStore();
    const lister = counting(new S3ObjectLister(SINGLE, s3client()));
    const run = await backfillInto(store, SINGLE, { prefix: '' }, { lister });
    expect(run.progress).toMatchObject({
      listed: single.files.length,
      processed: single.files.length,
      failed: 0,
    });
    const table = await dumpTable(dynamo.endpoint, store.tableName);
    // exactly the events the pure pipeline indexes from the same files
    const expected = new MemoryStore();
    for (const f of single.files)
      await processLogFile(chunks(f.body), { source: f.key, settings: DEFAULT_SETTINGS }, expected);
    expect(eventIdsOf(table)).toEqual(new Set(expected.events().map((e) => e.eventID)));
    expect(eventIdsOf(table).size).toBeGreaterThan(100);
    // one flat listing per region (no time range): accounts and regions by delimiter, then the files
    const regions = new Set(single.files.map((f) => `${f.account}/${f.region}`)).size;
    const accounts = new Set(single.files.map((f) => f.account)).size;
    expect(run.listing.listCalls).toBe(1 + 1 + accounts + regions);

    const again = await backfillInto(store, SINGLE, { prefix: '' });
    expect(again.progress).toMatchObject({ alreadyDone: single.files.length, processed: 0 });
    expect(await dumpTable(dynamo.endpoint, store.tableName)).toEqual(table);
  }, 60_000);

  it('prunes by --since/--until: only the folders of those days (and the next) are listed', async () => {
    const days = [...new Set(single.files.map((f) => f.day))].sort();
    const target = days[Math.floor(days.length / 2)] as string;
    const next = new Date(Date.parse(target) + 86_400_000).toISOString().slice(0, 10);
    const lister = counting(new S3ObjectLister(SINGLE, s3client()));
    const run = await backfillInto(
      await newStore(),
      SINGLE,
      {
        prefix: '',
        sinceMs: Date.parse(`${target}T00:00:00Z`),
        untilMs: Date.parse(`${target}T12:00:00Z`),
      },
      { lister, concurrency: 4 },
    );
    const expected = single.files.filter((f) => f.day === target || f.day === next);
    expect(run.progress.listed).toBe(expected.length);
    expect(run.progress.listed).toBeGreaterThan(0);
    // no log file of another day was even listed: the day folders are listed directly
    const listedDays = new Set(
      lister.objects
        .filter((k) => k.endsWith('.json.gz'))
        .map((k) => /\/(\d{4})\/(\d{2})\/(\d{2})\//.exec(k)?.slice(1).join('-')),
    );
    expect([...listedDays].sort()).toEqual([...new Set(expected.map((f) => f.day))].sort());
    const unpruned = counting(new S3ObjectLister(SINGLE, s3client()));
    for await (const _ of findLogObjects(unpruned, { prefix: '' }));
    expect(lister.objects.length).toBeLessThan(unpruned.objects.length / 4);
  }, 60_000);

  it('filters by --account and --region without listing the other accounts', async () => {
    const account = single.files[0]?.account as string;
    const region = single.files[0]?.region as string;
    const lister = counting(new S3ObjectLister(SINGLE, s3client()));
    const run = await backfillInto(
      await newStore(),
      SINGLE,
      { prefix: '', accounts: new Set([account]), regions: new Set([region]) },
      { lister, concurrency: 4 },
    );
    const expected = single.files.filter((f) => f.account === account && f.region === region);
    expect(run.progress.listed).toBe(expected.length);
    expect(lister.calls.map((c) => c.prefix)).toEqual([
      '',
      'AWSLogs/',
      `AWSLogs/${account}/CloudTrail/`,
      `AWSLogs/${account}/CloudTrail/${region}/`,
    ]);
  }, 60_000);

  it('walks an organization trail under its key prefix, the same files as the single-account layout', async () => {
    const run = await backfillInto(await newStore(), ORGB, { prefix: 'trails/' });
    expect(run.progress).toMatchObject({ listed: org.files.length, processed: org.files.length, failed: 0 });
    expect(org.files.length).toBe(single.files.length);
    // and deeper: one account of the organization
    const account = org.files[0]?.account as string;
    const lister = counting(new S3ObjectLister(ORGB, s3client()));
    const one = await backfillInto(
      await newStore(),
      ORGB,
      { prefix: `trails/AWSLogs/${ORG_ID}/${account}/` },
      { lister },
    );
    expect(one.progress.listed).toBe(org.files.filter((f) => f.account === account).length);
    expect(lister.calls[0]?.prefix).toBe(`trails/AWSLogs/${ORG_ID}/${account}/CloudTrail/`);
  }, 60_000);

  it('a table that cannot be reached stops the run at once (every file would fail alike), naming the table', async () => {
    const unreachable = new EventStore({
      tableName: 'gone',
      client: createDocumentClient({
        endpoint: 'http://127.0.0.1:9',
        region: 'us-east-1',
        credentials: TEST_CREDENTIALS,
      }),
      maxAttempts: 2,
      baseDelayMs: 1,
    });
    const run = await backfillInto(unreachable, SINGLE, { prefix: '' }, { concurrency: 2 });
    expect(run.error?.name).toMatch(/^Store(Write|Unavailable)Error$/);
    expect(run.error?.describe()).toMatch(/^table gone: /);
    expect(run.progress.processed + run.progress.failed).toBeLessThanOrEqual(4);
    expect(run.progress.listingDone).toBe(false);
  }, 60_000);

  it('the CLI: a summary naming what was found, done and indexed; --json; usage errors exit 2', async () => {
    const db = mkdtempSync(join(tmpdir(), 'trailwatch-backfill-'));
    try {
      const env = { ...process.env, AWS_ENDPOINT_URL_S3: s3.endpoint, TRAILWATCH_DB: db };
      // one more file, with a record CloudTrail would never write (no eventSource)
      const broken = `AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/111122223333_CloudTrail_us-east-1_20250301T1000Z_broken.json.gz`;
      const { eventSource: _s, ...noSource } = ec2Call('StopInstances');
      await s3.put(SINGLE, broken, logFile([noSource, ec2Call('StartInstances')]));
      const total = single.files.length + 1;
      const text = await cli(['backfill', `s3://${SINGLE}`], { env });
      expect(text.code).toBe(1); // a rejected record: exit 1, as ingest
      expect(text.out).toMatch(
        new RegExp(
          `^Backfilled s3://${SINGLE}/ into the local store .* in \\d+\\.\\ds\\n  files:   ${total} log file\\(s\\) found with \\d+ list call\\(s\\); ${total} processed \\(0 failed\\), 0 already done\\n  records: \\d+ read, \\d+ events indexed`,
        ),
      );
      expect(text.err).toBe(`trailwatch: s3://${SINGLE}/${broken}: record #0 rejected: missing eventSource`);
      const account = single.files[0]?.account as string;
      const mine = single.files.filter((f) => f.account === account);
      const json = await cli(['backfill', `s3://${SINGLE}/AWSLogs`, '--json', '--account', account], { env });
      expect(json.json()[0]).toMatchObject({ listed: mine.length, alreadyDone: mine.length, files: 0 });
      const reprocess = await cli(
        ['backfill', `s3://${SINGLE}/AWSLogs/`, '--json', '--account', account, '--reprocess'],
        { env },
      );
      expect(reprocess.json()[0]).toMatchObject({ listed: mine.length, alreadyDone: 0, files: mine.length });
      for (const [args, message] of [
        [['backfill', 'bucket/prefix'], /expected s3:\/\/BUCKET\[\/PREFIX\]/],
        [['backfill', `s3://${ORGB}`, '--account', '12345'], /--account: expected 12-digit account IDs/],
        [
          ['backfill', `s3://${ORGB}`, '--since', '2025-01-02', '--until', '2025-01-01'],
          /--since .* is after --until/,
        ],
        [['backfill', `s3://${ORGB}`, '--concurrency', '0'], /--concurrency: expected a whole number/],
      ] as const) {
        const r = await cli([...args], { env });
        expect(r.code).toBe(2);
        expect(r.err).toMatch(message);
      }
      const missing = await cli(['backfill', 's3://no-such-bucket/'], { env });
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(/s3:\/\/no-such-bucket\/: cannot list: no such bucket/);
    } finally {
      rmSync(db, { recursive: true, force: true });
    }
  }, 60_000);

  (builtCliPresent ? describe : describe.skip)('resuming', () => {
    let proxy: FaultProxy;
    const FILES = 120;
    // biome-ignore lint/suspicious/noDuplicateTestHooks: the hooks of a nested (conditional) describe
    beforeAll(async () => {
      for (let k = 0; k < FILES; k++) {
        const hh = String(Math.floor(k / 12)).padStart(2, '0');
        const mm = String((k % 12) * 5).padStart(2, '0');
        const key = `AWSLogs/999988887777/CloudTrail/eu-west-1/2025/03/01/999988887777_CloudTrail_eu-west-1_20250301T${hh}${mm}Z_r${k}.json.gz`;
        const records = Array.from({ length: 10 }, (_, j) =>
          ec2Call('StopInstances', {
            eventTime: `2025-03-01T${hh}:${mm}:0${j % 10}Z`,
            recipientAccountId: '999988887777',
            requestParameters: {
              instancesSet: { items: [{ instanceId: `i-0${(k * 10 + j).toString(16).padStart(16, '0')}` }] },
            },
          }),
        );
        await s3.put(RESUME, key, logFile(records));
      }
      // slow answers, so that the run can be killed half-way
      proxy = await startFaultProxy(dynamo.endpoint, { delayMs: 15 });
    });
    // biome-ignore lint/suspicious/noDuplicateTestHooks: the hooks of a nested (conditional) describe
    afterAll(() => proxy.close());

    it('a run killed half-way is resumed by running it again: finished files are skipped, nothing is lost', async () => {
      const interrupted = await newStore();
      const env = { ...process.env, AWS_ENDPOINT_URL_S3: s3.endpoint };
      const args = [
        'backfill',
        `s3://${RESUME}/`,
        '--table',
        interrupted.tableName,
        '--endpoint',
        proxy.endpoint,
        '--json',
      ];
      const child: ChildProcess = spawn(process.execPath, [BUILT_CLI, ...args, '--concurrency', '2'], {
        env,
        stdio: 'ignore',
      });
      const exited = once(child, 'exit');
      // kill it (no chance to clean up) once some files are marked done
      const markers = async (): Promise<number> =>
        [...(await dumpTable(dynamo.endpoint, interrupted.tableName)).values()].filter(
          (i) => i.kind === 'file',
        ).length;
      let done = 0;
      for (let i = 0; i < 600 && done < 20; i++) {
        await new Promise((r) => setTimeout(r, 50));
        done = await markers();
      }
      child.kill('SIGKILL');
      await exited;
      done = await markers();
      expect(done).toBeGreaterThanOrEqual(20);
      expect(done).toBeLessThan(FILES);

      const resumed = await cli(args, { env });
      expect(resumed.code).toBe(0);
      const summary = resumed.json()[0] as Record<string, number>;
      expect(summary.alreadyDone).toBe(done);
      expect(summary.files).toBe(FILES - done);
      expect(summary.filesFailed).toBe(0);

      const clean = await newStore();
      const full = await cli(
        ['backfill', `s3://${RESUME}/`, '--table', clean.tableName, '--endpoint', dynamo.endpoint, '--json'],
        { env },
      );
      expect(full.json()[0]).toMatchObject({ files: FILES, indexed: FILES * 10 });
      expect(await dumpTable(dynamo.endpoint, interrupted.tableName)).toEqual(
        await dumpTable(dynamo.endpoint, clean.tableName),
      );
    }, 120_000);
  });

  (haveMoto ? describe : describe.skip)(
    haveMoto ? '--queue (SQS on moto_server)' : '--queue (skipped: moto_server is not installed)',
    () => {
      let moto: ChildProcess;
      let endpoint: string;
      // biome-ignore lint/suspicious/noDuplicateTestHooks: the hooks of a nested (conditional) describe
      beforeAll(async () => {
        const port = 20_000 + Math.floor(Math.random() * 20_000);
        endpoint = `http://127.0.0.1:${port}`;
        moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
        for (let i = 0; i < 150; i++) {
          try {
            if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
          } catch {
            // not listening yet
          }
          await new Promise((r) => setTimeout(r, 200));
        }
      }, 60_000);
      // biome-ignore lint/suspicious/noDuplicateTestHooks: the hooks of a nested (conditional) describe
      afterAll(() => moto?.kill());

      it('prunes the same way on an S3 that lists folders as S3 does (moto), without folder markers', async () => {
        const client = createS3Client({ AWS_ENDPOINT_URL_S3: endpoint });
        await client.send(new CreateBucketCommand({ Bucket: 'plain' }));
        const plain = layOut(await recordsUnder(join(FIXTURES, 'cloudtrail')));
        for (const f of plain.files)
          await client.send(new PutObjectCommand({ Bucket: 'plain', Key: f.key, Body: f.body }));
        const days = [...new Set(plain.files.map((f) => f.day))].sort();
        const target = days[Math.floor(days.length / 2)] as string;
        const next = new Date(Date.parse(target) + 86_400_000).toISOString().slice(0, 10);
        const lister = counting(new S3ObjectLister('plain', client));
        const found: string[] = [];
        for await (const o of findLogObjects(lister, {
          prefix: '',
          sinceMs: Date.parse(`${target}T00:00:00Z`),
          untilMs: Date.parse(`${target}T12:00:00Z`),
        }))
          found.push(o.key);
        expect(found.sort()).toEqual(
          plain.files
            .filter((f) => f.day === target || f.day === next)
            .map((f) => f.key)
            .sort(),
        );
        expect(
          lister.objects.every(
            (k) => k.includes(`/${target.replace(/-/g, '/')}/`) || k.includes(`/${next.replace(/-/g, '/')}/`),
          ),
        ).toBe(true);
        client.destroy();
      }, 60_000);

      it('announces each file as an S3 event the deployed function accepts; markers then skip them', async () => {
        const sqs = new SQSClient({ endpoint, region: 'us-east-1' });
        const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'ingest' }));
        const env = { ...process.env, AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ENDPOINT_URL_SQS: endpoint };
        const sent = await cli(
          ['backfill', `s3://${ORGB}/trails/`, '--queue', QueueUrl as string, '--json'],
          { env },
        );
        expect(sent.code).toBe(0);
        expect(sent.json()[0]).toMatchObject({ listed: org.files.length, announced: org.files.length });

        const bodies: string[] = [];
        for (let i = 0; i < 100 && bodies.length < org.files.length; i++) {
          const got = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          bodies.push(...(got.Messages ?? []).map((m) => m.Body ?? ''));
        }
        expect(bodies).toHaveLength(org.files.length);
        expect(bodies.map((b) => parseNotification(b))).toEqual(
          expect.arrayContaining([
            {
              kind: 'objects',
              objects: [{ bucket: ORGB, key: org.files[0]?.key, size: org.files[0]?.body.length }],
            },
          ]),
        );

        // the deployed function's handler, on the same bucket and a table
        const store = await newStore();
        const handler = loadHandler({
          TABLE_NAME: store.tableName,
          TRAILWATCH_LOG_BUCKET: ORGB,
          TRAILWATCH_LOG_KEY_PREFIX: 'trails',
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
        });
        for (let i = 0; i < bodies.length; i += 10) {
          const event: SQSEvent = { Records: bodies.slice(i, i + 10).map((b) => sqsRecord(b)) };
          const { response } = await invoke(handler, event);
          expect(response.batchItemFailures).toEqual([]);
        }
        const table = await dumpTable(dynamo.endpoint, store.tableName);
        expect([...table.values()].filter((i) => i.kind === 'file')).toHaveLength(org.files.length);

        // with the table named, files the function did are not announced again
        const again = await cli(
          [
            'backfill',
            `s3://${ORGB}/trails/`,
            '--queue',
            QueueUrl as string,
            '--table',
            store.tableName,
            '--endpoint',
            dynamo.endpoint,
            '--json',
          ],
          { env },
        );
        expect(again.json()[0]).toMatchObject({
          listed: org.files.length,
          alreadyDone: org.files.length,
          announced: 0,
        });
        sqs.destroy();
      }, 120_000);
    },
  );
});
