import {
  ACCOUNT,
  bucketStatements,
  bySid,
  deployRole,
  expectRejected,
  type Json,
  logBucketId,
  logObjects,
  logsKey,
  MGMT,
  ORG,
  partitioned,
  type Statement,
  trailArn,
} from '../helpers/log-bucket';
import { synth } from '../helpers/synth';

/** An organization trail, and one created by a delegated administrator. */

describe('an organization trail', () => {
  const org = { 'trailwatch:organizationTrail': true, 'trailwatch:organizationId': ORG };

  it("from the management account: this account's trail, under AWSLogs/<account>/ and AWSLogs/<org-id>/", () => {
    const { template } = synth(org);
    const bucket = logBucketId(template);
    const statements = bucketStatements(template);
    expect(bySid(statements, 'CloudTrailWrite')?.Resource).toEqual([
      logObjects(bucket, `/AWSLogs/${ACCOUNT}/*`),
      logObjects(bucket, `/AWSLogs/${ORG}/*`),
    ]);
    expect(bySid(statements, 'DenyLogWritesButThisTrail')).toMatchObject({
      Resource: logObjects(bucket),
      Condition: { StringNotEquals: { 'aws:SourceArn': trailArn() } },
    });
  });

  describe('created by a delegated administrator (trailwatch:managementAccountId)', () => {
    const { template } = synth({
      ...org,
      'trailwatch:managementAccountId': MGMT,
      'trailwatch:createLogsKmsKey': true,
    });
    const bucket = logBucketId(template);
    const statements = bucketStatements(template);

    it('names the trail in the management account wherever aws:SourceArn is checked', () => {
      expect(bySid(statements, 'CloudTrailAclCheck')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT) },
      });
      expect(bySid(statements, 'CloudTrailWrite')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT), 's3:x-amz-acl': 'bucket-owner-full-control' },
      });
      expect(bySid(statements, 'DenyLogWritesButThisTrail')?.Condition).toEqual({
        StringNotEquals: { 'aws:SourceArn': trailArn(MGMT) },
      });
      const keyStatements = (
        ((logsKey(template) as [string, Json])[1].Properties as Json).KeyPolicy as {
          Statement: Statement[];
        }
      ).Statement;
      expect(bySid(keyStatements, 'CloudTrailEncryptLogs')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT) },
        StringLike: {
          'kms:EncryptionContext:aws:cloudtrail:arn': partitioned(
            `:cloudtrail:*:${MGMT}:trail/Trailwatch-trail`,
          ),
        },
      });
      expect(bySid(keyStatements, 'CloudTrailDescribeKey')?.Condition).toEqual({
        StringEquals: { 'aws:SourceArn': trailArn(MGMT) },
      });
      expect(template.findOutputs('TrailArn').TrailArn?.Value).toEqual(trailArn(MGMT));
    });

    it('lets it write under AWSLogs/<management account>/ and AWSLogs/<org-id>/, as CloudTrail writes', () => {
      expect(bySid(statements, 'CloudTrailWrite')?.Resource).toEqual([
        logObjects(bucket, `/AWSLogs/${MGMT}/*`),
        logObjects(bucket, `/AWSLogs/${ORG}/*`),
      ]);
    });

    it('still lets only the deploying role of this (delegated administrator) account change the bucket', () => {
      expect(bySid(statements, 'DenyBucketConfigChangesButDeployRole')?.Condition).toEqual({
        ArnNotEquals: { 'aws:PrincipalArn': deployRole() },
      });
    });
  });

  it.each([
    [
      { 'trailwatch:managementAccountId': MGMT },
      /^trailwatch:managementAccountId: it names the management account of an organization trail; set trailwatch:organizationTrail=true or remove it/,
    ],
    [
      { ...org, 'trailwatch:managementAccountId': '1111-2222-3333' },
      /^trailwatch:managementAccountId: expected a 12-digit AWS account ID, got '1111-2222-3333'/,
    ],
  ])('rejects %j with a message that says what to fix', (context, message) => {
    expectRejected(context, message);
  });
});
