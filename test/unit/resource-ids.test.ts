import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '../../lambda/core/limits';
import { extractResourceIds, isInstanceId, isResourceId } from '../../lambda/core/resource-ids';
import { FIXTURES } from '../helpers/corpus';
import { ec2Call, keyPush } from '../helpers/records';

type Rec = Record<string, unknown> & { eventName: string };
const invictus = (file: string): Rec[] =>
  (JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', 'invictus', file), 'utf8')) as { Records: Rec[] })
    .Records;
const stratus = (file: string): Rec[] =>
  JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', 'stratus', file), 'utf8')) as Rec[];
const panther = (): Rec[] =>
  readFileSync(join(FIXTURES, 'cloudtrail', 'panther', 'ec2-records-one-per-line.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Rec);

describe('resource IDs (CONTRACT: taken from everywhere they occur)', () => {
  it('recognises i-, vol-, snap-, ami-, sg- with 8 or 17 hex digits in either case', () => {
    expect(isInstanceId('i-0123456789abcdef0')).toBe(true);
    expect(isInstanceId('i-8107c9c0')).toBe(true);
    expect(isInstanceId('i-fDb357cB7e99ad973')).toBe(true);
    expect(isInstanceId('i-0123456789EXAMPLE')).toBe(false);
    expect(isInstanceId('i-0123456789')).toBe(false);
    expect(isResourceId('vol-0a1b2c3d')).toBe(true);
    expect(isResourceId('sg-0123456789ABCDEF0')).toBe(true);
    expect(isResourceId('vpce-0123456789abcdef0')).toBe(false);
  });

  it('requestParameters.instanceId, mixed case, lowercased (real, Stratus)', () => {
    const r = stratus('aws.lateral-movement.ec2-instance-connect.json')[0] as Rec;
    expect(extractResourceIds(r).instanceIds).toEqual(['i-fdb357cb7e99ad973']);
  });

  it('legacy 8-hex instance IDs (hand-written, as DescribeInstanceAttribute enumeration writes them)', () => {
    const r = ec2Call('DescribeInstanceAttribute', {
      requestParameters: { instanceId: 'i-8107c9c0', attribute: 'userData' },
    });
    expect(extractResourceIds(r).instanceIds).toEqual(['i-8107c9c0']);
  });

  it('every instance RunInstances started, from responseElements (hand-written, three instances)', () => {
    const r = ec2Call('RunInstances', {
      requestParameters: {
        instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: 3, maxCount: 3 }] },
      },
      responseElements: {
        instancesSet: {
          items: ['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3'].map((instanceId) => ({
            instanceId,
            groupSet: { items: [{ groupId: 'sg-0123456789abcdef0' }] },
            blockDeviceMapping: {},
          })),
        },
      },
    });
    const ids = extractResourceIds(r);
    expect(ids.instanceIds).toEqual(['i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2', 'i-0aaaaaaaaaaaaaaa3']);
    expect(ids.resourceIds).toEqual(['ami-0abcdef1234567890', 'sg-0123456789abcdef0']);
  });

  it('a successful RunInstances (real, Invictus): instance, image and security group', () => {
    const run = invictus('218007301253_CloudTrail_us-east-1_20230710T1200Z_x9kHmzMa7cx6l9wM.json').find(
      (r) => r.eventName === 'RunInstances' && !r.errorCode,
    ) as Rec;
    const ids = extractResourceIds(run);
    expect(ids.instanceIds).toEqual(['i-0dbc91f429e48eeed']);
    expect(ids.resourceIds.some((id) => id.startsWith('ami-'))).toBe(true);
  });

  it('CreateTags resourcesSet (real, Invictus: an AMI)', () => {
    const r = invictus('218007301253_CloudTrail_us-east-1_20230710T1215Z_YMDRJwtmC82bUwAo.json').find(
      (x) => x.eventName === 'CreateTags',
    ) as Rec;
    expect(extractResourceIds(r)).toEqual({
      instanceIds: [],
      resourceIds: ['ami-0aa1d83d0b0985c86'],
      truncated: false,
    });
  });

  it('AttachVolume: the volume and the instance (hand-written)', () => {
    const r = ec2Call('AttachVolume', {
      requestParameters: {
        volumeId: 'vol-0123456789abcdef0',
        instanceId: 'i-0123456789abcdef0',
        device: '/dev/sdf',
      },
      responseElements: {
        volumeId: 'vol-0123456789abcdef0',
        instanceId: 'i-0123456789abcdef0',
        status: 'attaching',
        attachTime: 1700000000000,
      },
    });
    expect(extractResourceIds(r)).toEqual({
      instanceIds: ['i-0123456789abcdef0'],
      resourceIds: ['vol-0123456789abcdef0'],
      truncated: false,
    });
  });

  it('serviceEventDetails of a service event (real, Invictus SharedSnapshotVolumeCreated)', () => {
    const r = invictus('218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json').find(
      (x) => x.eventName === 'SharedSnapshotVolumeCreated',
    ) as Rec;
    expect(extractResourceIds(r).resourceIds).toEqual(['snap-0e83092ae538da583']);
  });

  it('resources[].ARN', () => {
    const r = ec2Call('StopInstances', {
      resources: [
        {
          ARN: 'arn:aws:ec2:us-east-1:111122223333:instance/i-0bbbbbbbbbbbbbbb1',
          accountId: '111122223333',
          type: 'AWS::EC2::Instance',
        },
      ],
    });
    expect(extractResourceIds(r).instanceIds).toEqual(['i-0bbbbbbbbbbbbbbb1']);
  });

  it('the instance ARN in errorMessage of a denied push with no request parameters (real, Panther)', () => {
    const denied = panther().find(
      (r) => r.eventName === 'SendSSHPublicKey' && r.errorCode === 'AccessDenied',
    ) as Rec;
    expect(denied.requestParameters).toBeUndefined();
    expect(extractResourceIds(denied).instanceIds).toEqual(['i-abcdef01234567890']);
  });

  it('does not take IDs from userIdentity (an instance profile session is the caller, not the target)', () => {
    const r = keyPush({
      userIdentity: {
        type: 'AssumedRole',
        arn: 'arn:aws:sts::1:assumed-role/web/i-0ccccccccccccccc1',
        principalId: 'AROA:i-0ccccccccccccccc1',
      },
    });
    expect(extractResourceIds(r).instanceIds).toEqual(['i-0123456789abcdef0']);
  });

  it('does not match IDs inside longer words or hex runs', () => {
    const r = ec2Call('CreateTags', {
      requestParameters: {
        a: 'xi-0123456789abcdef0',
        b: 'i-0123456789abcdef01234',
        c: 'my-sg-01234567',
        d: 'vol-0123456789abcdef0x',
      },
    });
    expect(extractResourceIds(r)).toEqual({ instanceIds: [], resourceIds: [], truncated: false });
  });

  it('keeps at most the per-event bound and says it truncated', () => {
    const items = Array.from({ length: LIMITS.instanceIdsPerEvent + 50 }, (_, i) => ({
      instanceId: `i-${i.toString(16).padStart(17, '0')}`,
    }));
    const ids = extractResourceIds(
      ec2Call('RunInstances', { responseElements: { instancesSet: { items } } }),
    );
    expect(ids.instanceIds).toHaveLength(LIMITS.instanceIdsPerEvent);
    expect(ids.truncated).toBe(true);
  });

  it('bounds instances and other resources separately: a thousand instances leave room for their image', () => {
    const items = Array.from({ length: LIMITS.instanceIdsPerEvent }, (_, i) => ({
      instanceId: `i-${i.toString(16).padStart(17, '0')}`,
      imageId: 'ami-0123456789abcdef0',
    }));
    const volumes = Array.from({ length: LIMITS.resourceIdsPerEvent + 1 }, (_, i) => ({
      volumeId: `vol-${i.toString(16).padStart(17, '0')}`,
    }));
    const full = extractResourceIds(
      ec2Call('RunInstances', { responseElements: { instancesSet: { items } } }),
    );
    expect(full).toMatchObject({ truncated: false, resourceIds: ['ami-0123456789abcdef0'] });
    expect(full.instanceIds).toHaveLength(LIMITS.instanceIdsPerEvent);
    const many = extractResourceIds(
      ec2Call('DescribeVolumes', { responseElements: { volumeSet: { items: volumes } } }),
    );
    expect(many.resourceIds).toHaveLength(LIMITS.resourceIdsPerEvent);
    expect(many.truncated).toBe(true);
  });
});
