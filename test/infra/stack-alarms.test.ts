import { Match } from 'aws-cdk-lib/assertions';
import { RULE_IDS, RULES } from '../../lambda/core/rules';
import { defaultStack, logicalId, only } from '../helpers/stack';

/** The stack's alarms, alarm topic, dashboard and outputs. */

describe('the stack, default settings (a new trail and bucket)', () => {
  const { template, bucket, trail, fnId, tableId, queueId, dlqId, topicId, trailArn } = defaultStack();

  it('raises one alarm per rule on Findings (Sum >= 1 over 5 minutes, missing data not breaching) to the topic', () => {
    for (const rule of RULES) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `trailwatch ${rule.id} (${rule.severity})`,
        Namespace: 'Trailwatch',
        MetricName: 'Findings',
        Dimensions: [{ Name: 'Rule', Value: rule.id }],
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
