import type { Template } from 'aws-cdk-lib/assertions';
import { bucketStatements, expectRejected, type Json, logBucketId, resources } from '../helpers/log-bucket';
import { synth } from '../helpers/synth';

/** The log bucket's Object Lock, lifecycle and versioning (erasure). */

describe('trailwatch:objectLockMode and trailwatch:objectLockDays', () => {
  const lockOf = (template: Template): Json => {
    const bucket = logBucketId(template);
    const [, r] = resources(template, 'AWS::S3::Bucket').find(([id]) => id === bucket) as [string, Json];
    const p = r.Properties as Json;
    return {
      ObjectLockEnabled: p.ObjectLockEnabled,
      ObjectLockConfiguration: p.ObjectLockConfiguration,
      NoncurrentDays: (
        p.LifecycleConfiguration as { Rules: { NoncurrentVersionExpiration?: { NoncurrentDays: number } }[] }
      ).Rules[0]?.NoncurrentVersionExpiration?.NoncurrentDays,
    };
  };

  it.each([
    [
      'governance, 365 days by default',
      { 'trailwatch:objectLockMode': 'governance' },
      'GOVERNANCE',
      365,
      365,
    ],
    [
      'compliance for 30 days (old versions still kept 90)',
      { 'trailwatch:objectLockMode': 'COMPLIANCE', 'trailwatch:objectLockDays': 30 },
      'COMPLIANCE',
      30,
      90,
    ],
    [
      'compliance for 7 years',
      { 'trailwatch:objectLockMode': 'compliance', 'trailwatch:objectLockDays': '2557' },
      'COMPLIANCE',
      2557,
      2557,
    ],
  ])(
    'locks new log files in %s, and keeps old versions at least as long',
    (_name, context, mode, days, noncurrent) => {
      expect(lockOf(synth(context).template)).toEqual({
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: mode, Days: days } },
        },
        NoncurrentDays: noncurrent,
      });
    },
  );

  it('is off without a mode, whatever the days (cdk.json lists a default)', () => {
    expect(
      lockOf(synth({ 'trailwatch:objectLockMode': '', 'trailwatch:objectLockDays': 365 }).template),
    ).toEqual({
      ObjectLockEnabled: undefined,
      ObjectLockConfiguration: undefined,
      NoncurrentDays: 90,
    });
  });

  it('keeps the Deny statements with a lock on', () => {
    const sids = bucketStatements(synth({ 'trailwatch:objectLockMode': 'compliance' }).template).map(
      (s) => s.Sid,
    );
    expect(sids).toEqual(
      expect.arrayContaining([
        'DenyLogWritesButThisTrail',
        'DenyLogDeletes',
        'DenyBucketConfigChangesButDeployRole',
      ]),
    );
  });

  it.each([
    [
      { 'trailwatch:objectLockMode': 'legal-hold' },
      /^trailwatch:objectLockMode: expected governance or compliance \(or nothing: no Object Lock\), got 'legal-hold'/,
    ],
    [
      { 'trailwatch:objectLockMode': 'governance', 'trailwatch:objectLockDays': 0 },
      /^trailwatch:objectLockDays: expected a whole number of days from 1 to 36500, got '0'/,
    ],
    [
      { 'trailwatch:objectLockDays': 'a year' },
      /^trailwatch:objectLockDays: expected a whole number of days from 1 to 36500, got 'a year'/,
    ],
    [
      { 'trailwatch:existingBucketName': 'org-cloudtrail-logs', 'trailwatch:objectLockMode': 'governance' },
      /^trailwatch:objectLockMode: S3 Object Lock applies to the bucket this stack creates, but with trailwatch:existingBucketName it creates none/,
    ],
  ])('rejects %j with a message that says what to fix', (context, message) => {
    expectRejected(context, message);
  });
});
