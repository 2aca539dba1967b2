import { App, CliCredentialsStackSynthesizer } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../../lib/settings';
import { TrailwatchStack } from '../../lib/trailwatch-stack';
import { ENV, synth } from '../helpers/synth';

/**
 * The log bucket and its trail: who may write log files (forgery), who may delete them or change the
 * bucket's policy, lifecycle, versioning and Object Lock (erasure), the KMS key the trail encrypts
 * with, and the organization trail of a delegated administrator.
 */

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const ACCOUNT = ENV.account;
const MGMT = '111122223333';
const ORG = 'o-abcdef1234';
const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const RESTORE_ROLE = 'arn:aws:iam::123456789012:role/log-restore';
const OPERATOR = 'arn:aws:iam::123456789012:user/ops/alice';

const partitioned = (rest: string): Json => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
const trailArn = (account = ACCOUNT): Json =>
  partitioned(`:cloudtrail:us-east-1:${account}:trail/Trailwatch-trail`);
const deployRole = (qualifier = 'hnb659fds'): Json =>
  partitioned(`:iam::${ACCOUNT}:role/cdk-${qualifier}-cfn-exec-role-${ACCOUNT}-us-east-1`);

function resources(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type) as Record<string, Json>);
}

/** The logical ID of the log bucket (the versioned one; the access-log bucket is not). */
function logBucketId(template: Template): string {
  const found = resources(template, 'AWS::S3::Bucket').filter(
    ([, r]) => (r.Properties as Json).VersioningConfiguration !== undefined,
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, Json])[0];
}

const logObjects = (bucket: string, suffix = '/AWSLogs/*'): Json => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, suffix]],
});

/** The statements of the log bucket's policy. */
function bucketStatements(template: Template): Statement[] {
  const bucket = logBucketId(template);
  const policies = resources(template, 'AWS::S3::BucketPolicy').filter(
    ([, r]) => JSON.stringify((r.Properties as Json).Bucket) === JSON.stringify({ Ref: bucket }),
  );
  expect(policies).toHaveLength(1);
  const [, policy] = policies[0] as [string, Json];
  return ((policy.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement;
}

function bySid(statements: Statement[], sid: string): Statement | undefined {
  const found = statements.filter((s) => s.Sid === sid);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0];
}

const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Statements of every IAM policy in the template. */
function iamStatements(template: Template): Statement[] {
  return resources(template, 'AWS::IAM::Policy').flatMap(
    ([, r]) => ((r.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

function trailProps(template: Template): Json {
  const trails = resources(template, 'AWS::CloudTrail::Trail');
  expect(trails).toHaveLength(1);
  return (trails[0] as [string, Json])[1].Properties as Json;
}

/** The KMS key the stack creates for the logs (the alarm topic has a key of its own). */
function logsKey(template: Template): [string, Json] | undefined {
  const keys = resources(template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('TrailLogsLogsKey'));
  expect(keys.length).toBeLessThanOrEqual(1);
  return keys[0];
}

function expectRejected(context: Record<string, unknown>, message: RegExp): void {
  expect(() => synth(context)).toThrow(SettingsError);
  expect(() => synth(context)).toThrow(message);
}

describe('the log bucket, default settings', () => {
  const { template } = synth();
  const bucket = logBucketId(template);
  const statements = bucketStatements(template);

  it('denies writing under AWSLogs/ to every principal but the CloudTrail service writing for this trail', () => {
    expect(bySid(statements, 'DenyLogWritesButThisTrail')).toEqual({
      Sid: 'DenyLogWritesButThisTrail',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:PutObject', 's3:ReplicateObject'],
      Resource: logObjects(bucket),
      Condition: { StringNotEquals: { 'aws:SourceArn': trailArn() } },
    });
    // the one Allow to write names the same trail, under the prefix the Deny covers
    const write = bySid(statements, 'CloudTrailWrite');
    expect(write?.Condition?.StringEquals?.['aws:SourceArn']).toEqual(trailArn());
    expect(write?.Resource).toEqual(logObjects(bucket, `/AWSLogs/${ACCOUNT}/*`));
  });

  it('denies deleting log objects or their versions to everyone, bypassing governance retention too', () => {
    expect(bySid(statements, 'DenyLogDeletes')).toEqual({
      Sid: 'DenyLogDeletes',
      Effect: 'Deny',
      Principal: '*',
      Action: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'],
      Resource: logObjects(bucket),
    });
  });

  it('denies changing the bucket policy, lifecycle, versioning and Object Lock to all but the CDK bootstrap execution role', () => {
    expect(bySid(statements, 'DenyBucketConfigChangesButDeployRole')).toEqual({
      Sid: 'DenyBucketConfigChangesButDeployRole',
      Effect: 'Deny',
      Principal: '*',
      Action: [
        's3:PutBucketPolicy',
        's3:DeleteBucketPolicy',
        's3:PutLifecycleConfiguration',
        's3:PutBucketVersioning',
        's3:PutBucketObjectLockConfiguration',
      ],
      Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': deployRole() } },
    });
  });

  it('denies nothing CloudTrail delivery needs, except to other trails', () => {
    const delivery = ['s3:GetBucketAcl', 's3:PutObject'];
    const denying = statements.filter(
      (s) =>
        s.Effect === 'Deny' &&
        s.Condition?.Bool?.['aws:SecureTransport'] !== 'false' &&
        actionsOf(s).some((a) => delivery.includes(a) || a === 's3:*'),
    );
    expect(denying.map((s) => s.Sid)).toEqual(['DenyLogWritesButThisTrail']);
    expect(denying.map((s) => s.Condition?.StringNotEquals?.['aws:SourceArn'])).toEqual([trailArn()]);
  });

  it('keeps old versions 90 days, without Object Lock', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } })],
      },
    });
    const [, props] = resources(template, 'AWS::S3::Bucket').find(([id]) => id === bucket) as [string, Json];
    expect((props.Properties as Json).ObjectLockEnabled).toBeUndefined();
    expect((props.Properties as Json).ObjectLockConfiguration).toBeUndefined();
  });

  it('leaves the log files SSE-S3: no key on the trail, no logs key, no kms:Decrypt for the function', () => {
    expect(trailProps(template).KMSKeyId).toBeUndefined();
    expect(logsKey(template)).toBeUndefined();
    expect(iamStatements(template).flatMap(actionsOf)).not.toContain('kms:Decrypt');
  });
});

describe('the deploying role', () => {
  it('is the execution role of the bootstrap qualifier the stack is synthesized with', () => {
    const { template } = synth({ '@aws-cdk/core:bootstrapQualifier': 'secops1' });
    expect(
      bySid(bucketStatements(template), 'DenyBucketConfigChangesButDeployRole')?.Condition?.ArnNotEquals,
    ).toEqual({ 'aws:PrincipalArn': deployRole('secops1') });
  });

  it("is unknown with a synthesizer that deploys with the caller's credentials: no such Deny, and a warning", () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new TrailwatchStack(app, 'Trailwatch', {
      env: ENV,
      synthesizer: new CliCredentialsStackSynthesizer(),
    });
    const statements = bucketStatements(Template.fromStack(stack));
    expect(statements.map((s) => s.Sid).filter((sid) => sid?.startsWith('Deny'))).toEqual([
      'DenyLogWritesButThisTrail',
      'DenyLogDeletes',
    ]);
    Annotations.fromStack(stack).hasWarning(
      '/Trailwatch/TrailLogs',
      Match.stringLikeRegexp('names no CloudFormation execution role'),
    );
  });
});

describe('trailwatch:logWriterPrincipalArns', () => {
  it('excepts the named roles and users (aws:PrincipalArn) from the write Deny, and no one else', () => {
    const { template } = synth({ 'trailwatch:logWriterPrincipalArns': `${RESTORE_ROLE}, ${OPERATOR}` });
    expect(bySid(bucketStatements(template), 'DenyLogWritesButThisTrail')?.Condition).toEqual({
      StringNotEquals: { 'aws:SourceArn': trailArn() },
      ArnNotEquals: { 'aws:PrincipalArn': [RESTORE_ROLE, OPERATOR] },
    });
  });

  it.each([
    [
      'a wildcard',
      'arn:aws:iam::123456789012:role/*',
      /'arn:aws:iam::123456789012:role\/\*' is not the ARN of an IAM role or user/,
    ],
    [
      'a session ARN',
      'arn:aws:sts::123456789012:assumed-role/ops/alice',
      /'arn:aws:sts::123456789012:assumed-role\/ops\/alice' is not the ARN of an IAM role or user/,
    ],
    ['an account', '123456789012', /'123456789012' is not the ARN of an IAM role or user/],
  ])('rejects %s', (_name, value, message) => {
    expectRejected(
      { 'trailwatch:logWriterPrincipalArns': value },
      new RegExp(`^trailwatch:logWriterPrincipalArns: ${message.source}`),
    );
  });

  it('is refused with an existing bucket, whose policy the stack does not manage', () => {
    expectRejected(
      {
        'trailwatch:existingBucketName': 'org-cloudtrail-logs',
        'trailwatch:logWriterPrincipalArns': RESTORE_ROLE,
      },
      /^trailwatch:logWriterPrincipalArns: it applies to the bucket this stack creates, but with trailwatch:existingBucketName it creates none/,
    );
  });
});

describe('trailwatch:objectLockMode and trailwatch:objectLockDays', () => {
  const lockOf = (template: Template): Json => {
    const bucket = logBucketId(template);
    const [, r] = resources(template, 'AWS::S3::Bucket').find(([id]) => id === bucket) as [string, Json];
    const p = r.Properties as Json;
    return {
      ObjectLockEnabled: p.ObjectLockEnabled,
      ObjectLockConfiguration: p.ObjectLockConfiguration,
      NoncurrentDays: (
        p.LifecycleConfiguration as { Rules: { NoncurrentVersionExpiration?: { NoncurrentDays: number } }[] }
      ).Rules[0]?.NoncurrentVersionExpiration?.NoncurrentDays,
    };
  };

  it.each([
    [
      'governance, 365 days by default',
      { 'trailwatch:objectLockMode': 'governance' },
      'GOVERNANCE',
      365,
      365,
    ],
    [
      'compliance for 30 days (old versions still kept 90)',
      { 'trailwatch:objectLockMode': 'COMPLIANCE', 'trailwatch:objectLockDays': 30 },
      'COMPLIANCE',
      30,
      90,
    ],
    [
      'compliance for 7 years',
      { 'trailwatch:objectLockMode': 'compliance', 'trailwatch:objectLockDays': '2557' },
      'COMPLIANCE',
      2557,
      2557,
    ],
  ])(
    'locks new log files in %s, and keeps old versions at least as long',
    (_name, context, mode, days, noncurrent) => {
      expect(lockOf(synth(context).template)).toEqual({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: mode, Days: days } },
        },
        NoncurrentDays: noncurrent,
      });
    },
  );

  it('is off without a mode, whatever the days (cdk.json lists a default)', () => {
    expect(
      lockOf(synth({ 'trailwatch:objectLockMode': '', 'trailwatch:objectLockDays': 365 }).template),
    ).toEqual({
      ObjectLockEnabled: undefined,
      ObjectLockConfiguration: undefined,
      NoncurrentDays: 90,
    });
  });

  it('keeps the Deny statements with a lock on', () => {
    const sids = bucketStatements(synth({ 'trailwatch:objectLockMode': 'compliance' }).template).map(
      (s) => s.Sid,
    );
    expect(sids).toEqual(
      expect.arrayContaining([
        'DenyLogWritesButThisTrail',
        'DenyLogDeletes',
        'DenyBucketConfigChangesButDeployRole',
      ]),
    );
  });

  it.each([
    [
      { 'trailwatch:objectLockMode': 'legal-hold' },
      /^trailwatch:objectLockMode: expected governance or compliance \(or nothing: no Object Lock\), got 'legal-hold'/,
    ],
    [
      { 'trailwatch:objectLockMode': 'governance', 'trailwatch:objectLockDays': 0 },
      /^trailwatch:objectLockDays: expected a whole number of days from 1 to 36500, got '0'/,
    ],
    [
      { 'trailwatch:objectLockDays': 'a year' },
      /^trailwatch:objectLockDays: expected a whole number of days from 1 to 36500, got 'a year'/,
    ],
    [
      { 'trailwatch:existingBucketName': 'org-cloudtrail-logs', 'trailwatch:objectLockMode': 'governance' },
      /^trailwatch:objectLockMode: S3 Object Lock applies to the bucket this stack creates, but with trailwatch:existingBucketName it creates none/,
    ],
  ])('rejects %j with a message that says what to fix', (context, message) => {
    expectRejected(context, message);
  });
});

describe('trailwatch:createLogsKmsKey', () => {
  const { template } = synth({ 'trailwatch:createLogsKmsKey': true });
  const [keyId, key] = logsKey(template) as [string, Json];

  it('creates a retained key with rotation, and the trail encrypts its log files with it', () => {
    expect(key).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(trailProps(template).KMSKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    template.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/Trailwatch/logs',
      TargetKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
  });

  it('lets CloudTrail generate data keys for this trail only, and describe the key', () => {
    const statements = ((key.Properties as Json).KeyPolicy as { Statement: Statement[] }).Statement;
    expect(bySid(statements, 'CloudTrailEncryptLogs')).toEqual({
      Sid: 'CloudTrailEncryptLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:GenerateDataKey*',
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceArn': trailArn() },
        StringLike: {
          'kms:EncryptionContext:aws:cloudtrail:arn': partitioned(
            `:cloudtrail:*:${ACCOUNT}:trail/Trailwatch-trail`,
          ),
        },
      },
    });
    expect(bySid(statements, 'CloudTrailDescribeKey')).toEqual({
      Sid: 'CloudTrailDescribeKey',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 'kms:DescribeKey',
      Resource: '*',
      Condition: { StringEquals: { 'aws:SourceArn': trailArn() } },
    });
    // no other service and no one outside the account is named
    const principals = statements.map((s) => JSON.stringify(s.Principal));
    expect(new Set(principals)).toEqual(
      new Set([
        JSON.stringify({ AWS: partitioned(`:iam::${ACCOUNT}:root`) }),
        JSON.stringify({ Service: 'cloudtrail.amazonaws.com' }),
      ]),
    );
  });

  it('lets the function decrypt with it through S3 only', () => {
    expect(iamStatements(template).filter((s) => actionsOf(s).includes('kms:Decrypt'))).toEqual([
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
      },
    ]);
  });
});

describe('trailwatch:logsKmsKeyArn', () => {
  const decryptWith = (template: Template): Statement[] =>
    iamStatements(template).filter((s) => actionsOf(s).includes('kms:Decrypt'));
  const decryptStatement = {
    Effect: 'Allow',
    Action: 'kms:Decrypt',
    Resource: KEY_ARN,
    Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } },
  };

  it('with a new bucket: the trail encrypts with the key, the function decrypts with it, no key is created', () => {
    const { template } = synth({ 'trailwatch:logsKmsKeyArn': KEY_ARN });
    expect(trailProps(template).KMSKeyId).toBe(KEY_ARN);
    expect(logsKey(template)).toBeUndefined();
    expect(decryptWith(template)).toEqual([decryptStatement]);
  });

  it("with an existing bucket: the function decrypts the bucket's log files with the key", () => {
    const { template } = synth({
      'trailwatch:existingBucketName': 'org-cloudtrail-logs',
      'trailwatch:logsKmsKeyArn': KEY_ARN,
    });
    expect(template.findResources('AWS::CloudTrail::Trail')).toEqual({});
    expect(decryptWith(template)).toEqual([decryptStatement]);
  });

  it('with an existing bucket and no key: no kms:Decrypt', () => {
    const { template } = synth({ 'trailwatch:existingBucketName': 'org-cloudtrail-logs' });
    expect(decryptWith(template)).toEqual([]);
  });

  it.each([
    [
      { 'trailwatch:logsKmsKeyArn': 'arn:aws:kms:us-east-1:123456789012:alias/trail' },
      /^trailwatch:logsKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias\/trail' is not a KMS key ARN/,
    ],
    [
      { 'trailwatch:logsKmsKeyArn': '1234abcd-12ab-34cd-56ef-1234567890ab' },
      /^trailwatch:logsKmsKeyArn: '1234abcd-12ab-34cd-56ef-1234567890ab' is not a KMS key ARN/,
    ],
    [
      { 'trailwatch:logsKmsKeyArn': KEY_ARN.replace('us-east-1', 'eu-west-1') },
      /^trailwatch:logsKmsKeyArn: the key is in eu-west-1 but the stack and its bucket are in us-east-1/,
    ],
    [
      { 'trailwatch:logsKmsKeyArn': KEY_ARN, 'trailwatch:createLogsKmsKey': true },
      /^trailwatch:createLogsKmsKey: the stack would create a key, but trailwatch:logsKmsKeyArn names one; remove one of the two/,
    ],
    [
      { 'trailwatch:existingBucketName': 'org-cloudtrail-logs', 'trailwatch:createLogsKmsKey': 'true' },
      /^trailwatch:createLogsKmsKey: a key for the trail this stack creates applies to the bucket this stack creates, but with trailwatch:existingBucketName it creates none/,
    ],
    [
      { 'trailwatch:createLogsKmsKey': 'sometimes' },
      /^trailwatch:createLogsKmsKey: expected true or false, got 'sometimes'/,
    ],
  ])('rejects %j with a message that says what to fix', (context, message) => {
    expectRejected(context, message);
  });
});

describe('an organization trail', () => {
  const org = { 'trailwatch:organizationTrail': true, 'trailwatch:organizationId': ORG };

  it("from the management account: this account's trail, under AWSLogs/<account>/ and AWSLogs/<org-id>/", () => {
    const { template } = synth(org);
    const bucket = logBucketId(template);
    const statements = bucketStatements(template);
    expect(bySid(statements, 'CloudTrailWrite')?.Resource).toEqual([
      logObjects(bucket, `/AWSLogs/${ACCOUNT}/*`),
      logObjects(bucket, `/AWSLogs/${ORG}/*`),
    ]);
    expect(bySid(statements, 'DenyLogWritesButThisTrail')).toMatchObject({
      Resource: logObjects(bucket),
      Condition: { StringNotEquals: { 'aws:SourceArn': trailArn() } },
    });
  });

  describe('created by a delegated administrator (trailwatch:managementAccountId)', () => {
    const { template } = synth({
      ...org,
      'trailwatch:managementAccountId': MGMT,
      'trailwatch:createLogsKmsKey': true,
    });
    const bucket = logBucketId(template);
    const statements = bucketStatements(template);

    it('names the trail in the management account wherever aws:SourceArn is checked', () => {
      expect(bySid(statements, 'CloudTrailAclCheck')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT) },
      });
      expect(bySid(statements, 'CloudTrailWrite')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT), 's3:x-amz-acl': 'bucket-owner-full-control' },
      });
      expect(bySid(statements, 'DenyLogWritesButThisTrail')?.Condition).toEqual({
        StringNotEquals: { 'aws:SourceArn': trailArn(MGMT) },
      });
      const keyStatements = (
        ((logsKey(template) as [string, Json])[1].Properties as Json).KeyPolicy as {
          Statement: Statement[];
        }
      ).Statement;
      expect(bySid(keyStatements, 'CloudTrailEncryptLogs')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT) },
        StringLike: {
          'kms:EncryptionContext:aws:cloudtrail:arn': partitioned(
            `:cloudtrail:*:${MGMT}:trail/Trailwatch-trail`,
          ),
        },
      });
      expect(bySid(keyStatements, 'CloudTrailDescribeKey')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT) },
      });
      expect(template.findOutputs('TrailArn').TrailArn?.Value).toEqual(trailArn(MGMT));
    });

    it('lets it write under AWSLogs/<management account>/ and AWSLogs/<org-id>/, as CloudTrail writes', () => {
      expect(bySid(statements, 'CloudTrailWrite')?.Resource).toEqual([
        logObjects(bucket, `/AWSLogs/${MGMT}/*`),
        logObjects(bucket, `/AWSLogs/${ORG}/*`),
      ]);
    });

    it('still lets only the deploying role of this (delegated administrator) account change the bucket', () => {
      expect(bySid(statements, 'DenyBucketConfigChangesButDeployRole')?.Condition).toEqual({
        ArnNotEquals: { 'aws:PrincipalArn': deployRole() },
      });
    });
  });

  it.each([
    [
      { 'trailwatch:managementAccountId': MGMT },
      /^trailwatch:managementAccountId: it names the management account of an organization trail; set trailwatch:organizationTrail=true or remove it/,
    ],
    [
      { ...org, 'trailwatch:managementAccountId': '1111-2222-3333' },
      /^trailwatch:managementAccountId: expected a 12-digit AWS account ID, got '1111-2222-3333'/,
    ],
  ])('rejects %j with a message that says what to fix', (context, message) => {
    expectRejected(context, message);
  });
});

describe('an existing bucket', () => {
  it("gets no bucket policy from the stack (its policy is its owner's)", () => {
    const { template } = synth({ 'trailwatch:existingBucketName': 'org-cloudtrail-logs' });
    expect(template.findResources('AWS::S3::BucketPolicy')).toEqual({});
  });
});
