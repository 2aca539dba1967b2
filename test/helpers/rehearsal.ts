import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutBucketNotificationConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { invoke, sqsRecord } from './lambda';
import { loadHandler } from './local-function';
import { type Moto, startMoto } from './moto';

/**
 * The deploy rehearsal's machinery: `cdk deploy` of the real app onto moto_server, the handler run
 * in this process as the deployed function, one poll of the event source mapping, awscli against moto.
 *
 * moto's CloudFormation skips some resource types (trail, alarms, bucket/queue/topic policies,
 * subscriptions) and ignores a bucket's NotificationConfiguration; the rehearsal applies the
 * notification configuration, an alarm and the topic policy of the synthesized template through
 * the service APIs, as CloudFormation would. Lambda invocations need docker, which moto cannot use
 * here: the handler runs in-process. moto evaluates no resource policy (topic, key or queue) and
 * its alarms take no action on a state change, so whether CloudWatch may publish to the encrypted
 * topic is asserted on the template (test/infra/delivery-alarms.test.ts), not here.
 * `npm run test:deploy` builds the CLI first.
 */

export const ROOT = join(__dirname, '..', '..');
export const CDK = join(ROOT, 'node_modules', '.bin', 'cdk');
export const STRATUS = '572910899909_CloudTrail_eu-south-1r_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz';
export const KEY = `AWSLogs/572910899909/CloudTrail/eu-south-1/2024/08/01/${STRATUS}`;
export const OUTPUTS = [
  'TableName',
  'BucketName',
  'QueueUrl',
  'DeadLetterQueueUrl',
  'AlarmTopicArn',
  'FunctionName',
  'TrailArn',
];

export function cdk(args: string[], env: NodeJS.ProcessEnv): { status: number; output: string } {
  const run = spawnSync(CDK, [...args, '--no-notices'], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: run.status ?? -1, output: `${run.stdout}\n${run.stderr}` };
}

/** What the rehearsal deployed: moto, a work directory (with cdk.out), the environment and the stack outputs. */
export interface Deployed {
  readonly moto: Moto;
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly endpoint: string;
  readonly outputs: Record<string, string>;
}

/** `cdk bootstrap` and `cdk deploy` of the app onto a fresh moto_server (stopped again if either fails). */
export async function deployOnMoto(): Promise<Deployed> {
  const moto = await startMoto();
  const endpoint = moto.endpoint;
  const dir = mkdtempSync(join(tmpdir(), 'trailwatch-deploy-'));
  try {
    const env: NodeJS.ProcessEnv = {
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
    const outputs =
      (JSON.parse(readFileSync(join(dir, 'outputs.json'), 'utf8')) as Record<string, Record<string, string>>)
        .Trailwatch ?? {};
    return { moto, dir, env, endpoint, outputs };
  } catch (error) {
    moto.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The real handler, configured as the stack configures the function, run in this process. */
export async function invokeDeployed(
  { endpoint, outputs }: Pick<Deployed, 'endpoint' | 'outputs'>,
  event: SQSEvent,
): Promise<SQSBatchResponse> {
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
export async function poll(
  invokeDeployed: (event: SQSEvent) => Promise<SQSBatchResponse>,
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

/** awscli v1 against moto; the answer as JSON (null when the command prints nothing). */
export function aws({ endpoint, env }: Pick<Deployed, 'endpoint' | 'env'>, args: string[]): unknown {
  const run = spawnSync(
    'aws',
    ['--endpoint-url', endpoint, '--region', 'us-east-1', '--output', 'json', ...args],
    {
      env,
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  if (run.status !== 0) throw new Error(`aws ${args.join(' ')} failed (${run.status}):\n${run.stderr}`);
  return run.stdout.trim() === '' ? null : JSON.parse(run.stdout);
}

/**
 * The bucket notification configuration of the synthesized template, applied as CloudFormation would
 * (moto's CloudFormation ignores a bucket's NotificationConfiguration).
 */
export async function applyNotificationConfiguration(
  { dir, outputs }: Pick<Deployed, 'dir' | 'outputs'>,
  s3: S3Client,
  sqs: SQSClient,
): Promise<void> {
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
}
