import { selectRecord } from '../../lambda/core/select';
import { ec2Call, keyPush } from '../helpers/records';

const off = { includeReadOnly: false };
const on = { includeReadOnly: true };

describe('which records are indexed (CONTRACT)', () => {
  it('indexes the EC2, EBS and EC2 Instance Connect sources and no other', () => {
    expect(selectRecord(ec2Call('StopInstances'), off)).toBe('indexed');
    expect(selectRecord(ec2Call('StartSnapshot', { eventSource: 'ebs.amazonaws.com' }), off)).toBe('indexed');
    expect(selectRecord(keyPush(), off)).toBe('indexed');
    expect(selectRecord(ec2Call('PutObject', { eventSource: 's3.amazonaws.com' }), off)).toBe('other-source');
    expect(selectRecord(ec2Call('GetParameter', { eventSource: 'ssm.amazonaws.com' }), off)).toBe(
      'other-source',
    );
  });

  it.each(['SendSSHPublicKey', 'SendSerialConsoleSSHPublicKey', 'OpenTunnel'])(
    'indexes every Instance Connect %s, successful or not, read-only or not',
    (eventName) => {
      expect(selectRecord(keyPush({ eventName }), off)).toBe('indexed');
      expect(selectRecord(keyPush({ eventName, errorCode: 'AccessDenied' }), off)).toBe('indexed');
      expect(selectRecord(keyPush({ eventName, readOnly: true }), off)).toBe('indexed');
    },
  );

  it('indexes mutating calls: readOnly false, and readOnly absent', () => {
    expect(selectRecord(ec2Call('TerminateInstances', { readOnly: false }), off)).toBe('indexed');
    const noFlag = ec2Call('TerminateInstances');
    delete noFlag.readOnly;
    expect(selectRecord(noFlag, off)).toBe('indexed');
  });

  it('indexes read-only calls only when they failed, unless read-only indexing is on', () => {
    expect(selectRecord(ec2Call('DescribeInstances', { readOnly: true }), off)).toBe('read-only');
    expect(
      selectRecord(
        ec2Call('DescribeInstances', { readOnly: true, errorCode: 'Client.UnauthorizedOperation' }),
        off,
      ),
    ).toBe('indexed');
    expect(selectRecord(ec2Call('DescribeInstances', { readOnly: true }), on)).toBe('indexed');
  });

  it('reads readOnly written as a string ("true", "True")', () => {
    expect(selectRecord(ec2Call('DescribeInstances', { readOnly: 'True' }), off)).toBe('read-only');
    expect(selectRecord(ec2Call('DescribeInstances', { readOnly: 'true' }), off)).toBe('read-only');
    expect(selectRecord(ec2Call('RunInstances', { readOnly: 'false' }), off)).toBe('indexed');
  });

  it('treats an empty errorCode as no error', () => {
    expect(selectRecord(ec2Call('DescribeInstances', { readOnly: true, errorCode: '' }), off)).toBe(
      'read-only',
    );
  });

  it('never indexes Insights events, and names a record without eventSource', () => {
    expect(
      selectRecord({ eventVersion: '1.07', eventType: 'AwsCloudTrailInsight', insightDetails: {} }, on),
    ).toBe('insight');
    expect(selectRecord({ eventVersion: '1.08', eventName: 'RunInstances' }, on)).toBe('no-source');
  });
});
