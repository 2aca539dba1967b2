import { App, CliCredentialsStackSynthesizer } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { TrailwatchStack } from '../../lib/trailwatch-stack';
import {
  ACCOUNT,
  actionsOf,
  bucketStatements,
  bySid,
  deployRole,
  expectRejected,
  iamStatements,
  type Json,
  logBucketId,
  logObjects,
  logsKey,
  OPERATOR,
  RESTORE_ROLE,
  resources,
  trailArn,
  trailProps,
} from '../helpers/log-bucket';
import { ENV, synth } from '../helpers/synth';

/** The log bucket: who may write log files (forgery), who may delete them or change the bucket's policy (erasure), and the deploying role. */

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

describe('an existing bucket', () => {
  it("gets no bucket policy from the stack (its policy is its owner's)", () => {
    const { template } = synth({ 'trailwatch:existingBucketName': 'org-cloudtrail-logs' });
    expect(template.findResources('AWS::S3::BucketPolicy')).toEqual({});
  });
});
