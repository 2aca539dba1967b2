import type { Template } from 'aws-cdk-lib/assertions';
import { SettingsError } from '../../lib/settings';
import { ENV, synth } from './synth';

/** What the log bucket tests look at: the bucket's and the roles' statements, the trail, the logs key. */

import type { Json, Statement } from './delivery';

export type { Json, Statement };

export const ACCOUNT = ENV.account;
export const MGMT = '111122223333';
export const ORG = 'o-abcdef1234';
export const KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const RESTORE_ROLE = 'arn:aws:iam::123456789012:role/log-restore';
export const OPERATOR = 'arn:aws:iam::123456789012:user/ops/alice';

export const partitioned = (rest: string): Json => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]],
});
export const trailArn = (account = ACCOUNT): Json =>
  partitioned(`:cloudtrail:us-east-1:${account}:trail/Trailwatch-trail`);
export const deployRole = (qualifier = 'hnb659fds'): Json =>
  partitioned(`:iam::${ACCOUNT}:role/cdk-${qualifier}-cfn-exec-role-${ACCOUNT}-us-east-1`);

export function resources(template: Template, type: string): [string, Json][] {
  return Object.entries(template.findResources(type) as Record<string, Json>);
}

/** The logical ID of the log bucket (the versioned one; the access-log bucket is not). */
export function logBucketId(template: Template): string {
  const found = resources(template, 'AWS::S3::Bucket').filter(
    ([, r]) => (r.Properties as Json).VersioningConfiguration !== undefined,
  );
  expect(found).toHaveLength(1);
  return (found[0] as [string, Json])[0];
}

export const logObjects = (bucket: string, suffix = '/AWSLogs/*'): Json => ({
  'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, suffix]],
});

/** The statements of the log bucket's policy. */
export function bucketStatements(template: Template): Statement[] {
  const bucket = logBucketId(template);
  const policies = resources(template, 'AWS::S3::BucketPolicy').filter(
    ([, r]) => JSON.stringify((r.Properties as Json).Bucket) === JSON.stringify({ Ref: bucket }),
  );
  expect(policies).toHaveLength(1);
  const [, policy] = policies[0] as [string, Json];
  return ((policy.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement;
}

export function bySid(statements: Statement[], sid: string): Statement | undefined {
  const found = statements.filter((s) => s.Sid === sid);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0];
}

export const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Statements of every IAM policy in the template. */
export function iamStatements(template: Template): Statement[] {
  return resources(template, 'AWS::IAM::Policy').flatMap(
    ([, r]) => ((r.Properties as Json).PolicyDocument as { Statement: Statement[] }).Statement,
  );
}

export function trailProps(template: Template): Json {
  const trails = resources(template, 'AWS::CloudTrail::Trail');
  expect(trails).toHaveLength(1);
  return (trails[0] as [string, Json])[1].Properties as Json;
}

/** The KMS key the stack creates for the logs (the alarm topic has a key of its own). */
export function logsKey(template: Template): [string, Json] | undefined {
  const keys = resources(template, 'AWS::KMS::Key').filter(([id]) => id.startsWith('TrailLogsLogsKey'));
  expect(keys.length).toBeLessThanOrEqual(1);
  return keys[0];
}

export function expectRejected(context: Record<string, unknown>, message: RegExp): void {
  expect(() => synth(context)).toThrow(SettingsError);
  expect(() => synth(context)).toThrow(message);
}
