import type { Stack } from 'aws-cdk-lib';
import { Alarm, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type Monitoring, UnnamedAlarmError } from '../../lib/constructs/monitoring';
import { ACCOUNT, bySid, deliveryOf, MODES, one, partitionArn, statements } from '../helpers/delivery';
import { synth } from '../helpers/synth';

/** Alarms reach people: CloudWatch alarms to the alarm topic and its key, in every mode, and alarms added later. */

describe.each(MODES)('delivery with $name', (mode) => {
  const { template, topicId, keyId, key, alarms, fromTheseAlarms } = deliveryOf(mode);

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
