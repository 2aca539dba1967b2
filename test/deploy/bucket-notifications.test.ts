import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveMoto, type Moto, startMoto } from '../helpers/moto';
import { synth } from '../helpers/synth';

/**
 * What aws-cdk-lib's BucketNotifications custom resource does to an existing bucket's other
 * notifications, for real: its inline Python, taken from the synthesized template, runs with boto3
 * against moto_server's S3, invoked with the events CloudFormation sends (Create, Update, Delete).
 *
 * Found: Create and Delete keep the bucket's other notifications as they are, but every Update
 * rewrites them without their IDs (S3 gives them new ones), whatever changed. So an existing
 * bucket is not fed by a queue configuration of that resource (a changed key prefix would be an
 * Update); the resource only turns on the bucket's EventBridge flag, keyed to the bucket so that
 * it is never updated, and an EventBridge rule forwards the log files.
 *
 * moto cannot show: whether a bucket's EventBridge flag survives (moto's
 * GetBucketNotificationConfiguration never returns EventBridgeConfiguration, so the handler never
 * sees it; in AWS it does, and keeps it), nor input transformers (moto forwards S3's EventBridge
 * events as they are, which is also what the stack's rule does).
 */

const havePython = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' }).status === 0;
const ready = haveMoto && havePython;
const why = haveMoto ? 'python3 with boto3 is not installed' : 'moto_server is not installed';
const DRIVER = join(__dirname, 'bucket_notifications.py');
const ACCOUNT = '123456789012';
const BUCKET = 'org-cloudtrail-logs';
const STACK_ID = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/Trailwatch/5b7b1a40-0000-11ef-8000-0a1b2c3d4e5f`;
const OTHER_QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:other-team-exports`;
const OTHER_TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:security-deletes`;

type Json = Record<string, unknown>;
type Step = Json & { op: string };
type Config = {
  QueueConfigurations?: Json[];
  TopicConfigurations?: Json[];
  LambdaFunctionConfigurations?: Json[];
};

/** Notifications of other teams, each with its own ID. */
const OTHERS = {
  QueueConfigurations: [
    {
      Id: 'other-team-exports',
      QueueArn: OTHER_QUEUE,
      Events: ['s3:ObjectCreated:*'],
      Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'exports/' }] } },
    },
  ],
  TopicConfigurations: [{ Id: 'security-deletes', TopicArn: OTHER_TOPIC, Events: ['s3:ObjectRemoved:*'] }],
};

/** A bucket with other teams' notifications (and, if asked, its EventBridge flag on). */
function setup(eventBridge: boolean): Step[] {
  return [
    { op: 'create-bucket', bucket: 'cfn-responses' },
    { op: 'create-bucket', bucket: BUCKET },
    { op: 'create-queue', name: 'other-team-exports' },
    { op: 'create-topic', name: 'security-deletes' },
    {
      op: 'put-config',
      bucket: BUCKET,
      config: { ...OTHERS, ...(eventBridge ? { EventBridgeConfiguration: {} } : {}) },
    },
  ];
}

/** Resource properties as CloudFormation hands them to a custom resource: scalars become strings. */
function cfnProperties(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cfnProperties);
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [
      k,
      k === 'ServiceToken' ? `arn:aws:lambda:us-east-1:${ACCOUNT}:function:handler` : cfnProperties(v),
    ]),
  );
}

let requests = 0;
function cfnEvent(
  endpoint: string,
  requestType: 'Create' | 'Update' | 'Delete',
  logicalId: string,
  properties: Json,
  old?: Json,
): Step {
  requests += 1;
  return {
    op: 'invoke',
    event: {
      RequestType: requestType,
      ServiceToken: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:handler`,
      ResponseURL: `${endpoint}/cfn-responses/${requests}-${requestType}`,
      StackId: STACK_ID,
      RequestId: `request-${requests}`,
      ResourceType: 'Custom::S3BucketNotifications',
      LogicalResourceId: logicalId,
      ...(requestType === 'Create' ? {} : { PhysicalResourceId: logicalId }),
      ResourceProperties: cfnProperties(properties),
      ...(old ? { OldResourceProperties: cfnProperties(old) } : {}),
    },
  };
}

interface Synthesized {
  readonly handler: string;
  readonly logicalId: string;
  readonly properties: Json;
  readonly rulePattern: string;
}

(ready ? describe : describe.skip)(
  ready
    ? "aws-cdk-lib's bucket notifications handler, run on moto_server"
    : `aws-cdk-lib's bucket notifications handler (skipped: ${why})`,
  () => {
    let moto: Moto;
    let dir: string;

    beforeAll(async () => {
      moto = await startMoto();
      dir = mkdtempSync(join(tmpdir(), 'trailwatch-notifications-'));
    }, 60_000);
    afterAll(() => {
      moto?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(() => moto.reset());

    /** The stack for an existing bucket: the handler's code, the custom resource, the rule's pattern. */
    function synthesized(context: Json = {}): Synthesized {
      const { template } = synth({ 'trailwatch:existingBucketName': BUCKET, ...context });
      const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
      const find = (predicate: (id: string, type: string) => boolean): [string, Json] => {
        const found = Object.entries(resources).filter(([id, r]) => predicate(id, r.Type));
        expect(found).toHaveLength(1);
        const [id, r] = found[0] as [string, { Properties: Json }];
        return [id, r.Properties];
      };
      const [, fn] = find(
        (id, type) => type === 'AWS::Lambda::Function' && id.startsWith('BucketNotificationsHandler'),
      );
      const handler = join(dir, `handler-${Object.keys(context).length}.py`);
      writeFileSync(handler, (fn.Code as { ZipFile: string }).ZipFile);
      const [logicalId, properties] = find((_id, type) => type === 'Custom::S3BucketNotifications');
      const [, rule] = find((_id, type) => type === 'AWS::Events::Rule');
      return { handler, logicalId, properties, rulePattern: JSON.stringify(rule.EventPattern) };
    }

    function drive(handler: string, steps: Step[]): unknown[] {
      const run = spawnSync('python3', [DRIVER], {
        input: JSON.stringify({ handler, steps }),
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PROFILE: undefined,
        },
      });
      if (run.status !== 0) throw new Error(`${DRIVER} failed (${run.status}):\n${run.stderr}`);
      return JSON.parse(run.stdout) as unknown[];
    }

    const ok = expect.objectContaining({ Status: 'SUCCESS' });
    const ours = (config: Config): Json[] =>
      (config.QueueConfigurations ?? []).filter((c) => String(c.Id).startsWith(`${STACK_ID}-`));
    const others = (config: Config): Config => ({
      QueueConfigurations: (config.QueueConfigurations ?? []).filter((c) => !ours(config).includes(c)),
      TopicConfigurations: config.TopicConfigurations ?? [],
    });
    const withoutId = (list: Json[] | undefined): Json[] => (list ?? []).map(({ Id: _id, ...rest }) => rest);

    it("renames the bucket's other notifications when it updates a queue configuration (why an existing bucket goes through EventBridge)", () => {
      const { handler, logicalId, properties } = synthesized();
      // what aws-cdk-lib renders for addEventNotification(OBJECT_CREATED, queue, { prefix, suffix })
      const queueConfiguration = (prefix: string): Json => ({
        ...properties,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'suffix', Value: '.json.gz' },
                    { Name: 'prefix', Value: prefix },
                  ],
                },
              },
              QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:trailwatch-ingest`,
            },
          ],
        },
      });
      const before = queueConfiguration('AWSLogs/');
      const after = queueConfiguration('o-abc123defg/AWSLogs/');
      const e = moto.endpoint;
      const results = drive(handler, [
        ...setup(true),
        { op: 'get-config', bucket: BUCKET },
        cfnEvent(e, 'Create', logicalId, before),
        { op: 'get-config', bucket: BUCKET },
        cfnEvent(e, 'Update', logicalId, after, before),
        { op: 'get-config', bucket: BUCKET },
        cfnEvent(e, 'Delete', logicalId, after),
        { op: 'get-config', bucket: BUCKET },
      ]);
      const [initial, created, afterCreate, updated, afterUpdate, deleted, afterDelete] = results.slice(
        5,
      ) as [Config, Json, Config, Json, Config, Json, Config];
      expect([created, updated, deleted]).toEqual([ok, ok, ok]);
      expect(others(initial)).toEqual(OTHERS);
      // Create: kept as they were, ours added
      expect(others(afterCreate)).toEqual(OTHERS);
      expect(ours(afterCreate)).toHaveLength(1);
      // Update: ours replaced, but the others lost their IDs (their content is the same)
      expect(ours(afterUpdate).map((c) => c.Filter)).toEqual([
        {
          Key: {
            FilterRules: [
              { Name: 'prefix', Value: 'o-abc123defg/AWSLogs/' },
              { Name: 'suffix', Value: '.json.gz' },
            ],
          },
        },
      ]);
      const renamed = others(afterUpdate);
      expect(withoutId(renamed.QueueConfigurations)).toEqual(withoutId(OTHERS.QueueConfigurations));
      expect(withoutId(renamed.TopicConfigurations)).toEqual(withoutId(OTHERS.TopicConfigurations));
      expect(renamed.QueueConfigurations?.[0]?.Id).not.toBe('other-team-exports');
      expect(renamed.TopicConfigurations?.[0]?.Id).not.toBe('security-deletes');
      // Delete: ours removed, the others kept (under their new IDs)
      expect(ours(afterDelete)).toEqual([]);
      expect(others(afterDelete)).toEqual(renamed);
    });

    it('renames them on any Update, even of the EventBridge flag alone (why that resource is never updated)', () => {
      const { handler, logicalId, properties } = synthesized();
      const results = drive(handler, [
        ...setup(false),
        cfnEvent(moto.endpoint, 'Create', logicalId, properties),
        cfnEvent(moto.endpoint, 'Update', logicalId, properties, properties),
        { op: 'get-config', bucket: BUCKET },
      ]);
      const [created, updated, afterUpdate] = results.slice(5) as [Json, Json, Config];
      expect([created, updated]).toEqual([ok, ok]);
      expect(withoutId(afterUpdate.QueueConfigurations)).toEqual(withoutId(OTHERS.QueueConfigurations));
      expect(afterUpdate.QueueConfigurations?.[0]?.Id).not.toBe('other-team-exports');
    });

    it("keeps the bucket's other notifications, IDs and content, through the stack's Create and Delete, and forwards only CloudTrail log files", () => {
      const prefix = 'o-abc123defg/';
      const { handler, logicalId, properties, rulePattern } = synthesized({
        'trailwatch:logKeyPrefix': prefix,
      });
      expect(properties.NotificationConfiguration).toEqual({ EventBridgeConfiguration: {} });
      const file = '111122223333_CloudTrail_us-east-1_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz';
      const day = 'us-east-1/2024/08/01';
      const logFiles = [
        `${prefix}AWSLogs/111122223333/CloudTrail/${day}/${file}`,
        `${prefix}AWSLogs/o-abcdef1234/111122223333/CloudTrail/${day}/${file}`,
      ];
      const notLogFiles = [
        `${prefix}AWSLogs/111122223333/CloudTrail-Digest/${day}/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240801T1320Z.json.gz`,
        `${prefix}AWSLogs/111122223333/CloudTrail-Insight/${day}/${file}`,
        `${prefix}AWSLogs/111122223333/Config/us-east-1/2024/8/1/ConfigHistory/111122223333_Config_us-east-1_ConfigHistory_AWS::EC2::Instance_20240801T132000Z_1.json.gz`,
        `AWSLogs/111122223333/CloudTrail/${day}/${file}`,
        `${prefix}AWSLogs/111122223333/CloudTrail/${day}/notes.json`,
      ];
      const e = moto.endpoint;
      const results = drive(handler, [
        ...setup(false),
        { op: 'create-bucket', bucket: 'another-bucket' },
        { op: 'put-config', bucket: 'another-bucket', config: { EventBridgeConfiguration: {} } },
        { op: 'create-queue', name: 'probe' },
        { op: 'rule', name: 'stack-rule', pattern: rulePattern, queue: 'probe' },
        { op: 'get-config', bucket: BUCKET },
        // before the stack: the bucket sends nothing to EventBridge
        { op: 'put-object', bucket: BUCKET, key: logFiles[0] },
        { op: 'drain', queue: 'probe' },
        cfnEvent(e, 'Create', logicalId, properties),
        { op: 'get-config', bucket: BUCKET },
        ...[...logFiles, ...notLogFiles].map((key) => ({ op: 'put-object', bucket: BUCKET, key })),
        { op: 'put-object', bucket: 'another-bucket', key: logFiles[0] },
        { op: 'drain', queue: 'probe' },
        cfnEvent(e, 'Delete', logicalId, properties),
        { op: 'get-config', bucket: BUCKET },
      ]);
      const [deleted, afterDelete] = results.slice(-2) as [Json, Config];
      const delivered = results.at(-3) as Json[];
      const [initial, , beforeStack, created, afterCreate] = results.slice(9, 14) as [
        Config,
        null,
        Json[],
        Json,
        Config,
      ];
      expect([created, deleted]).toEqual([ok, ok]);
      expect(initial).toEqual(expect.objectContaining(OTHERS));
      expect(beforeStack).toEqual([]);
      // Create: the EventBridge flag on (the rule now receives), the others untouched
      expect(afterCreate).toEqual(initial);
      expect(
        delivered.map((event) => (event.detail as { object: { key: string } }).object.key).sort(),
      ).toEqual([...logFiles].sort());
      // what the queue receives from the rule: S3's EventBridge event, the key as it is (not URL-encoded)
      expect(delivered[0]).toMatchObject({
        source: 'aws.s3',
        'detail-type': 'Object Created',
        detail: { bucket: { name: BUCKET }, object: { key: expect.any(String), size: 2 } },
      });
      // Delete: the others untouched
      expect(afterDelete).toEqual(initial);
    });
  },
);
