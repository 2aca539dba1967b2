import { Match } from 'aws-cdk-lib/assertions';
import {
  ACCOUNT,
  bySid,
  concrete,
  deliveryOf,
  denyApplies,
  EXISTING,
  type Json,
  MODES,
  OWN,
  one,
  partitionArn,
  type Statement,
  statements,
} from '../helpers/delivery';
import { queueNotification } from '../helpers/s3-notification';

/** Log files reach the ingest queue (S3 or EventBridge, and the named senders only), and nothing else does, in every mode. */

describe.each(MODES)('delivery with $name', (mode) => {
  const { template, queueId, dlqId } = deliveryOf(mode);

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
          NotificationConfiguration: queueNotification(queueId, mode.prefix),
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
});
