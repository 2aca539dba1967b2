import { Match } from 'aws-cdk-lib/assertions';
import { queueNotification } from '../helpers/s3-notification';
import { defaultStack } from '../helpers/stack';
import { synth } from '../helpers/synth';

/** The stack from the trail to the queue: the trail, the log bucket and the queue, for a new bucket, an existing bucket and an organization trail. */

describe('the stack, default settings (a new trail and bucket)', () => {
  const { template, bucket, trail, fnId, queueId, dlqId, trailArn } = defaultStack();

  it('creates a multi-region trail with global service events and log file validation', () => {
    expect(trail.props).toMatchObject({
      TrailName: 'Trailwatch-trail',
      IsLogging: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      IsOrganizationTrail: false,
      S3BucketName: { Ref: bucket },
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'All' }],
    });
    expect(trail.props.AdvancedEventSelectors).toBeUndefined();
  });

  it('locks the log bucket down: no public access, encryption, versioning, access logs, lifecycle', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: Match.anyValue() },
        LogFilePrefix: 'trail-bucket/',
      },
      LifecycleConfiguration: {
        Rules: [
          Match.objectLike({
            Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
          }),
        ],
      },
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
      DeletionPolicy: 'Retain',
    });
  });

  it('lets only this trail write to the bucket (aws:SourceArn), over TLS only', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Sid: 'CloudTrailAclCheck',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:GetBucketAcl',
            Resource: { 'Fn::GetAtt': [bucket, 'Arn'] },
            Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
          },
          {
            Sid: 'CloudTrailWrite',
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/AWSLogs/123456789012/*']] },
            Condition: {
              StringEquals: { 'aws:SourceArn': trailArn, 's3:x-amz-acl': 'bucket-owner-full-control' },
            },
          },
        ]),
      },
    });
  });

  it('announces new AWSLogs/…json.gz objects on the queue, as bucket configuration, once S3 may send', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketName: 'trailwatch-logs-123456789012-us-east-1',
        NotificationConfiguration: queueNotification(queueId),
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('^IngestQueuePolicy')]),
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: {
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    ['arn:', { Ref: 'AWS::Partition' }, ':s3:::trailwatch-logs-123456789012-us-east-1'],
                  ],
                },
              },
              StringEquals: { 'aws:SourceAccount': '123456789012' },
            },
          },
        ]),
      },
    });
    // no custom resource (and no Lambda) needed for an own bucket
    expect(template.findResources('Custom::S3BucketNotifications')).toEqual({});
    expect(Object.keys(template.findResources('AWS::Lambda::Function'))).toEqual([fnId]);
  });

  it('has an encrypted, TLS-only queue with a redrive policy to an encrypted dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 1800,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    for (const q of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: q }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });
});

describe('the stack with trailwatch:existingBucketName', () => {
  const { template } = synth({ 'trailwatch:existingBucketName': 'org-cloudtrail-logs' });

  it('creates no trail and no bucket, and feeds the queue from the existing bucket (through EventBridge)', () => {
    expect(template.findResources('AWS::CloudTrail::Trail')).toEqual({});
    expect(template.findResources('AWS::S3::Bucket')).toEqual({});
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: 'org-cloudtrail-logs',
      NotificationConfiguration: { EventBridgeConfiguration: {} },
      Managed: false,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ source: ['aws.s3'], 'detail-type': ['Object Created'] }),
    });
  });

  it('lets the function read only the CloudTrail files under AWSLogs/ of the existing bucket', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 's3:GetObject',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':s3:::org-cloudtrail-logs/AWSLogs/*/CloudTrail/*'],
              ],
            },
          },
        ]),
      },
    });
  });

  it('outputs the bucket name and no TrailArn', () => {
    const outputs = template.findOutputs('*');
    expect(outputs.BucketName?.Value).toBe('org-cloudtrail-logs');
    expect(outputs.TrailArn).toBeUndefined();
  });
});

describe('the stack with trailwatch:organizationTrail', () => {
  const { template } = synth({
    'trailwatch:organizationTrail': 'true',
    'trailwatch:organizationId': 'o-abcdef1234',
  });

  it('creates an organization trail and lets it write under AWSLogs/<org-id>/', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsOrganizationTrail: true,
      IsMultiRegionTrail: true,
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudTrailWrite',
            Resource: [
              { 'Fn::Join': ['', [Match.anyValue(), '/AWSLogs/123456789012/*']] },
              { 'Fn::Join': ['', [Match.anyValue(), '/AWSLogs/o-abcdef1234/*']] },
            ],
          }),
        ]),
      },
    });
  });
});
