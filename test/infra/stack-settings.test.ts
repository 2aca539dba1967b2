import { Match } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../../lib/settings';
import { synth } from '../helpers/synth';

/** The stack's settings (trailwatch:* context values), passed on or rejected. */

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
