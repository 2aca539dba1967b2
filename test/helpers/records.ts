import { gzipSync } from 'node:zlib';

/**
 * Hand-written CloudTrail records for edge cases the real corpus lacks. Shapes follow the real
 * records in test/fixtures (field names, nesting, value types); values are invented.
 */

export type Rec = Record<string, unknown>;

let counter = 0;
/** A fresh, unique, UUID-shaped eventID. */
export function newEventId(): string {
  counter++;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export const ACCOUNT = '111122223333';

export const iamUser = (name = 'alice', accessKeyId = 'AKIAEXAMPLEALICE0001'): Rec => ({
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEALICE0001',
  arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
  accountId: ACCOUNT,
  accessKeyId,
  userName: name,
});

export const assumedRole = (role = 'Deployer', session = 'ci-run-42', account = ACCOUNT): Rec => ({
  type: 'AssumedRole',
  principalId: `AROAEXAMPLEROLE00001:${session}`,
  arn: `arn:aws:sts::${account}:assumed-role/${role}/${session}`,
  accountId: account,
  accessKeyId: 'ASIAEXAMPLESESSION01',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLEROLE00001',
      arn: `arn:aws:iam::${account}:role/${role}`,
      accountId: account,
      userName: role,
    },
    attributes: { creationDate: '2025-03-01T09:00:00Z', mfaAuthenticated: 'false' },
  },
});

export const rootUser = (): Rec => ({
  type: 'Root',
  principalId: ACCOUNT,
  arn: `arn:aws:iam::${ACCOUNT}:root`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAEXAMPLEROOT00001',
});

/** An EC2 API call record. */
export function ec2Call(eventName: string, overrides: Rec = {}): Rec {
  return {
    eventVersion: '1.08',
    userIdentity: iamUser(),
    eventTime: '2025-03-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName,
    awsRegion: 'us-east-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.17.60',
    requestParameters: null,
    responseElements: null,
    requestID: 'req-1',
    eventID: newEventId(),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...overrides,
  };
}

export const ED25519_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINnNrCoRSpEDQZ3sx52Hyf5nYGqlGQALWR+d1MdO3Ne4 responder@laptop';
/** `ssh-keygen -l` of ED25519_KEY. */
export const ED25519_FINGERPRINT = 'SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4';

/** A SendSSHPublicKey in the shape AWS writes today. */
export function keyPush(overrides: Rec = {}, params: Rec = {}): Rec {
  return {
    ...ec2Call('SendSSHPublicKey'),
    eventSource: 'ec2-instance-connect.amazonaws.com',
    requestParameters: {
      instanceId: 'i-0123456789abcdef0',
      instanceOSUser: 'ec2-user',
      sSHPublicKey: ED25519_KEY,
      ...params,
    },
    responseElements: { requestId: 'req-1', success: true },
    ...overrides,
  };
}

/** `{"Records":[…]}` as a delivered log file: gzip-compressed JSON. */
export function logFile(records: readonly unknown[], gzip = true): Buffer {
  const text = Buffer.from(JSON.stringify({ Records: records }));
  return gzip ? gzipSync(text) : text;
}

/** The bytes as a stream of chunks of `size` bytes (chunk boundaries anywhere). */
export async function* chunks(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

/** `count` denied DescribeInstances calls, one a minute from `hourPrefix` + ":00", each naming all of `instanceIds`. */
export function deniedDescribes(count: number, hourPrefix: string, instanceIds: readonly string[]): Rec[] {
  return Array.from({ length: count }, (_, k) =>
    ec2Call('DescribeInstances', {
      readOnly: true,
      errorCode: 'Client.UnauthorizedOperation',
      eventTime: `${hourPrefix}:${String(k).padStart(2, '0')}:00Z`,
      requestParameters: { instancesSet: { items: instanceIds.map((instanceId) => ({ instanceId })) } },
    }),
  );
}
