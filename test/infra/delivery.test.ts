import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type Monitoring, UnnamedAlarmError } from '../../lib/constructs/monitoring';
import { SettingsError } from '../../lib/settings';
import { synth } from '../helpers/synth';

/**
 * Who may deliver what to whom, on the synthesized template, in every mode: CloudWatch alarms to
 * the alarm topic (and its key), log files to the ingest queue (S3 or EventBridge, and the named
 * senders only), and what the function may read and write.
 */

type Json = Record<string, unknown>;
type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

const ACCOUNT = '123456789012';
const SENDERS = ['arn:aws:iam::123456789012:role/trailwatch-backfill', 'arn:aws:iam::123456789012:user/ops'];
const EXISTING = 'org-cloudtrail-logs';
const OWN = 'trailwatch-logs-123456789012-us-east-1';
const partitionArn = (rest: string): Json => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]],
});

interface Mode {
  readonly name: string;
  readonly context: Json;
  /** The trail's key prefix in front of AWSLogs/. */
  readonly prefix: string;
  readonly existing: boolean;
  readonly senders: readonly string[];
}

const MODES: readonly Mode[] = [
  { name: 'default settings (a new bucket)', context: {}, prefix: '', existing: false, senders: [] },
  {
    name: 'an existing bucket',
    context: { 'trailwatch:existingBucketName': EXISTING },
    prefix: '',
    existing: true,
    senders: [],
  },
  {
    name: 'an existing bucket with a key prefix and backfill senders',
    context: {
      'trailwatch:existingBucketName': EXISTING,
      'trailwatch:logKeyPrefix': 'o-abc123defg/ct',
      'trailwatch:queueSenderArns': SENDERS.join(', '),
    },
    prefix: 'o-abc123defg/ct/',
    existing: true,
    senders: SENDERS,
  },
  {
    name: 'an organization trail with a backfill sender',
    context: {
      'trailwatch:organizationTrail': true,
      'trailwatch:organizationId': 'o-abcdef1234',
      'trailwatch:queueSenderArns': SENDERS[0],
    },
    prefix: '',
    existing: false,
    senders: [SENDERS[0] as string],
  },
];

function resources(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type) as Record<string, { Properties?: Json }>).map(
    ([id, r]) => [id, r.Properties ?? {}],
  );
}

function one(template: Template, type: string, predicate: (p: Json) => boolean = () => true): [string, Json] {
  const found = resources(template, type).filter(([, p]) => predicate(p));
  expect(found).toHaveLength(1);
  return found[0] as [string, Json];
}

function statements(document: unknown): Statement[] {
  return (document as { Statement: Statement[] }).Statement;
}

function bySid(list: Statement[], sid: string): Statement {
  const found = list.filter((s) => s.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0] as Statement;
}

/** An IAM resource pattern (`*` any characters, `/` included; `?` one) as a regular expression. */
function iamPattern(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** A template value with its intrinsics filled in as CloudFormation would (a rule's ARN made up). */
function concrete(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(concrete);
  if (value === null || typeof value !== 'object') return value;
  const o = value as Json;
  if (o.Ref === 'AWS::Partition') return 'aws';
  const join = o['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(concrete).join(join[0]);
  const att = o['Fn::GetAtt'] as [string, string] | undefined;
  if (att?.[1] === 'Arn') return `arn:aws:events:us-east-1:${ACCOUNT}:rule/${att[0]}`;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, concrete(v)]));
}

/**
 * Whether a Deny statement applies to a request, by the documented rules of the condition operators
 * it uses: operators of a statement are ANDed, values of one key ORed; a negated operator (`…Not…`)
 * is true when the request has none of the values, and when it lacks the key altogether.
 */
function denyApplies(statement: Statement, request: Record<string, string | undefined>): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    Object.entries(keys).every(([key, values]) => {
      const list = (Array.isArray(values) ? values : [values]) as string[];
      const actual = request[key];
      const matches = (v: string): boolean =>
        actual !== undefined && (operator.includes('Like') ? iamPattern(v).test(actual) : v === actual);
      switch (operator) {
        case 'ArnNotEquals':
        case 'ArnNotLike':
          return !list.some(matches);
        case 'ArnEquals':
        case 'ArnLike':
          return list.some(matches);
        default:
          throw new Error(`the test does not know condition operator ${operator}`);
      }
    }),
  );
}

describe.each(MODES)('delivery with $name', (mode) => {
  const { template, stack } = synth(mode.context);
  const topicId = one(template, 'AWS::SNS::Topic')[0];
  const [keyId, key] = one(template, 'AWS::KMS::Key');
  const [queueId] = one(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy !== undefined);
  const [dlqId] = one(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy === undefined);
  const [fnId, fn] = one(template, 'AWS::Lambda::Function', (p) => p.Runtime === 'nodejs22.x');
  const ownBucket = mode.existing
    ? undefined
    : one(template, 'AWS::S3::Bucket', (p) => p.BucketName === OWN)[0];
  const bucketArn = mode.existing ? partitionArn(`:s3:::${EXISTING}`) : { 'Fn::GetAtt': [ownBucket, 'Arn'] };

  const alarms = resources(template, 'AWS::CloudWatch::Alarm');
  const alarmArns = alarms.map(([, p]) =>
    partitionArn(`:cloudwatch:us-east-1:${ACCOUNT}:alarm:${p.AlarmName}`),
  );
  const fromTheseAlarms = {
    StringEquals: { 'aws:SourceAccount': ACCOUNT },
    ArnLike: { 'aws:SourceArn': alarmArns },
  };

  describe('alarms reach people', () => {
    it('names every alarm trailwatch …, and every alarm notifies the topic', () => {
      expect(alarms.length).toBeGreaterThanOrEqual(13);
      for (const [, p] of alarms) {
        expect(p.AlarmName).toMatch(/^trailwatch /);
        expect(p.AlarmActions).toEqual([{ Ref: topicId }]);
      }
    });

    it('lets CloudWatch publish to the topic for these alarms only (account and exact alarm ARNs), beside the TLS-only Deny', () => {
      const [, policy] = one(template, 'AWS::SNS::TopicPolicy');
      expect(policy.Topics).toEqual([{ Ref: topicId }]);
      const list = statements(policy.PolicyDocument);
      expect(bySid(list, 'CloudWatchAlarmsPublish')).toEqual({
        Sid: 'CloudWatchAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: topicId },
        Condition: fromTheseAlarms,
      });
      expect(list).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      expect(list).toHaveLength(2);
    });

    it('lets CloudWatch use the topic key under the same conditions, and in no other statement', () => {
      expect(template.toJSON().Resources[topicId].Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
      const list = statements(key.KeyPolicy);
      expect(bySid(list, 'CloudWatchAlarmsUseKey')).toEqual({
        Sid: 'CloudWatchAlarmsUseKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
        Condition: fromTheseAlarms,
      });
      expect(list.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch'))).toHaveLength(1);
    });
  });

  describe('log files reach the queue, and nothing else does', () => {
    const [, queuePolicy] = one(template, 'AWS::SQS::QueuePolicy', (p) =>
      JSON.stringify(p.Queues).includes(queueId),
    );
    const list = statements(queuePolicy.PolicyDocument);
    const deny = bySid(list, 'DenySendExceptLogDelivery');
    const rule = mode.existing ? one(template, 'AWS::Events::Rule') : undefined;
    const deliverer = rule ? { 'Fn::GetAtt': [rule[0], 'Arn'] } : partitionArn(`:s3:::${OWN}`);

    it('denies sqs:SendMessage to everyone but the log delivery and the named senders', () => {
      expect(deny).toEqual({
        Sid: 'DenySendExceptLogDelivery',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        Condition: {
          ArnNotEquals: { 'aws:SourceArn': deliverer },
          ...(mode.senders.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': mode.senders } } : {}),
        },
      });
    });

    it('allows the log delivery exactly what the Deny leaves it', () => {
      const allows = list.filter((s) => s.Effect === 'Allow');
      expect(allows).toHaveLength(1);
      if (mode.existing) {
        expect(allows[0]).toMatchObject({
          Principal: { Service: 'events.amazonaws.com' },
          Action: expect.arrayContaining(['sqs:SendMessage']),
          Condition: { ArnEquals: { 'aws:SourceArn': deliverer } },
        });
      } else {
        expect(allows[0]).toMatchObject({
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: {
            ArnLike: { 'aws:SourceArn': deliverer },
            StringEquals: { 'aws:SourceAccount': ACCOUNT },
          },
        });
      }
    });

    it('keeps the delivery and the named senders out of the Deny, and everyone else in it', () => {
      const statement = concrete(deny) as Statement;
      const source = mode.existing ? (concrete(deliverer) as string) : `arn:aws:s3:::${OWN}`;
      const delivery = { 'aws:SourceArn': source };
      expect(denyApplies(statement, delivery)).toBe(false);
      // S3 or EventBridge for something else: denied
      expect(denyApplies(statement, { 'aws:SourceArn': 'arn:aws:s3:::someone-elses-bucket' })).toBe(true);
      expect(denyApplies(statement, { 'aws:SourceArn': 'arn:aws:sns:us-east-1:123456789012:topic' })).toBe(
        true,
      );
      // IAM principals: only the named ones
      for (const sender of mode.senders)
        expect(denyApplies(statement, { 'aws:PrincipalArn': sender })).toBe(false);
      expect(
        denyApplies(statement, { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:role/AdministratorAccess' }),
      ).toBe(true);
      expect(denyApplies(statement, { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:root` })).toBe(true);
    });

    it(`announces ${mode.existing ? 'through EventBridge' : 'with S3 event notifications'} the files under ${mode.prefix}AWSLogs/ ending .json.gz`, () => {
      if (!mode.existing) {
        template.hasResourceProperties('AWS::S3::Bucket', {
          BucketName: OWN,
          NotificationConfiguration: {
            QueueConfigurations: [
              {
                Event: 's3:ObjectCreated:*',
                Queue: { 'Fn::GetAtt': [queueId, 'Arn'] },
                Filter: {
                  S3Key: {
                    Rules: [
                      { Name: 'prefix', Value: `${mode.prefix}AWSLogs/` },
                      { Name: 'suffix', Value: '.json.gz' },
                    ],
                  },
                },
              },
            ],
          },
        });
        expect(template.findResources('Custom::S3BucketNotifications')).toEqual({});
        expect(template.findResources('AWS::Events::Rule')).toEqual({});
        return;
      }
      const [ruleId, props] = rule as [string, Json];
      expect(props.EventPattern).toEqual({
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: {
          bucket: { name: [EXISTING] },
          object: { key: [{ wildcard: `${mode.prefix}AWSLogs/*/CloudTrail/*.json.gz` }] },
        },
      });
      expect(props.Targets).toEqual([
        {
          Id: 'Target0',
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
        },
      ]);
      expect(ruleId).toMatch(/^IngestLogFileCreated/);
      // the bucket's EventBridge flag; no S3 notification of ours in the bucket's configuration
      const [crId, cr] = one(template, 'Custom::S3BucketNotifications');
      expect(crId).toMatch(/^LogBucketEventBridge[0-9A-F]{12}$/);
      expect(cr).toEqual({
        ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^BucketNotificationsHandler/), 'Arn'] },
        BucketName: EXISTING,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
        Managed: false,
        SkipDestinationValidation: false,
      });
      // EventBridge may also put what it cannot deliver into the dead-letter queue, for this rule only
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: dlqId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
            }),
          ]),
        },
      });
    });
  });

  describe('the function reads CloudTrail files only, and writes without deleting', () => {
    const roleId = (fn.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const [policyId, policy] = one(template, 'AWS::IAM::Policy', (p) =>
      JSON.stringify(p.Roles).includes(`"${roleId}"`),
    );
    const list = statements(policy.PolicyDocument);
    const readable = `${mode.prefix}AWSLogs/*/CloudTrail/*`;

    it(`may s3:GetObject ${readable} and nothing else of the bucket`, () => {
      const s3 = list.filter((s) => JSON.stringify(s.Action).includes('s3:'));
      const resource = mode.existing
        ? partitionArn(`:s3:::${EXISTING}/${readable}`)
        : { 'Fn::Join': ['', [bucketArn, `/${readable}`]] };
      expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource }]);
    });

    it('the grant covers both CloudTrail layouts, and neither digests, Insights nor AWS Config files', () => {
      const pattern = iamPattern(readable);
      const day = 'us-east-1/2024/08/01';
      const file = `111122223333_CloudTrail_us-east-1_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz`;
      expect(`${mode.prefix}AWSLogs/111122223333/CloudTrail/${day}/${file}`).toMatch(pattern);
      expect(`${mode.prefix}AWSLogs/o-abcdef1234/111122223333/CloudTrail/${day}/${file}`).toMatch(pattern);
      for (const other of [
        `${mode.prefix}AWSLogs/111122223333/CloudTrail-Digest/${day}/x_CloudTrail-Digest_x.json.gz`,
        `${mode.prefix}AWSLogs/111122223333/CloudTrail-Insight/${day}/x.json.gz`,
        `${mode.prefix}AWSLogs/111122223333/Config/${day}/ConfigSnapshot/x.json.gz`,
        `elsewhere/AWSLogs/111122223333/CloudTrail/${day}/${file}`,
      ])
        expect(other).not.toMatch(pattern);
    });

    it('acknowledges cdk-nag IAM5 for exactly that resource, on the function policy only', () => {
      const acknowledged = stack.node
        .findAll()
        .flatMap((c) =>
          c.node.metadata
            .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
            .flatMap((m) => Object.keys(m.data as Json).map((id) => [c.node.path, id])),
        )
        .filter(([, id]) => (id as string).includes('IAM5'));
      const nag = mode.existing
        ? `arn:<AWS::Partition>:s3:::${EXISTING}/${readable}`
        : `<${ownBucket}.Arn>/${readable}`;
      expect(acknowledged).toEqual([
        ['Trailwatch/Indexer/Role/DefaultPolicy/Resource', `Annotation::AwsSolutions-IAM5[Resource::${nag}]`],
      ]);
      expect(policyId).toMatch(/^IndexerRoleDefaultPolicy/);
    });

    it('may write the table with BatchWriteItem, PutItem and UpdateItem, read it with Query, and nothing else', () => {
      const dynamodb = list.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
      expect(dynamodb.sort()).toEqual([
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(JSON.stringify(list)).not.toMatch(/dynamodb:\*|dynamodb:Delete|dynamodb:Scan|"\*"/);
    });

    it('is told the bucket and the key prefix: TRAILWATCH_LOG_BUCKET, TRAILWATCH_LOG_KEY_PREFIX', () => {
      const variables = (fn.Environment as { Variables: Json }).Variables;
      expect(variables.TRAILWATCH_LOG_BUCKET).toEqual(mode.existing ? EXISTING : { Ref: ownBucket });
      expect(variables.TRAILWATCH_LOG_KEY_PREFIX).toBe(mode.prefix);
      expect(fnId).toMatch(/^IndexerFunction/);
    });
  });
});

describe('an alarm added to the stack later', () => {
  const addAlarm =
    (alarmName?: string) =>
    (stack: Stack): void => {
      const monitoring = stack.node.findChild('Monitoring') as Monitoring;
      new Alarm(stack, 'Later', {
        ...(alarmName ? { alarmName } : {}),
        metric: new Metric({ namespace: 'Trailwatch', metricName: 'EventConflicts' }),
        threshold: 1,
        evaluationPeriods: 1,
      }).addAlarmAction(new SnsAction(monitoring.topic));
    };

  it('may publish to the topic and use its key without touching the policies', () => {
    const { template } = synth({}, { extend: addAlarm('trailwatch later alarm') });
    const later = partitionArn(`:cloudwatch:us-east-1:${ACCOUNT}:alarm:trailwatch later alarm`);
    const ownAlarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length;
    const [, topicPolicy] = one(template, 'AWS::SNS::TopicPolicy');
    const [, key] = one(template, 'AWS::KMS::Key');
    for (const [list, sid] of [
      [statements(topicPolicy.PolicyDocument), 'CloudWatchAlarmsPublish'],
      [statements(key.KeyPolicy), 'CloudWatchAlarmsUseKey'],
    ] as const) {
      const arns = bySid(list, sid).Condition?.ArnLike?.['aws:SourceArn'] as unknown[];
      expect(arns).toContainEqual(later);
      expect(arns).toHaveLength(ownAlarms);
    }
  });

  it('fails the synth when it notifies the topic without a name (its ARN would be unknown)', () => {
    expect(() => synth({}, { extend: addAlarm() })).toThrow(UnnamedAlarmError);
    expect(() => synth({}, { extend: addAlarm() })).toThrow(
      /Trailwatch\/Later\/Resource: an alarm that notifies the alarm topic needs a fixed alarmName/,
    );
  });
});

describe('the notifications custom resource of an existing bucket is never updated', () => {
  const customResource = (context: Json): [string, Json] =>
    one(synth(context).template, 'Custom::S3BucketNotifications');

  it('stays the same resource with the same properties when the key prefix changes (no Update is sent)', () => {
    const before = customResource({ 'trailwatch:existingBucketName': EXISTING });
    const after = customResource({
      'trailwatch:existingBucketName': EXISTING,
      'trailwatch:logKeyPrefix': 'o-abc123defg/',
    });
    expect(after).toEqual(before);
  });

  it('is another resource for another bucket (Create on the new one, Delete on the old one)', () => {
    const [a] = customResource({ 'trailwatch:existingBucketName': EXISTING });
    const [b] = customResource({ 'trailwatch:existingBucketName': 'other-cloudtrail-logs' });
    expect(a).not.toEqual(b);
  });
});

describe('settings of delivery', () => {
  it.each([
    ['o-abc123defg', 'o-abc123defg/'],
    ['o-abc123defg/', 'o-abc123defg/'],
    ["control_tower/logs.v2/(eu)-x!'/", "control_tower/logs.v2/(eu)-x!'/"],
  ])('normalizes trailwatch:logKeyPrefix %j to %j', (value, prefix) => {
    const { template } = synth({
      'trailwatch:existingBucketName': EXISTING,
      'trailwatch:logKeyPrefix': value,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRAILWATCH_LOG_KEY_PREFIX: prefix }) },
    });
  });

  it.each([
    [{ 'trailwatch:logKeyPrefix': '/o-abc' }, /^trailwatch:logKeyPrefix: '\/o-abc' starts with a slash/],
    [
      { 'trailwatch:logKeyPrefix': 'logs/*' },
      /^trailwatch:logKeyPrefix: 'logs\/\*' is not a trail key prefix/,
    ],
    [{ 'trailwatch:logKeyPrefix': 'a//b' }, /^trailwatch:logKeyPrefix: 'a\/\/b' is not a trail key prefix/],
    [
      { 'trailwatch:logKeyPrefix': 'ct/AWSLogs' },
      /^trailwatch:logKeyPrefix: 'ct\/AWSLogs' ends with AWSLogs\//,
    ],
    [
      { 'trailwatch:logKeyPrefix': 'x'.repeat(201) },
      /^trailwatch:logKeyPrefix: 'x+' is not a trail key prefix/,
    ],
  ])('rejects %j with the reason', (context, message) => {
    const run = (): unknown => synth({ 'trailwatch:existingBucketName': EXISTING, ...context });
    expect(run).toThrow(SettingsError);
    expect(run).toThrow(message);
  });

  it('rejects a key prefix for the bucket the stack creates (its trail writes at the top)', () => {
    expect(() => synth({ 'trailwatch:logKeyPrefix': 'ct/' })).toThrow(
      /^trailwatch:logKeyPrefix: the trail this stack creates writes under AWSLogs\/ at the top of its bucket/,
    );
  });

  it.each([
    [
      'arn:aws:sts::123456789012:assumed-role/Backfill/alice',
      /^trailwatch:queueSenderArns: 'arn:aws:sts::123456789012:assumed-role\/Backfill\/alice' is a session; give its role/,
    ],
    [
      'backfill',
      /^trailwatch:queueSenderArns: 'backfill' is not the ARN of an IAM role, IAM user or account root user/,
    ],
    [
      'arn:aws:iam::*:role/backfill',
      /^trailwatch:queueSenderArns: 'arn:aws:iam::\*:role\/backfill' is not the ARN of an IAM role/,
    ],
    [
      'arn:aws:s3:::bucket',
      /^trailwatch:queueSenderArns: 'arn:aws:s3:::bucket' is not the ARN of an IAM role/,
    ],
  ])('rejects the sender %j with the reason', (value, message) => {
    const run = (): unknown => synth({ 'trailwatch:queueSenderArns': value });
    expect(run).toThrow(SettingsError);
    expect(run).toThrow(message);
  });

  it('takes role paths, account roots and wildcards in role names as senders', () => {
    const senders = [
      'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_SecOps_*',
      'arn:aws:iam::210987654321:root',
      'arn:aws-us-gov:iam::123456789012:user/ops/bob',
    ];
    const { template } = synth({ 'trailwatch:queueSenderArns': senders.join(',') });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DenySendExceptLogDelivery',
            Condition: Match.objectLike({ ArnNotLike: { 'aws:PrincipalArn': senders } }),
          }),
        ]),
      },
    });
  });
});

const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;

// the modes test/infra/guardrails.test.ts does not synthesize: backfill senders, a key prefix
describe.each(MODES.filter((m) => m.senders.length > 0))('guardrails with $name', (mode) => {
  it('has no unacknowledged cdk-nag finding (AwsSolutions and Serverless)', () => {
    expect(() => synth(mode.context, { nag: true })).not.toThrow();
  });

  (cfnLint ? it : it.skip)(
    `cfn-lint finds no error${cfnLint ? '' : ' (skipped: the cfn-lint command is not installed)'}`,
    () => {
      const outdir = mkdtempSync(join(tmpdir(), 'trailwatch-cfn-'));
      try {
        synth(mode.context, { outdir }).app.synth();
        const run = spawnSync(
          'cfn-lint',
          ['--format', 'parseable', join(outdir, 'Trailwatch.template.json')],
          {
            encoding: 'utf8',
          },
        );
        const errors = run.stdout.split('\n').filter((l) => /:E\d+:/.test(l));
        expect({ errorBit: (run.status ?? -1) & 2, errors }).toEqual({ errorBit: 0, errors: [] });
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    },
  );
});
