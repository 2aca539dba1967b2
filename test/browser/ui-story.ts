import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assumedRole, ED25519_KEY, ec2Call, iamUser, keyPush, logFile, type Rec } from '../helpers/records';

/**
 * What the browser tests ingest: the Stratus Red Team Instance Connect detonation (real records: one
 * key pushed to three instances within a second, finding `ssh-key-multi-instance`) and, around its push
 * to INSTANCE, a hand-written hour of that instance's life in the same account and region (its launch,
 * a Systems Manager session, two more key pushes, a user-data change), so that its timeline has several
 * principals, access methods and findings in time order.
 */

export const STRATUS_FILE = join(
  __dirname,
  '..',
  'fixtures',
  'cloudtrail',
  'stratus',
  'aws.lateral-movement.ec2-instance-connect.json',
);
/** The Stratus push to this instance (the record names it `i-9d2abfF1798C34950`). */
export const INSTANCE = 'i-9d2abff1798c34950';
export const STRATUS_PUSH = '803d3bd8-44cb-4284-a4a9-cdfde3b00570';
export const STRATUS_PUSH_TIME = '2024-08-01T13:24:47Z';
export const STRATUS_RULE = 'ssh-key-multi-instance';

const ACCOUNT = '572910899909';
const REGION = 'eu-south-1r';
const alice = assumedRole(
  'AWSReservedSSO_AdministratorAccess_5a1b2c3d4e5f6a7b',
  'alice@example.com',
  ACCOUNT,
);
const christophe = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLECHRISTOPH',
  arn: `arn:aws:iam::${ACCOUNT}:user/christophe`,
  accountId: ACCOUNT,
  accessKeyId: 'AKIAGM9ZC9KUL0AYEVUM',
  userName: 'christophe',
};
const bob = {
  ...iamUser('bob', 'AKIAEXAMPLEBOB000001'),
  arn: `arn:aws:iam::${ACCOUNT}:user/bob`,
  accountId: ACCOUNT,
};

/** Hand-written records: IDs `00000000-0000-4000-8000-0000000015xx`, so that a test can name them. */
export const PUSH_AS_ROOT = '00000000-0000-4000-8000-000000001505';
export const DENIED_PUSH = '00000000-0000-4000-8000-000000001507';

function at(n: number, time: string, over: Rec): Rec {
  return {
    eventID: `00000000-0000-4000-8000-0000000015${String(n).padStart(2, '0')}`,
    eventTime: time,
    awsRegion: REGION,
    recipientAccountId: ACCOUNT,
    ...over,
  };
}

export function storyRecords(): Rec[] {
  const launched = {
    instanceId: INSTANCE,
    imageId: 'ami-0a1b2c3d4e5f60718',
    privateIpAddress: '10.0.1.10',
    subnetId: 'subnet-0a1b2c3d4e5f60718',
    vpcId: 'vpc-0a1b2c3d4e5f60718',
    keyName: 'ops-laptop',
    groupSet: { items: [{ groupId: 'sg-0a1b2c3d4e5f60718' }] },
    networkInterfaceSet: {
      items: [{ networkInterfaceId: 'eni-0a1b2c3d4e5f60718', privateIpAddress: '10.0.1.10' }],
    },
  };
  return [
    ec2Call('RunInstances', {
      ...at(1, '2024-08-01T12:55:02Z', { userIdentity: alice, sourceIPAddress: '203.0.113.24' }),
      requestParameters: {
        instancesSet: { items: [{ imageId: 'ami-0a1b2c3d4e5f60718', minCount: 1, maxCount: 1 }] },
        instanceType: 't3.micro',
        keyName: 'ops-laptop',
      },
      responseElements: { instancesSet: { items: [launched] } },
    }),
    ec2Call('AttachVolume', {
      ...at(2, '2024-08-01T13:02:40Z', { userIdentity: alice, sourceIPAddress: '203.0.113.24' }),
      requestParameters: { volumeId: 'vol-0a1b2c3d4e5f60718', instanceId: INSTANCE, device: '/dev/sdf' },
    }),
    ec2Call('StartSession', {
      ...at(3, '2024-08-01T13:08:12Z', { userIdentity: alice, sourceIPAddress: '203.0.113.24' }),
      eventSource: 'ssm.amazonaws.com',
      requestParameters: { target: INSTANCE },
      responseElements: { sessionId: 'alice-0a1b2c3d4e5f6a7b8' },
    }),
    ec2Call('TerminateSession', {
      ...at(4, '2024-08-01T13:19:55Z', { userIdentity: alice, sourceIPAddress: '203.0.113.24' }),
      eventSource: 'ssm.amazonaws.com',
      requestParameters: { sessionId: 'alice-0a1b2c3d4e5f6a7b8' },
      responseElements: { sessionId: 'alice-0a1b2c3d4e5f6a7b8' },
    }),
    keyPush(at(5, '2024-08-01T13:31:05Z', { userIdentity: alice, sourceIPAddress: '203.0.113.24' }), {
      instanceId: INSTANCE,
      instanceOSUser: 'root',
    }),
    ec2Call('ModifyInstanceAttribute', {
      ...at(6, '2024-08-01T13:46:30Z', { userIdentity: christophe, sourceIPAddress: '246.227.146.251' }),
      requestParameters: { instanceId: INSTANCE, userData: '<sensitiveDataRemoved>' },
    }),
    keyPush(
      {
        ...at(7, '2024-08-01T14:02:10Z', { userIdentity: bob, sourceIPAddress: '198.51.100.99' }),
        errorCode: 'AccessDenied',
        errorMessage: `User: arn:aws:iam::${ACCOUNT}:user/bob is not authorized to perform: ec2-instance-connect:SendSSHPublicKey`,
        responseElements: null,
      },
      { instanceId: INSTANCE, instanceOSUser: 'ec2-user', sSHPublicKey: ED25519_KEY },
    ),
  ];
}

/** Writes the hand-written records as a delivered log file into `dir`; returns its path. */
export function writeStory(dir: string): string {
  const path = join(dir, `${ACCOUNT}_CloudTrail_${REGION}_20240801T1400Z_uistory.json.gz`);
  writeFileSync(path, logFile(storyRecords()));
  return path;
}
