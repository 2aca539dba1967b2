import { Match } from 'aws-cdk-lib/assertions';
import { defaultStack, type Resources } from '../helpers/stack';
import { TABLE_KEYS } from '../helpers/table-keys';

/** The stack's function and table: runtime, event source, least privilege, the table's schema and protection. */

describe('the stack, default settings (a new trail and bucket)', () => {
  const { template, bucket, fnId, tableId, queueId } = defaultStack();

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
        ...TABLE_KEYS,
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        DeletionProtectionEnabled: true,
      },
    });
    expect(template.findResources('AWS::DynamoDB::GlobalTable')).toEqual({});
  });
});
