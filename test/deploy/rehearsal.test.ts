import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { RULES } from '../../lambda/core/rules';
import { ruleAlarmDescription, ruleAlarmName } from '../../lib/constructs/rule-alarms';
import { spawnCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { sqsRecord } from '../helpers/lambda';
import { haveMoto, type Moto } from '../helpers/moto';
import {
  applyNotificationConfiguration,
  aws as awsOn,
  deployOnMoto,
  invokeDeployed as invokeDeployedOn,
  KEY,
  OUTPUTS,
  poll as pollOnce,
  STRATUS,
} from '../helpers/rehearsal';

/**
 * Deploy rehearsal: `cdk bootstrap` and `cdk deploy` of the real app onto moto_server, then a real
 * CloudTrail file through the deployed bucket, its S3 notification through the deployed queue to the
 * handler (as the event source mapping would hand it over), and `trailwatch … --table` against it.
 *
 * moto's limits: see test/helpers/rehearsal.ts. Whether CloudWatch may publish to the encrypted
 * topic is asserted on the template (test/infra/delivery-alarms.test.ts), not here.
 * `npm run test:deploy` builds the CLI first.
 */

(haveMoto ? describe : describe.skip)(
  haveMoto
    ? 'deploy rehearsal: cdk deploy onto moto_server'
    : 'deploy rehearsal (skipped: moto_server is not installed)',
  () => {
    let moto: Moto;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let endpoint: string;
    let outputs: Record<string, string>;
    const client = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    };

    beforeAll(async () => {
      ({ moto, dir, env, endpoint, outputs } = await deployOnMoto());
    }, 600_000);

    afterAll(() => {
      moto?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    /** The real handler, configured as the stack configures the function, run in this process. */
    const invokeDeployed = (event: SQSEvent): Promise<SQSBatchResponse> =>
      invokeDeployedOn({ endpoint, outputs }, event);
    /** One poll of the event source mapping (test/helpers/rehearsal.ts). */
    const poll = (sqs: SQSClient, queueUrl: string) => pollOnce(invokeDeployed, sqs, queueUrl);

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
      await applyNotificationConfiguration({ dir, outputs }, s3, sqs);
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
    const aws = (args: string[]): unknown => awsOn({ endpoint, env }, args);

    it('drives an alarm with aws cloudwatch set-alarm-state: its state changes and its action names the deployed topic, whose policies name the alarm', () => {
      const template = JSON.parse(readFileSync(join(dir, 'cdk.out', 'Trailwatch.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      const resources = Object.entries(template.Resources);
      const topicArn = outputs.AlarmTopicArn as string;
      const topicId = resources.find(([, r]) => r.Type === 'AWS::SNS::Topic')?.[0] as string;
      const tableId = resources.find(([, r]) => r.Type === 'AWS::DynamoDB::Table')?.[0] as string;
      // the template's values with the intrinsics CloudFormation fills in here
      const filled = (value: unknown): unknown =>
        JSON.parse(
          JSON.stringify(value)
            .replaceAll(JSON.stringify({ Ref: topicId }), JSON.stringify(topicArn))
            .replaceAll(JSON.stringify({ Ref: tableId }), JSON.stringify(outputs.TableName))
            .replaceAll(JSON.stringify({ Ref: 'AWS::Partition' }), '"aws"'),
          (_k, v: unknown) =>
            v && typeof v === 'object' && 'Fn::Join' in v
              ? ((v as { 'Fn::Join': [string, string[]] })['Fn::Join'][1] ?? []).join(
                  (v as { 'Fn::Join': [string, string[]] })['Fn::Join'][0],
                )
              : v,
        );

      // moto's CloudFormation skips alarms: the alarm of one rule, created as CloudFormation would
      const serial = RULES.find((r) => r.id === 'ssh-serial-console') ?? RULES[0];
      const name = ruleAlarmName(serial);
      expect(
        resources.filter(
          ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'Findings',
        ),
      ).toHaveLength(RULES.length);
      const alarm = resources.find(
        ([, r]) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.AlarmName === name,
      );
      expect(alarm).toBeDefined();
      const input = join(dir, 'alarm.json');
      writeFileSync(input, JSON.stringify(filled(alarm?.[1].Properties)));
      aws(['cloudwatch', 'put-metric-alarm', '--cli-input-json', `file://${input}`]);

      // a subscriber: a queue subscribed to the topic
      const inbox = (aws(['sqs', 'create-queue', '--queue-name', 'alarm-inbox']) as { QueueUrl: string })
        .QueueUrl;
      const inboxArn = (
        aws(['sqs', 'get-queue-attributes', '--queue-url', inbox, '--attribute-names', 'QueueArn']) as {
          Attributes: { QueueArn: string };
        }
      ).Attributes.QueueArn;
      aws([
        'sns',
        'subscribe',
        '--topic-arn',
        topicArn,
        '--protocol',
        'sqs',
        '--notification-endpoint',
        inboxArn,
      ]);
      const receive = (): unknown[] =>
        (
          aws(['sqs', 'receive-message', '--queue-url', inbox, '--max-number-of-messages', '10']) as {
            Messages?: unknown[];
          } | null
        )?.Messages ?? [];

      aws([
        'cloudwatch',
        'set-alarm-state',
        '--alarm-name',
        name,
        '--state-value',
        'ALARM',
        '--state-reason',
        'deploy rehearsal',
      ]);
      const described = (
        aws(['cloudwatch', 'describe-alarms', '--alarm-names', name]) as {
          MetricAlarms: {
            AlarmArn: string;
            StateValue: string;
            StateReason: string;
            AlarmActions: string[];
            AlarmDescription: string;
          }[];
        }
      ).MetricAlarms;
      expect(described).toHaveLength(1);
      const [state] = described as [(typeof described)[number]];
      expect(state).toMatchObject({
        StateValue: 'ALARM',
        StateReason: 'deploy rehearsal',
        AlarmActions: [topicArn],
      });
      expect(state.AlarmArn).toBe(`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`);
      // what fired, and the command that lists its findings in the deployed table
      expect(state.AlarmDescription).toBe(ruleAlarmDescription(serial, outputs.TableName));

      // moto's alarms take no action on a state change: nothing reaches the subscriber...
      expect(receive()).toEqual([]);
      // ...though the topic delivers to it what is published
      aws(['sns', 'publish', '--topic-arn', topicArn, '--message', 'published by hand']);
      expect(receive().map((m) => JSON.parse((m as { Body: string }).Body).Message)).toEqual([
        'published by hand',
      ]);

      // the topic policy (moto's CloudFormation skips it; applied as CloudFormation would) and the
      // key policy (deployed by moto's CloudFormation) let CloudWatch in for the ARN the alarm has
      type Policy = {
        Statement: { Sid?: string; Condition?: { ArnLike?: { 'aws:SourceArn': string[] } } }[];
      };
      const topicPolicy = resources.find(([, r]) => r.Type === 'AWS::SNS::TopicPolicy')?.[1].Properties
        .PolicyDocument;
      aws([
        'sns',
        'set-topic-attributes',
        '--topic-arn',
        topicArn,
        '--attribute-name',
        'Policy',
        '--attribute-value',
        JSON.stringify(filled(topicPolicy)),
      ]);
      const applied = JSON.parse(
        (aws(['sns', 'get-topic-attributes', '--topic-arn', topicArn]) as { Attributes: { Policy: string } })
          .Attributes.Policy,
      ) as Policy;
      const sourceArns = (policy: Policy, sid: string): string[] =>
        policy.Statement.find((st) => st.Sid === sid)?.Condition?.ArnLike?.['aws:SourceArn'] ?? [];
      expect(sourceArns(applied, 'CloudWatchAlarmsPublish')).toContain(state.AlarmArn);
      const keyId = (
        aws(['sns', 'get-topic-attributes', '--topic-arn', topicArn]) as {
          Attributes: { KmsMasterKeyId: string };
        }
      ).Attributes.KmsMasterKeyId;
      // (moto answers the policy of a key its CloudFormation created as an object, AWS as a string)
      const keyAnswer = (
        aws(['kms', 'get-key-policy', '--key-id', keyId, '--policy-name', 'default']) as {
          Policy: string | Policy;
        }
      ).Policy;
      const keyPolicy = (typeof keyAnswer === 'string' ? JSON.parse(keyAnswer) : keyAnswer) as Policy;
      expect(sourceArns(keyPolicy, 'CloudWatchAlarmsUseKey')).toContain(state.AlarmArn);
    }, 120_000);
  },
);
