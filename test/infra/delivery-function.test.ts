import {
  deliveryOf,
  EXISTING,
  iamPattern,
  type Json,
  MODES,
  one,
  partitionArn,
  statements,
} from '../helpers/delivery';
import { synth } from '../helpers/synth';

/** What the function may read and write, in every mode, and the notifications custom resource of an existing bucket. */

describe.each(MODES)('delivery with $name', (mode) => {
  const { template, stack, fnId, fn, ownBucket, bucketArn } = deliveryOf(mode);

  describe('the function reads CloudTrail files only, and writes without deleting', () => {
    const roleId = (fn.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const [policyId, policy] = one(template, 'AWS::IAM::Policy', (p) =>
      JSON.stringify(p.Roles).includes(`"${roleId}"`),
    );
    const list = statements(policy.PolicyDocument);
    const readable = `${mode.prefix}AWSLogs/*/CloudTrail/*`;

    it(`may s3:GetObject ${readable} and nothing else of the bucket`, () => {
      const s3 = list.filter((s) => JSON.stringify(s.Action).includes('s3:'));
      const resource = mode.existing
        ? partitionArn(`:s3:::${EXISTING}/${readable}`)
        : { 'Fn::Join': ['', [bucketArn, `/${readable}`]] };
      expect(s3).toEqual([{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource }]);
    });

    it('the grant covers both CloudTrail layouts, and neither digests, Insights nor AWS Config files', () => {
      const pattern = iamPattern(readable);
      const day = 'us-east-1/2024/08/01';
      const file = `111122223333_CloudTrail_us-east-1_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz`;
      expect(`${mode.prefix}AWSLogs/111122223333/CloudTrail/${day}/${file}`).toMatch(pattern);
      expect(`${mode.prefix}AWSLogs/o-abcdef1234/111122223333/CloudTrail/${day}/${file}`).toMatch(pattern);
      for (const other of [
        `${mode.prefix}AWSLogs/111122223333/CloudTrail-Digest/${day}/x_CloudTrail-Digest_x.json.gz`,
        `${mode.prefix}AWSLogs/111122223333/CloudTrail-Insight/${day}/x.json.gz`,
        `${mode.prefix}AWSLogs/111122223333/Config/${day}/ConfigSnapshot/x.json.gz`,
        `elsewhere/AWSLogs/111122223333/CloudTrail/${day}/${file}`,
      ])
        expect(other).not.toMatch(pattern);
    });

    it('acknowledges cdk-nag IAM5 for exactly that resource, on the function policy only', () => {
      const acknowledged = stack.node
        .findAll()
        .flatMap((c) =>
          c.node.metadata
            .filter((m) => m.type === 'aws:cdk:acknowledged-rules')
            .flatMap((m) => Object.keys(m.data as Json).map((id) => [c.node.path, id])),
        )
        .filter(([, id]) => (id as string).includes('IAM5'));
      const nag = mode.existing
        ? `arn:<AWS::Partition>:s3:::${EXISTING}/${readable}`
        : `<${ownBucket}.Arn>/${readable}`;
      expect(acknowledged).toEqual([
        ['Trailwatch/Indexer/Role/DefaultPolicy/Resource', `Annotation::AwsSolutions-IAM5[Resource::${nag}]`],
      ]);
      expect(policyId).toMatch(/^IndexerRoleDefaultPolicy/);
    });

    it('may write the table with BatchWriteItem, PutItem and UpdateItem, read it with Query, and nothing else', () => {
      const dynamodb = list.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('dynamodb:'));
      expect(dynamodb.sort()).toEqual([
        'dynamodb:BatchWriteItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(JSON.stringify(list)).not.toMatch(/dynamodb:\*|dynamodb:Delete|dynamodb:Scan|"\*"/);
    });

    it('is told the bucket and the key prefix: TRAILWATCH_LOG_BUCKET, TRAILWATCH_LOG_KEY_PREFIX', () => {
      const variables = (fn.Environment as { Variables: Json }).Variables;
      expect(variables.TRAILWATCH_LOG_BUCKET).toEqual(mode.existing ? EXISTING : { Ref: ownBucket });
      expect(variables.TRAILWATCH_LOG_KEY_PREFIX).toBe(mode.prefix);
      expect(fnId).toMatch(/^IndexerFunction/);
    });
  });
});

describe('the notifications custom resource of an existing bucket is never updated', () => {
  const customResource = (context: Json): [string, Json] =>
    one(synth(context).template, 'Custom::S3BucketNotifications');

  it('stays the same resource with the same properties when the key prefix changes (no Update is sent)', () => {
    const before = customResource({ 'trailwatch:existingBucketName': EXISTING });
    const after = customResource({
      'trailwatch:existingBucketName': EXISTING,
      'trailwatch:logKeyPrefix': 'o-abc123defg/',
    });
    expect(after).toEqual(before);
  });

  it('is another resource for another bucket (Create on the new one, Delete on the old one)', () => {
    const [a] = customResource({ 'trailwatch:existingBucketName': EXISTING });
    const [b] = customResource({ 'trailwatch:existingBucketName': 'other-cloudtrail-logs' });
    expect(a).not.toEqual(b);
  });
});
