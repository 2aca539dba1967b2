import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutBucketNotificationConfigurationCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { spawnCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { invoke, sqsRecord } from '../helpers/lambda';
import { loadHandler } from '../helpers/local-function';

/**
 * Deploy rehearsal: `cdk bootstrap` and `cdk deploy` of the real app onto moto_server, then a real
 * CloudTrail file through the deployed bucket, its S3 notification through the deployed queue to the
 * handler (as the event source mapping would hand it over), and `trailwatch … --table` against it.
 *
 * moto's CloudFormation skips some resource types (trail, alarms, bucket/queue/topic policies,
 * subscriptions) and ignores a bucket's NotificationConfiguration; the rehearsal applies the
 * notification configuration of the synthesized template through the S3 API, as CloudFormation
 * would. Lambda invocations need docker, which moto cannot use here: the handler runs in-process.
 * `npm run test:deploy` builds the CLI first.
 */

const ROOT = join(__dirname, '..', '..');
const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');
const haveMoto = spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).status === 0;
const STRATUS = '572910899909_CloudTrail_eu-south-1r_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz';
const KEY = `AWSLogs/572910899909/CloudTrail/eu-south-1/2024/08/01/${STRATUS}`;
const OUTPUTS = [
  'TableName',
  'BucketName',
  'QueueUrl',
  'DeadLetterQueueUrl',
  'AlarmTopicArn',
  'FunctionName',
  'TrailArn',
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function cdk(args: string[], env: NodeJS.ProcessEnv): { status: number; output: string } {
  const run = spawnSync(CDK, [...args, '--no-notices'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: run.status ?? -1, output: `${run.stdout}\n${run.stderr}` };
}

(haveMoto ? describe : describe.skip)(
  haveMoto
    ? 'deploy rehearsal: cdk deploy onto moto_server'
    : 'deploy rehearsal (skipped: moto_server is not installed)',
  () => {
    let moto: ChildProcess;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let endpoint: string;
    let outputs: Record<string, string>;
    const client = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };

    beforeAll(async () => {
      const port = await freePort();
      // "localhost": moto reads any other host in a template URL as a bucket name
      endpoint = `http://localhost:${port}`;
      moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
      await waitFor(`${endpoint}/moto-api/`, 30_000);
      dir = mkdtempSync(join(tmpdir(), 'trailwatch-deploy-'));
      env = {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
        AWS_DEFAULT_REGION: 'us-east-1',
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_PROFILE: undefined,
        TRAILWATCH_DB: undefined,
      };
      const boot = cdk(['bootstrap', 'aws://123456789012/us-east-1'], env);
      if (boot.status !== 0) throw new Error(`cdk bootstrap failed:\n${boot.output}`);
      // --method=direct: moto fills in stack outputs only for CreateStack/UpdateStack, not change sets
      const deploy = cdk(
        [
          'deploy',
          'Trailwatch',
          '--method=direct',
          '--require-approval',
          'never',
          '--output',
          join(dir, 'cdk.out'),
          '--outputs-file',
          join(dir, 'outputs.json'),
          '--parameters',
          'BootstrapVersion=/cdk-bootstrap/hnb659fds/version',
          '-c',
          'trailwatch:alarmEmail=secops@example.com',
        ],
        env,
      );
      if (deploy.status !== 0) throw new Error(`cdk deploy failed:\n${deploy.output}`);
      outputs =
        (
          JSON.parse(readFileSync(join(dir, 'outputs.json'), 'utf8')) as Record<
            string,
            Record<string, string>
          >
        ).Trailwatch ?? {};
    }, 600_000);

    afterAll(() => {
      moto?.kill();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** The real handler, configured as the stack configures the function, run in this process. */
    async function invokeDeployed(event: SQSEvent): Promise<SQSBatchResponse> {
      const saved = { ...process.env };
      try {
        const handler = loadHandler({
          AWS_ENDPOINT_URL: endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          TABLE_NAME: outputs.TableName as string,
          TRAILWATCH_LOG_BUCKET: outputs.BucketName as string,
        });
        return (await invoke(handler, event)).response;
      } finally {
        process.env = saved;
      }
    }

    /**
     * One poll of the event source mapping: receive a batch, invoke, delete the messages that
     * succeeded; the failed ones become visible again (as when their visibility timeout ends).
     */
    async function poll(
      sqs: SQSClient,
      queueUrl: string,
    ): Promise<{ received: Message[]; failed: string[] }> {
      const got = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      const received = got.Messages ?? [];
      if (received.length === 0) return { received, failed: [] };
      const response = await invokeDeployed({
        Records: received.map((m) => ({
          ...sqsRecord(m.Body ?? '', Number(m.Attributes?.ApproximateReceiveCount ?? 1)),
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
        })),
      });
      const failed = response.batchItemFailures.map((f) => f.itemIdentifier);
      for (const m of received) {
        if (failed.includes(m.MessageId ?? ''))
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queueUrl,
              ReceiptHandle: m.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        else await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
      }
      return { received, failed };
    }

    it('writes every CONTRACT stack output', () => {
      expect(Object.keys(outputs).sort()).toEqual([...OUTPUTS].sort());
      expect(outputs.TrailArn).toBe('arn:aws:cloudtrail:us-east-1:123456789012:trail/Trailwatch-trail');
    });

    it('deployed the table with the key schema of the store module', async () => {
      const ddb = new DynamoDBClient({ ...client, endpoint });
      const { Table } = await ddb.send(new DescribeTableCommand({ TableName: outputs.TableName }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.DeletionProtectionEnabled).toBe(true);
      ddb.destroy();
    });

    it('deployed the queue with its dead-letter queue, and the function on nodejs22.x', async () => {
      const sqs = new SQSClient({ ...client, endpoint });
      const dlq = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: outputs.DeadLetterQueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const q = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: outputs.QueueUrl,
          AttributeNames: ['RedrivePolicy', 'VisibilityTimeout'],
        }),
      );
      expect(JSON.parse(q.Attributes?.RedrivePolicy ?? '{}')).toEqual({
        deadLetterTargetArn: dlq.Attributes?.QueueArn,
        maxReceiveCount: 5,
      });
      expect(q.Attributes?.VisibilityTimeout).toBe('1800');
      const lambda = new LambdaClient({ ...client, endpoint });
      const fn = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: outputs.FunctionName }),
      );
      expect(fn.Runtime).toBe('nodejs22.x');
      expect(fn.Environment?.Variables?.TABLE_NAME).toBe(outputs.TableName);
      sqs.destroy();
      lambda.destroy();
    });

    it('indexes a real log file put into the bucket, announced through the queue, and answers trailwatch --table', async () => {
      const s3 = new S3Client({
        ...client,
        endpoint,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      const sqs = new SQSClient({ ...client, endpoint });
      // the notification configuration of the synthesized template, applied as CloudFormation would
      const template = JSON.parse(readFileSync(join(dir, 'cdk.out', 'Trailwatch.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
      };
      const bucket = Object.values(template.Resources).find(
        (r) => r.Type === 'AWS::S3::Bucket' && r.Properties?.NotificationConfiguration,
      );
      type QueueConfiguration = {
        Event: string;
        Filter: { S3Key: { Rules: { Name: string; Value: string }[] } };
      };
      const notification = bucket?.Properties?.NotificationConfiguration as
        | { QueueConfigurations: QueueConfiguration[] }
        | undefined;
      const config = notification?.QueueConfigurations[0];
      const queueArn = (
        await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: outputs.QueueUrl, AttributeNames: ['QueueArn'] }),
        )
      ).Attributes?.QueueArn;
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: outputs.BucketName,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                QueueArn: queueArn,
                Events: [config?.Event as 's3:ObjectCreated:*'],
                Filter: {
                  Key: {
                    FilterRules: config?.Filter.S3Key.Rules.map((r) => ({
                      Name: r.Name as 'prefix' | 'suffix',
                      Value: r.Value,
                    })),
                  },
                },
              },
            ],
          },
        }),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.BucketName,
          Key: KEY,
          Body: readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', STRATUS)),
        }),
      );
      await s3.send(
        new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'not-logs/ignored.json.gz', Body: 'x' }),
      );

      // what the event source mapping does: receive a batch, invoke, delete what succeeded
      const messages: Message[] = [];
      for (let i = 0; i < 5 && !messages.some((m) => m.Body?.includes('ObjectCreated')); i++) {
        const got = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: outputs.QueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        messages.push(...(got.Messages ?? []));
      }
      expect(messages.filter((m) => m.Body?.includes('ObjectCreated'))).toHaveLength(1);
      const event: SQSEvent = {
        Records: messages.map((m) => ({
          ...sqsRecord(m.Body ?? ''),
          messageId: m.MessageId ?? '',
          receiptHandle: m.ReceiptHandle ?? '',
        })),
      };
      const response = await invokeDeployed(event);
      expect(response).toEqual({ batchItemFailures: [] });
      for (const m of messages)
        await sqs.send(
          new DeleteMessageCommand({ QueueUrl: outputs.QueueUrl, ReceiptHandle: m.ReceiptHandle }),
        );

      const cliEnv = { ...env, AWS_ENDPOINT_URL: endpoint };
      const query = await spawnCli(
        ['query', 'instance', 'i-fDb357cB7e99ad973', '--table', outputs.TableName as string, '--json'],
        { env: cliEnv },
      );
      expect(query.code).toBe(0);
      expect(query.json()).toEqual([
        expect.objectContaining({
          eventID: '0968cbec-f8df-43f3-94ba-b451aad083ed',
          eventName: 'SendSSHPublicKey',
          findings: ['ssh-key-multi-instance'],
        }),
      ]);
      const findings = await spawnCli(['findings', '--table', outputs.TableName as string, '--json'], {
        env: cliEnv,
      });
      expect(findings.json().map((f) => f.rule)).toEqual([
        'ssh-key-multi-instance',
        'ssh-key-multi-instance',
        'ssh-key-multi-instance',
      ]);
      const full = await spawnCli(
        ['event', '0968cbec-f8df-43f3-94ba-b451aad083ed', '--table', outputs.TableName as string, '--json'],
        { env: cliEnv },
      );
      expect(full.json()[0]).toMatchObject({
        source: `s3://${outputs.BucketName}/${KEY}`,
        record: { eventID: '0968cbec-f8df-43f3-94ba-b451aad083ed' },
      });
      s3.destroy();
      sqs.destroy();
    }, 120_000);

    it('a message that keeps failing lands in the dead-letter queue after 5 receives, intact, and redrives', async () => {
      const sqs = new SQSClient({ ...client, endpoint });
      const s3 = new S3Client({
        ...client,
        endpoint,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      });
      const queueUrl = outputs.QueueUrl as string;
      const dlqUrl = outputs.DeadLetterQueueUrl as string;
      // a file announced but not (yet) there: every attempt fails
      const missing = KEY.replace('.json.gz', '-late.json.gz');
      const body = JSON.stringify({
        Records: [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: outputs.BucketName }, object: { key: missing, size: 1234 } },
          },
        ],
      });
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
      const counts: number[] = [];
      for (let round = 0; round < 10; round++) {
        const { received, failed } = await poll(sqs, queueUrl);
        if (received.length === 0) break;
        counts.push(...received.map((m) => Number(m.Attributes?.ApproximateReceiveCount)));
        expect(failed).toHaveLength(received.length);
      }
      // failed on every receive up to the redrive policy's maxReceiveCount (5), then dead-lettered
      // (moto counts the first receive as 2, so it hands the message over 4 times, not 5)
      expect(counts.length).toBeGreaterThanOrEqual(4);
      expect(Math.max(...counts)).toBe(5);
      const dead = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(dead.Messages?.map((m) => m.Body)).toEqual([body]);

      // redrive once the cause is fixed: the message goes back to the queue and is indexed
      await s3.send(
        new PutObjectCommand({
          Bucket: outputs.BucketName,
          Key: missing,
          Body: readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', STRATUS)),
        }),
      );
      for (const m of dead.Messages ?? []) {
        await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: m.Body }));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: m.ReceiptHandle }));
      }
      // (the put also announces the object through the bucket's own notification: both succeed)
      const redriven = await poll(sqs, queueUrl);
      expect(redriven.received.map((m) => m.Body)).toContain(body);
      expect(redriven.failed).toEqual([]);
      s3.destroy();
      sqs.destroy();
    }, 120_000);
  },
);
