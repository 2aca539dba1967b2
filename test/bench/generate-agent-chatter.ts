import { createHash } from 'node:crypto';
import { seededRandom } from '../helpers/random';
import { applicationCalls, cloudWatchAgentCalls, DAY_MS, REGION, ssmAgentCalls } from './agent-chatter-calls';
import { ACCOUNT } from './generate-data';

/**
 * One day of the background chatter a fleet makes with its instances' own credentials (the role
 * session named after the instance ID), as CloudTrail records, deterministic for a seed. Modelled on
 * real agent behaviour; where a cadence is documented the source is named, where it is not the value
 * is an assumption and says so:
 *
 * - SSM agent health ping, `ssm UpdateInstanceInformation` every 5 minutes: "SSM Agent calls the
 *   Systems Manager service in the cloud every 5 minutes to provide heartbeat information" (Systems
 *   Manager User Guide, "Reference: ec2messages, ssmmessages, and other API operations"), and
 *   `DefaultSsmHealthFrequencyMinutes = 5` in aws/amazon-ssm-agent agent/appconfig/constants.go.
 * - `ssm ListInstanceAssociations` every 10 minutes: `DefaultSsmAssociationFrequencyMinutes = 10`
 *   (same file).
 * - Association runs every 30 minutes (assumed: the inventory association of Quick Setup's host
 *   management; a fleet's associations and schedules vary): `DescribeAssociation`, `GetDocument`,
 *   `UpdateInstanceAssociationStatus` (InProgress, then Success), `PutInventory`,
 *   `PutComplianceItems`; the shapes follow the real records of the Invictus dataset (an SSM agent
 *   3.1 on an instance in /work/shared/corpus/real). A daily patch scan adds
 *   `GetDeployablePatchSnapshotForInstance`.
 * - Older agents (or instances with no route to ssmmessages) poll `ec2messages GetMessages`: the
 *   agent starts the next long poll as soon as one returns (aws/amazon-ssm-agent
 *   agent/messageservice/interactor/mdsinteractor/mdsinteractor.go, `messagePollLoop`); the poll's
 *   length is the service's, modelled as `pollSeconds` (20 s). Whether CloudTrail logs ec2messages
 *   calls at all is not documented: `legacyPollingShare` 0 models a trail that never sees them.
 * - Newer agents hold an ssmmessages control channel instead. CloudTrail logs its
 *   `CreateControlChannel` / `OpenControlChannel` as data events of `AWS::SSMMessages::ControlChannel`,
 *   off by default, with eventSource `ssm.amazonaws.com` (Systems Manager User Guide, "Logging AWS
 *   Systems Manager API calls with AWS CloudTrail", data event example; the Elastic integration's
 *   OpenControlChannel test record agrees). They appear only with `dataEvents`; the reconnect interval
 *   (`reconnectHours`, 3) is an assumption.
 * - CloudWatch agent: `ec2 DescribeTags` and `DescribeVolumes` at start and then every hour (its
 *   ec2tagger refreshes when configured to, aws/amazon-cloudwatch-agent
 *   plugins/processors/ec2tagger; hourly is an assumption), and `logs DescribeLogStreams` +
 *   `CreateLogStream` (failing with ResourceAlreadyExistsException when the stream exists) four times
 *   a day (assumed: restarts and new log files). `PutLogEvents` and `PutMetricData` are not modelled.
 * - An application on some instances: `secretsmanager GetSecretValue` four times a day (each with
 *   the `kms Decrypt` Secrets Manager makes on the caller's behalf), `ssm GetParameter` four times,
 *   `sts GetCallerIdentity` twice, and with `dataEvents` two `s3 GetObject`.
 *
 * Records have the real shape: `userIdentity` an AssumedRole session named after the instance with
 * `ec2RoleDelivery` 2.0; the source IP is the instance's private address with `vpcEndpointId` when
 * the calls go through interface endpoints, else the NAT gateway's public address; user agents as the
 * SDKs write them; `readOnly` as CloudTrail sets it for the call.
 */

export interface ChatterOptions {
  readonly instances: number;
  readonly seed?: number;
  /** Start of the day, epoch ms. @default 2025-03-01T00:00:00Z */
  readonly day?: number;
  /** Share of instances whose agent polls ec2messages (logged as management events). @default 0.25 */
  readonly legacyPollingShare?: number;
  /** Seconds per ec2messages long poll. @default 20 */
  readonly pollSeconds?: number;
  /** The trail logs data events (SSM control channels, S3 objects). @default false */
  readonly dataEvents?: boolean;
  /** Hours between control channel reconnects (assumption). @default 3 */
  readonly reconnectHours?: number;
  /** Minutes between association runs. @default 30 */
  readonly associationMinutes?: number;
  /** Share of instances running an application that calls AWS. @default 0.6 */
  readonly appShare?: number;
}

export type CloudTrailRecord = Record<string, unknown>;

const ROLES = ['app-server-role', 'batch-worker-role', 'AmazonSSMRoleForInstancesQuickSetup'];
const NAT_IPS = ['3.225.16.109', '44.207.12.90'];
const SSM_AGENTS = [
  { version: '3.2.2303.0', sdk: 'aws-sdk-go/1.44.325', go: 'go1.20.10' },
  { version: '3.3.40.0', sdk: 'aws-sdk-go/1.50.8', go: 'go1.21.5' },
  { version: '3.3.1142.0', sdk: 'aws-sdk-go/1.54.20', go: 'go1.22.5' },
];
const LEGACY_AGENT = { version: '3.1.1732.0', sdk: 'aws-sdk-go/1.41.4', go: 'go1.18.3' };

/** What one call says beyond who made it and when. */
interface Call {
  readonly source: string;
  readonly name: string;
  readonly readOnly: boolean;
  readonly request: unknown;
  readonly response?: unknown;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly resources?: unknown[];
  readonly data?: boolean;
  /** A call a service made with the caller's credentials (`invokedBy`, source IP the service). */
  readonly invokedBy?: string;
  /** Host header, when not `<service>.<region>.amazonaws.com`. */
  readonly host?: string;
}

interface Instance {
  readonly id: string;
  readonly ip: string;
  readonly arch: 'arm64' | 'amd64';
  readonly role: string;
  readonly roleId: string;
  readonly agent: { version: string; sdk: string; go: string };
  readonly legacy: boolean;
  /** Runs the CloudWatch agent (80% of instances, assumed). */
  readonly cwAgent: boolean;
  readonly app: boolean;
  readonly vpce?: string;
  readonly natIp: string;
  /** Credentials by six-hour period (instance profile credentials are rotated; period assumed). */
  readonly keys: { id: string; created: string }[];
}

class Chatter {
  private readonly random: () => number;
  /** The fleet's own draws, apart: every scenario of one seed has the same instances. */
  private readonly fleetRandom: () => number;
  private readonly day: number;
  private readonly o: Required<Omit<ChatterOptions, 'seed' | 'day'>>;
  private n = 0;
  readonly records: { t: number; record: CloudTrailRecord }[] = [];

  constructor(options: ChatterOptions) {
    this.random = seededRandom(options.seed ?? 12);
    this.fleetRandom = seededRandom((options.seed ?? 12) + 0x9e3779b9);
    this.day = options.day ?? Date.UTC(2025, 2, 1);
    this.o = {
      instances: options.instances,
      legacyPollingShare: options.legacyPollingShare ?? 0.25,
      pollSeconds: options.pollSeconds ?? 20,
      dataEvents: options.dataEvents ?? false,
      reconnectHours: options.reconnectHours ?? 3,
      associationMinutes: options.associationMinutes ?? 30,
      appShare: options.appShare ?? 0.6,
    };
  }

  hex(n: number, random = this.random): string {
    let s = '';
    while (s.length < n)
      s += Math.floor(random() * 0x100000000)
        .toString(16)
        .padStart(8, '0');
    return s.slice(0, n);
  }
  uuid(): string {
    const h = createHash('sha1')
      .update(String(this.n++))
      .update(this.hex(8))
      .digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)] as T;
  }
  private pickFleet<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.fleetRandom() * xs.length)] as T;
  }
  private iso(t: number): string {
    return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  instance(k: number): Instance {
    const hex = (n: number): string => this.hex(n, this.fleetRandom);
    // shares of the fleet by a low-discrepancy sequence, so that even a small fleet has them
    const share = (offset: number, of: number): boolean => (offset + k * 0.618_033_988_75) % 1 < of;
    const legacy = share(0.1, this.o.legacyPollingShare);
    const agent = this.pickFleet(SSM_AGENTS);
    const viaEndpoint = this.fleetRandom() < 0.5;
    const role = ROLES[k % ROLES.length] as string;
    // each period's credentials were issued a little before their first use
    const keys = [0, 1, 2, 3].map((p) => ({
      id: `ASIA${hex(16).toUpperCase()}`,
      created: this.iso(this.day + p * 6 * 3_600_000 - Math.floor(this.fleetRandom() * 3_600_000)),
    }));
    return {
      id: `i-0${hex(16)}`,
      ip: `10.0.${16 + Math.floor(this.fleetRandom() * 32)}.${1 + Math.floor(this.fleetRandom() * 250)}`,
      arch: this.fleetRandom() < 0.4 ? 'arm64' : 'amd64',
      role,
      roleId: `AROA${createHash('sha1').update(role).digest('hex').slice(0, 17).toUpperCase()}`,
      agent: legacy ? LEGACY_AGENT : agent,
      legacy,
      cwAgent: share(0.3, 0.8),
      app: share(0.7, this.o.appShare),
      ...(viaEndpoint ? { vpce: `vpce-0${hex(16)}` } : {}),
      natIp: this.pickFleet(NAT_IPS),
      keys,
    };
  }

  /** The CloudTrail record of `call` made by `inst` at `t`. */
  add(inst: Instance, t: number, call: Call): void {
    if (t < this.day || t >= this.day + DAY_MS) return;
    const key = inst.keys[Math.floor((t - this.day) / (6 * 3_600_000))];
    const identity: Record<string, unknown> = {
      type: 'AssumedRole',
      principalId: `${inst.roleId}:${inst.id}`,
      arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${inst.role}/${inst.id}`,
      accountId: ACCOUNT,
      accessKeyId: key?.id,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: inst.roleId,
          arn: `arn:aws:iam::${ACCOUNT}:role/${inst.role}`,
          accountId: ACCOUNT,
          userName: inst.role,
        },
        webIdFederationData: {},
        attributes: { creationDate: key?.created, mfaAuthenticated: 'false' },
        ec2RoleDelivery: '2.0',
      },
      ...(call.invokedBy ? { invokedBy: call.invokedBy } : {}),
    };
    const service = call.source.replace('.amazonaws.com', '');
    const endpoint = inst.vpce !== undefined && !call.invokedBy;
    const record: CloudTrailRecord = {
      eventVersion: call.data ? '1.10' : '1.09',
      userIdentity: identity,
      eventTime: this.iso(t),
      eventSource: call.source,
      eventName: call.name,
      awsRegion: REGION,
      sourceIPAddress: call.invokedBy ?? (endpoint ? inst.ip : inst.natIp),
      userAgent: call.invokedBy ?? call.userAgent,
      ...(call.errorCode ? { errorCode: call.errorCode, errorMessage: call.errorMessage } : {}),
      requestParameters: call.request,
      responseElements: call.response ?? null,
      requestID: this.uuid(),
      eventID: this.uuid(),
      readOnly: call.readOnly,
      ...(call.resources ? { resources: call.resources } : {}),
      eventType: 'AwsApiCall',
      managementEvent: !call.data,
      recipientAccountId: ACCOUNT,
      ...(endpoint ? { vpcEndpointId: inst.vpce, vpcEndpointAccountId: ACCOUNT } : {}),
      eventCategory: call.data ? 'Data' : 'Management',
      ...(call.invokedBy
        ? {}
        : {
            tlsDetails: {
              tlsVersion: 'TLSv1.3',
              cipherSuite: 'TLS_AES_128_GCM_SHA256',
              clientProvidedHostHeader: call.host ?? `${service}.${REGION}.amazonaws.com`,
            },
          }),
    };
    this.records.push({ t, record });
  }

  /** `f` every `periodMs` through the day from a random phase, each time a little late. */
  every(periodMs: number, jitterMs: number, f: (t: number) => void): void {
    const phase = Math.floor(this.random() * periodMs);
    for (let t = this.day + phase; t < this.day + DAY_MS; t += periodMs)
      f(t + Math.floor(this.random() * jitterMs));
  }

  get options(): Required<Omit<ChatterOptions, 'seed' | 'day'>> {
    return this.o;
  }
}

export type { Call, Chatter, Instance };

/** One instance-day of chatter for `options.instances` instances, in time order. */
export function generateAgentChatter(options: ChatterOptions): CloudTrailRecord[] {
  const chatter = new Chatter(options);
  for (let k = 0; k < options.instances; k++) {
    const inst = chatter.instance(k);
    ssmAgentCalls(chatter, inst);
    if (inst.cwAgent) cloudWatchAgentCalls(chatter, inst);
    if (inst.app) applicationCalls(chatter, inst);
  }
  return chatter.records.sort((a, b) => a.t - b.t).map((r) => r.record);
}

/** A delivery file: its S3 key as CloudTrail names it, its records and its body. */
export interface DeliveryFile {
  readonly key: string;
  readonly records: readonly CloudTrailRecord[];
  readonly body: Buffer;
}

/** The records as CloudTrail delivers them: one file per five minutes, `{"Records":[…]}`. */
export function deliveryFiles(records: readonly CloudTrailRecord[]): DeliveryFile[] {
  const files = new Map<number, CloudTrailRecord[]>();
  for (const r of records) {
    const slot = Math.floor(Date.parse(String(r.eventTime)) / 300_000);
    const file = files.get(slot);
    if (file) file.push(r);
    else files.set(slot, [r]);
  }
  return [...files].map(([slot, rs]) => {
    const at = new Date((slot + 1) * 300_000).toISOString();
    const stamp = `${at.slice(0, 4)}${at.slice(5, 7)}${at.slice(8, 10)}T${at.slice(11, 13)}${at.slice(14, 16)}Z`;
    const day = at.slice(0, 10).replaceAll('-', '/');
    return {
      key: `AWSLogs/${ACCOUNT}/CloudTrail/${REGION}/${day}/${ACCOUNT}_CloudTrail_${REGION}_${stamp}_AgentChatter${String(slot % 10_000).padStart(4, '0')}.json`,
      records: rs,
      body: Buffer.from(JSON.stringify({ Records: rs })),
    };
  });
}
