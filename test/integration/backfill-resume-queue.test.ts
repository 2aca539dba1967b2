import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { parseNotification } from '../../lambda/core/notification';
import { findLogObjects } from '../../lambda/core/s3-layout';
import { createS3Client, S3ObjectLister } from '../../lambda/s3-objects';
import type { EventStore } from '../../lambda/store/event-store';
import {
  type BackfillWorld,
  counting,
  haveMoto,
  ORGB,
  RESUME,
  startBackfillWorld,
} from '../helpers/backfill';
import { type BucketLayout, layOut, recordsUnder } from '../helpers/bucket-layout';
import { BUILT_CLI, builtCliPresent, cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import type { LocalDynamo } from '../helpers/dynalite';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';
import { invoke, sqsRecord } from '../helpers/lambda';
import { loadHandler } from '../helpers/local-function';
import { ec2Call, logFile } from '../helpers/records';
import type { LocalS3 } from '../helpers/s3rver';
import { dumpTable } from '../helpers/table-dump';

/** `trailwatch backfill` resuming after an interruption, and sending to a queue (--queue), on s3rver and dynalite. */

describe('backfill from S3 (s3rver, real records in the CloudTrail layout)', () => {
  let world: BackfillWorld;
  let s3: LocalS3, dynamo: LocalDynamo, org: BucketLayout;
  beforeAll(async () => {
    ({ s3, dynamo, org } = world = await startBackfillWorld());
  }, 120_000);
  afterAll(() => world.close());
  const newStore = (): Promise<EventStore> => world.newStore();

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
      // writes the killed run had already sent still land: count the markers once they have
      await proxy.settled();
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
