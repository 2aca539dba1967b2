import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { seededRandom } from '../helpers/random';
import { ACCOUNT, EC2_READS, EC2_WRITES, INSTANCE_CALLS, KEYS, MIX, OTHER, REGIONS } from './generate-data';

/**
 * A deterministic generator of realistic CloudTrail delivery files for the benchmark. The mix is
 * modelled on real accounts (and on the shapes of the records in test/fixtures): most records come
 * from other services, many are EC2 read-only calls (Describe*), a few percent are EC2/EBS mutations
 * and EC2 Instance Connect key pushes.
 */

export { MIX };

export class RecordGenerator {
  private readonly random: () => number;
  private n = 0;
  private readonly start: number;

  constructor(seed = 42, start = Date.UTC(2025, 2, 1)) {
    this.random = seededRandom(seed);
    this.start = start;
  }

  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)] as T;
  }
  private hex(n: number): string {
    let s = '';
    while (s.length < n)
      s += Math.floor(this.random() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  }
  private uuid(): string {
    const h = createHash('sha1').update(String(this.n)).update(String(this.random())).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  private identity(): Record<string, unknown> {
    const r = this.random();
    if (r < 0.55) {
      const role = this.pick([
        'Deployer',
        'AWSReservedSSO_Admin_0123456789abcdef',
        'eks-node-role',
        'lambda-exec',
      ]);
      const session = this.pick(['ci-run', 'alice@example.com', 'web-app-7', 'bob@example.com']);
      return {
        type: 'AssumedRole',
        principalId: `AROA${this.hex(16).toUpperCase()}:${session}`,
        arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}`,
        accountId: ACCOUNT,
        accessKeyId: `ASIA${this.hex(16).toUpperCase()}`,
        sessionContext: {
          sessionIssuer: {
            type: 'Role',
            principalId: `AROA${this.hex(16).toUpperCase()}`,
            arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
            accountId: ACCOUNT,
            userName: role,
          },
          webIdFederationData: {},
          attributes: { creationDate: '2025-03-01T08:00:00Z', mfaAuthenticated: 'false' },
        },
      };
    }
    if (r < 0.85) {
      const user = this.pick(['alice', 'bob', 'carol', 'terraform']);
      return {
        type: 'IAMUser',
        principalId: `AIDA${this.hex(16).toUpperCase()}`,
        arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
        accountId: ACCOUNT,
        accessKeyId: `AKIA${this.hex(16).toUpperCase()}`,
        userName: user,
      };
    }
    return {
      type: 'AWSService',
      invokedBy: this.pick(['ec2.amazonaws.com', 'autoscaling.amazonaws.com', 'ssm.amazonaws.com']),
    };
  }

  /** The credentials EC2 gives an instance of its profile's role: the session is the instance ID. */
  private instanceIdentity(): Record<string, unknown> {
    const instance = `i-0${this.hex(16)}`;
    const role = 'web-instance-role';
    return {
      type: 'AssumedRole',
      principalId: `AROA${this.hex(16).toUpperCase()}:${instance}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${instance}`,
      accountId: ACCOUNT,
      accessKeyId: `ASIA${this.hex(16).toUpperCase()}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          arn: `arn:aws:iam::${ACCOUNT}:role/${role}`,
          accountId: ACCOUNT,
          userName: role,
        },
        attributes: { creationDate: '2025-03-01T08:00:00Z', mfaAuthenticated: 'false' },
        ec2RoleDelivery: '2.0',
      },
    };
  }

  private base(
    eventSource: string,
    eventName: string,
    readOnly: boolean,
    timeMs: number,
  ): Record<string, unknown> {
    const region = this.pick(REGIONS);
    return {
      eventVersion: '1.09',
      userIdentity: this.identity(),
      eventTime: new Date(timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource,
      eventName,
      awsRegion: region,
      sourceIPAddress: `${10 + Math.floor(this.random() * 200)}.${Math.floor(this.random() * 256)}.${Math.floor(this.random() * 256)}.${Math.floor(this.random() * 256)}`,
      userAgent: this.pick([
        'aws-cli/2.17.60 md/awscrt#0.21.2 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.6 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe',
        'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/ec2#1.173.0',
        'Boto3/1.34.144 md/Botocore#1.34.144 ua/2.0 os/linux#5.10 md/arch#x86_64 lang/python#3.11.9',
        'console.amazonaws.com',
      ]),
      requestParameters: null,
      responseElements: null,
      requestID: this.uuid(),
      eventID: this.uuid(),
      readOnly,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      eventCategory: 'Management',
      tlsDetails: {
        tlsVersion: 'TLSv1.3',
        cipherSuite: 'TLS_AES_128_GCM_SHA256',
        clientProvidedHostHeader: `${eventSource.split('.')[0]}.${region}.amazonaws.com`,
      },
    };
  }

  private instance(): string {
    return `i-0${this.hex(16)}`;
  }

  /** The next record, as JSON text. */
  next(): string {
    this.n++;
    const timeMs = this.start + this.n * 1000 + Math.floor(this.random() * 1000);
    let r = Math.floor(this.random() * 1000);
    const take = (share: number): boolean => {
      r -= share;
      return r < 0;
    };
    let rec: Record<string, unknown>;
    if (take(MIX.otherService)) {
      const [source, name, ro] = this.pick(OTHER);
      rec = this.base(source, name, ro, timeMs);
      rec.requestParameters = {
        bucketName: `data-${this.hex(6)}`,
        key: `prefix/${this.hex(12)}/object.parquet`,
        Host: `data-${this.hex(6)}.s3.amazonaws.com`,
      };
      rec.resources = [
        { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::data-${this.hex(6)}/prefix/${this.hex(12)}` },
      ];
      rec.additionalEventData = {
        SignatureVersion: 'SigV4',
        CipherSuite: 'TLS_AES_128_GCM_SHA256',
        bytesTransferredIn: 0,
        AuthenticationMethod: 'AuthHeader',
        'x-amz-id-2': this.hex(60),
      };
    } else if (take(MIX.instanceCredentials)) {
      const [source, name, ro] = this.pick(INSTANCE_CALLS);
      rec = this.base(source, name, ro, timeMs);
      rec.userIdentity = this.instanceIdentity();
      rec.requestParameters = { instanceId: this.instance(), agentVersion: '3.3.1142.0' };
    } else if (take(MIX.ec2ReadOnly)) {
      rec = this.base('ec2.amazonaws.com', this.pick(EC2_READS), true, timeMs);
      rec.requestParameters = {
        maxResults: 1000,
        instancesSet: {},
        filterSet: { items: [{ name: 'tag:Environment', valueSet: { items: [{ value: 'production' }] } }] },
      };
    } else if (take(MIX.ec2ReadOnlyDenied)) {
      rec = this.base('ec2.amazonaws.com', this.pick(EC2_READS), true, timeMs);
      rec.errorCode = 'Client.UnauthorizedOperation';
      rec.errorMessage =
        'You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action';
      rec.requestParameters = { instancesSet: { items: [{ instanceId: this.instance() }] } };
    } else if (take(MIX.ec2Mutation)) {
      const name = this.pick(EC2_WRITES);
      rec = this.base('ec2.amazonaws.com', name, false, timeMs);
      const id = this.instance();
      if (name === 'RunInstances') {
        const count = 1 + Math.floor(this.random() * 3);
        rec.requestParameters = {
          instancesSet: { items: [{ imageId: `ami-0${this.hex(16)}`, minCount: count, maxCount: count }] },
          instanceType: 't3.micro',
          blockDeviceMapping: {},
          monitoring: { enabled: false },
          disableApiTermination: false,
          clientToken: this.uuid(),
        };
        rec.responseElements = {
          requestId: this.uuid(),
          reservationId: `r-0${this.hex(16)}`,
          ownerId: ACCOUNT,
          groupSet: {},
          instancesSet: {
            items: Array.from({ length: count }, () => ({
              instanceId: this.instance(),
              imageId: `ami-0${this.hex(16)}`,
              currentInstanceBootMode: 'legacy-bios',
              instanceState: { code: 0, name: 'pending' },
              privateDnsName: `ip-10-0-${Math.floor(this.random() * 255)}-${Math.floor(this.random() * 255)}.ec2.internal`,
              amiLaunchIndex: 0,
              productCodes: {},
              instanceType: 't3.micro',
              launchTime: timeMs,
              placement: { availabilityZone: 'us-east-1a', tenancy: 'default' },
              monitoring: { state: 'disabled' },
              subnetId: `subnet-0${this.hex(16)}`,
              vpcId: `vpc-0${this.hex(16)}`,
              privateIpAddress: '10.0.1.23',
              stateReason: { code: 'pending', message: 'pending' },
              architecture: 'x86_64',
              rootDeviceType: 'ebs',
              rootDeviceName: '/dev/xvda',
              blockDeviceMapping: {},
              virtualizationType: 'hvm',
              hypervisor: 'xen',
              groupSet: { items: [{ groupId: `sg-0${this.hex(16)}`, groupName: 'default' }] },
              sourceDestCheck: true,
              networkInterfaceSet: {
                items: [
                  {
                    networkInterfaceId: `eni-0${this.hex(16)}`,
                    subnetId: `subnet-0${this.hex(16)}`,
                    attachment: {
                      attachmentId: `eni-attach-0${this.hex(16)}`,
                      deviceIndex: 0,
                      status: 'attaching',
                      attachTime: timeMs,
                    },
                  },
                ],
              },
              ebsOptimized: false,
              enaSupport: true,
              metadataOptions: {
                state: 'pending',
                httpTokens: 'required',
                httpPutResponseHopLimit: 2,
                httpEndpoint: 'enabled',
              },
            })),
          },
        };
      } else if (name === 'CreateVolume' || name === 'AttachVolume') {
        rec.requestParameters = {
          volumeId: `vol-0${this.hex(16)}`,
          instanceId: id,
          device: '/dev/sdf',
          size: '100',
        };
        rec.responseElements = {
          requestId: this.uuid(),
          volumeId: `vol-0${this.hex(16)}`,
          instanceId: id,
          status: 'attaching',
          attachTime: timeMs,
        };
      } else if (name === 'AuthorizeSecurityGroupIngress') {
        rec.requestParameters = {
          groupId: `sg-0${this.hex(16)}`,
          ipPermissions: {
            items: [
              { ipProtocol: 'tcp', fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: '0.0.0.0/0' }] } },
            ],
          },
        };
        rec.responseElements = { requestId: this.uuid(), _return: true };
      } else {
        rec.requestParameters = { instancesSet: { items: [{ instanceId: id }] }, force: false };
        rec.responseElements = {
          requestId: this.uuid(),
          instancesSet: {
            items: [
              {
                instanceId: id,
                currentState: { code: 64, name: 'stopping' },
                previousState: { code: 16, name: 'running' },
              },
            ],
          },
        };
      }
    } else if (take(MIX.keyPush)) {
      rec = this.base('ec2-instance-connect.amazonaws.com', 'SendSSHPublicKey', false, timeMs);
      rec.requestParameters = {
        instanceId: this.instance(),
        instanceOSUser: this.pick(['ec2-user', 'ec2-user', 'ubuntu', 'root']),
        sSHPublicKey: this.pick(KEYS),
      };
      rec.responseElements = { requestId: this.uuid(), success: true };
    } else {
      rec = this.base(
        'ebs.amazonaws.com',
        this.pick(['StartSnapshot', 'CompleteSnapshot', 'PutSnapshotBlock']),
        false,
        timeMs,
      );
      rec.eventCategory = 'Data';
      rec.requestParameters = { snapshotId: `snap-0${this.hex(16)}`, volumeSize: 8 };
    }
    return JSON.stringify(rec);
  }
}

/**
 * Writes a delivery file of about `bytes` uncompressed bytes to `path`, streaming (no whole file in
 * memory). Returns the uncompressed size and the record count.
 */
export async function writeDeliveryFile(
  path: string,
  bytes: number,
  seed = 42,
  gzip = true,
  /** The time of the file's first second (its records come one a second from there). @default 2025-03-01 */
  start?: number,
): Promise<{ bytes: number; records: number }> {
  const gen = new RecordGenerator(seed, start);
  const out = createWriteStream(path);
  const sink = gzip ? createGzip({ level: 6 }) : undefined;
  if (sink) sink.pipe(out);
  const target = sink ?? out;
  let written = 0;
  let records = 0;
  const write = async (s: string): Promise<void> => {
    written += Buffer.byteLength(s);
    if (!target.write(s)) await once(target, 'drain');
  };
  await write('{"Records":[');
  let chunk: string[] = [];
  while (written < bytes) {
    const rec = gen.next();
    chunk.push(records === 0 ? rec : `,${rec}`);
    records++;
    if (chunk.length >= 256) {
      await write(chunk.join(''));
      chunk = [];
    }
  }
  await write(`${chunk.join('')}]}`);
  target.end();
  await once(out, 'finish');
  return { bytes: written, records };
}

/** A whole delivery file in memory (small sizes only). */
export function deliveryText(bytes: number, seed = 42): { text: Buffer; records: number } {
  const gen = new RecordGenerator(seed);
  const parts: string[] = ['{"Records":['];
  let size = 0;
  let records = 0;
  while (size < bytes) {
    const rec = gen.next();
    parts.push(records === 0 ? rec : `,${rec}`);
    size += rec.length + 1;
    records++;
  }
  parts.push(']}');
  return { text: Buffer.from(parts.join('')), records };
}
