import { Match, type Template } from 'aws-cdk-lib/assertions';
import { RULE_IDS } from '../../lambda/core/rules';
import { SettingsError } from '../../lib/settings';
import { synth } from '../helpers/synth';

type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string }
>;

function only(template: Template, type: string): { id: string; props: Record<string, unknown> } {
  const found = Object.entries(template.findResources(type) as Resources);
  expect(found).toHaveLength(1);
  const [id, r] = found[0] as [string, Resources[string]];
  return { id, props: r.Properties ?? {} };
}

function logicalId(
  template: Template,
  type: string,
  predicate: (props: Record<string, unknown>) => boolean = () => true,
): string {
  const found = Object.entries(template.findResources(type) as Resources).filter(([, r]) =>
    predicate(r.Properties ?? {}),
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, unknown])[0];
}

describe('the stack, default settings (a new trail and bucket)', () => {
  const { template } = synth();
  const bucket = logicalId(template, 'AWS::S3::Bucket', (p) => p.VersioningConfiguration !== undefined);
  const trail = only(template, 'AWS::CloudTrail::Trail');
  const fnId = logicalId(template, 'AWS::Lambda::Function', (p) => p.Runtime === 'nodejs22.x');
  const tableId = logicalId(template, 'AWS::DynamoDB::Table');
  const queueId = logicalId(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy !== undefined);
  const dlqId = logicalId(template, 'AWS::SQS::Queue', (p) => p.RedrivePolicy === undefined);
  const topicId = logicalId(template, 'AWS::SNS::Topic');
  const trailArn = {
    'Fn::Join': [
      '',
      ['arn:', { Ref: 'AWS::Partition' }, ':cloudtrail:us-east-1:123456789012:trail/Trailwatch-trail'],
    ],
  };

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
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Queue: { 'Fn::GetAtt': [queueId, 'Arn'] },
              Filter: {
                S3Key: {
                  Rules: [
                    { Name: 'prefix', Value: 'AWSLogs/' },
                    { Name: 'suffix', Value: '.json.gz' },
                  ],
                },
              },
            },
          ],
        },
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

  it('runs the function on Node.js 22, arm64, sized for large files, with its settings in the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 300,
      Handler: 'index.handler',
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('IndexerLogs') } },
      Environment: {
        Variables: Match.objectLike({
          TABLE_NAME: { Ref: tableId },
          TRAILWATCH_INCLUDE_READ_ONLY: 'false',
          TRAILWATCH_RETENTION_DAYS: '365',
          TRAILWATCH_ALLOWED_SSH_CIDRS: '',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('consumes the queue with partial batch responses and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('grants the function least privilege: log files under AWSLogs/, this table, this queue, its own logs', () => {
    const fn = template.findResources('AWS::Lambda::Function') as Resources;
    const roleRef = fn[fnId]?.Properties?.Role as { 'Fn::GetAtt': string[] } | undefined;
    const role = roleRef?.['Fn::GetAtt'][0] as string;
    const roles = template.findResources('AWS::IAM::Role') as Resources;
    expect(roles[role]?.Properties?.ManagedPolicyArns).toBeUndefined();
    const policies = Object.values(template.findResources('AWS::IAM::Policy') as Resources).filter((p) =>
      ((p.Properties?.Roles as { Ref: string }[]) ?? []).some((r) => r.Ref === role),
    );
    expect(policies).toHaveLength(1);
    const document = policies[0]?.Properties?.PolicyDocument as
      | { Statement: Record<string, unknown>[] }
      | undefined;
    const statements = (document?.Statement ?? []).map((s) => ({
      Action: s.Action,
      Resource: s.Resource,
    }));
    expect(statements).toEqual(
      expect.arrayContaining([
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^IndexerLogs/), 'Arn'] },
        },
        {
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/AWSLogs/*/CloudTrail/*']] },
        },
        {
          Action: ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
          Resource: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
        },
        {
          Action: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueUrl',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
          ],
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        },
      ]),
    );
    expect(statements).toHaveLength(4);
    expect(JSON.stringify(statements)).not.toMatch(/dynamodb:Scan|s3:\*|"\*"/);
  });

  it('keeps the table with the key schema of the store module, on demand, with PITR, TTL and deletion protection', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
      },
    });
    expect(template.findResources('AWS::DynamoDB::GlobalTable')).toEqual({});
  });

  it('raises one alarm per rule on SuspiciousSshKeys (Sum >= 1 over 5 minutes, missing data not breaching) to the topic', () => {
    for (const rule of RULE_IDS) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `trailwatch ${rule}`,
        Namespace: 'Trailwatch',
        MetricName: 'SuspiciousSshKeys',
        Dimensions: [{ Name: 'Rule', Value: rule }],
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicId }],
      });
    }
  });

  it('raises the operational alarms: dead letters, function errors, no log file processed, event conflicts', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Threshold: 1,
      AlarmActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Trailwatch',
      MetricName: 'FilesProcessed',
      Statistic: 'Sum',
      Period: 7200,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: topicId }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'trailwatch event conflicts',
      Namespace: 'Trailwatch',
      MetricName: 'EventConflicts',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topicId }],
    });
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toHaveLength(RULE_IDS.length + 4);
  });

  it('notifies one KMS-encrypted, TLS-only topic that CloudWatch may publish to, and shows a dashboard', () => {
    const key = logicalId(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(template.findResources('AWS::SNS::Subscription')).toEqual({});
    const dashboard = only(template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(dashboard.props.DashboardBody);
    for (const text of [
      'SuspiciousSshKeys',
      'FilesProcessed',
      'EventsIndexed',
      'ApproximateNumberOfMessagesVisible',
      'Errors',
    ])
      expect(body).toContain(text);
  });

  it('outputs TableName, BucketName, QueueUrl, DeadLetterQueueUrl, AlarmTopicArn, FunctionName and TrailArn', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs).sort()).toEqual([
      'AlarmTopicArn',
      'BucketName',
      'DeadLetterQueueUrl',
      'FunctionName',
      'QueueUrl',
      'TableName',
      'TrailArn',
    ]);
    expect(outputs.TableName?.Value).toEqual({ Ref: tableId });
    expect(outputs.BucketName?.Value).toEqual({ Ref: bucket });
    expect(outputs.QueueUrl?.Value).toEqual({ Ref: queueId });
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual({ Ref: dlqId });
    expect(outputs.AlarmTopicArn?.Value).toEqual({ Ref: topicId });
    expect(outputs.FunctionName?.Value).toEqual({ Ref: fnId });
    expect(outputs.TrailArn?.Value).toEqual(trailArn);
    expect(trail.id).toMatch(/^TrailLogsTrail/);
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

describe('settings', () => {
  it('passes retention, read-only indexing, allowed CIDRs and privileged OS users to the function', () => {
    const { template } = synth({
      'trailwatch:retentionDays': '0',
      'trailwatch:includeReadOnly': true,
      'trailwatch:allowedSshCidrs': '203.0.113.0/24, 2001:db8::/32',
      'trailwatch:privilegedOsUsers': 'root,admin',
      'trailwatch:maxConcurrency': 20,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          TRAILWATCH_RETENTION_DAYS: '0',
          TRAILWATCH_INCLUDE_READ_ONLY: 'true',
          TRAILWATCH_ALLOWED_SSH_CIDRS: '203.0.113.0/24,2001:db8::/32',
          TRAILWATCH_PRIVILEGED_OS_USERS: 'root,admin',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 20 },
    });
  });

  it('subscribes trailwatch:alarmEmail to the topic', () => {
    const { template } = synth({ 'trailwatch:alarmEmail': 'secops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'secops@example.com',
    });
  });

  it('logs EBS direct API data events with an advanced event selector when asked', () => {
    const { template } = synth({ 'trailwatch:ebsDataEvents': 'true' });
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      AdvancedEventSelectors: [
        { Name: 'Management events', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] },
        {
          Name: 'EBS direct API data events',
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Data'] },
            { Field: 'resources.type', Equals: ['AWS::EC2::Snapshot'] },
          ],
        },
      ],
    });
  });

  it('sets the no-log-file alarm period', () => {
    const { template } = synth({ 'trailwatch:noLogFilesAlarmMinutes': 30 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FilesProcessed', Period: 1800 });
  });

  it.each([
    [
      { 'trailwatch:retentionDays': 'a year' },
      /^trailwatch:retentionDays: expected a whole number of days from 0 \(keep forever\) to 36500, got 'a year'\. Set it in cdk\.json/,
    ],
    [
      { 'trailwatch:includeReadOnly': 'maybe' },
      /^trailwatch:includeReadOnly: expected true or false, got 'maybe'/,
    ],
    [
      { 'trailwatch:allowedSshCidrs': '10.0.0.0/8,office' },
      /^trailwatch:allowedSshCidrs: 'office' is not an IPv4 or IPv6 CIDR/,
    ],
    [{ 'trailwatch:alarmEmail': 'secops' }, /^trailwatch:alarmEmail: 'secops' is not an e-mail address/],
    [
      { 'trailwatch:existingBucketName': 'My_Bucket' },
      /^trailwatch:existingBucketName: 'My_Bucket' is not a valid S3 bucket name/,
    ],
    [
      { 'trailwatch:organizationTrail': true },
      /^trailwatch:organizationId: an organization trail needs the organization ID/,
    ],
    [
      {
        'trailwatch:organizationTrail': true,
        'trailwatch:organizationId': 'o-abcdef1234',
        'trailwatch:existingBucketName': 'b-logs',
      },
      /^trailwatch:organizationTrail: an organization trail is created by this stack, but with trailwatch:existingBucketName no trail is created/,
    ],
    [
      { 'trailwatch:noLogFilesAlarmMinutes': 5 },
      /^trailwatch:noLogFilesAlarmMinutes: expected a whole number from 15 to 1440/,
    ],
  ])('rejects %j with a message that says what to fix', (context, message) => {
    expect(() => synth(context)).toThrow(SettingsError);
    expect(() => synth(context)).toThrow(message);
  });
});
