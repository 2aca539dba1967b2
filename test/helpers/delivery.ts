import type { Template } from 'aws-cdk-lib/assertions';
import { synth } from './synth';

/**
 * Who may deliver what to whom, on the synthesized template, in every mode: CloudWatch alarms to
 * the alarm topic (and its key), log files to the ingest queue (S3 or EventBridge, and the named
 * senders only), and what the function may read and write.
 */

export type Json = Record<string, unknown>;
export type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export const ACCOUNT = '123456789012';
export const SENDERS = [
  'arn:aws:iam::123456789012:role/trailwatch-backfill',
  'arn:aws:iam::123456789012:user/ops',
];
export const EXISTING = 'org-cloudtrail-logs';
export const OWN = 'trailwatch-logs-123456789012-us-east-1';
export const partitionArn = (rest: string): Json => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]],
});

export interface Mode {
  readonly name: string;
  readonly context: Json;
  /** The trail's key prefix in front of AWSLogs/. */
  readonly prefix: string;
  readonly existing: boolean;
  readonly senders: readonly string[];
}

export const MODES: readonly Mode[] = [
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

export function resources(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type) as Record<string, { Properties?: Json }>).map(
    ([id, r]) => [id, r.Properties ?? {}],
  );
}

export function one(
  template: Template,
  type: string,
  predicate: (p: Json) => boolean = () => true,
): [string, Json] {
  const found = resources(template, type).filter(([, p]) => predicate(p));
  expect(found).toHaveLength(1);
  return found[0] as [string, Json];
}

export function statements(document: unknown): Statement[] {
  return (document as { Statement: Statement[] }).Statement;
}

export function bySid(list: Statement[], sid: string): Statement {
  const found = list.filter((s) => s.Sid === sid);
  expect(found).toHaveLength(1);
  return found[0] as Statement;
}

/** An IAM resource pattern (`*` any characters, `/` included; `?` one) as a regular expression. */
export function iamPattern(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** A template value with its intrinsics filled in as CloudFormation would (a rule's ARN made up). */
export function concrete(value: unknown): unknown {
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
export function denyApplies(statement: Statement, request: Record<string, string | undefined>): boolean {
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

/** The resources every delivery test of a mode looks at, from one synth of the mode. */
export function deliveryOf(mode: Mode) {
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
  return {
    template,
    stack,
    topicId,
    keyId,
    key,
    queueId,
    dlqId,
    fnId,
    fn,
    ownBucket,
    bucketArn,
    alarms,
    alarmArns,
    fromTheseAlarms,
  };
}
