import type { Template } from 'aws-cdk-lib/assertions';
import {
  ACCOUNT,
  actionsOf,
  bySid,
  expectRejected,
  iamStatements,
  type Json,
  KEY_ARN,
  logsKey,
  partitioned,
  type Statement,
  trailArn,
  trailProps,
} from '../helpers/log-bucket';
import { synth } from '../helpers/synth';

/** The KMS key the trail encrypts log files with: created by the stack, or given. */

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
