import type { Call, Chatter, Instance } from './generate-agent-chatter';
import { ACCOUNT } from './generate-data';

/**
 * The calls each agent makes in a day, for `generate-agent-chatter.ts` (whose header says where each
 * cadence comes from). Request and response shapes follow real records: the SSM agent's from the
 * Invictus dataset, the control channel's from the Systems Manager User Guide and the Elastic
 * integration's test record.
 */

export const REGION = 'us-east-1';
export const DAY_MS = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

const CW_AGENT = 'CWAgent/1.300032.3b392 (go1.21.4; linux; amd64) aws-sdk-go/1.48.6';
const APP_AGENT =
  'Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.79-99.167.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.69';
/** State Manager associations target many instances: one ID each for the fleet. */
const INVENTORY = { id: '5a7e1c42-9b0d-4f6e-8a31-2d4c6b8e0f17', document: 'AWS-GatherSoftwareInventory' };
const PATCH_SCAN = { id: 'c3e8f0a9-6d21-4b57-9e04-71a2b5c8d3f6', document: 'AWS-RunPatchBaseline' };
const SECRET = 'prod/app/db-credentials';
const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0d6f4a9e-2b71-4c8d-93e5-a1b2c3d4e5f6`;
const BUCKET = `app-config-${ACCOUNT}`;

const instanceArn = (inst: Instance): string => `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${inst.id}`;

/** "Mar 1, 2025, 9:05:12 AM", as the agent writes execution dates. */
function agentDate(t: number): string {
  return new Date(t).toLocaleString('en-US', {
    timeZone: 'UTC',
    month: 'short',
    day: 'numeric',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The SSM agent: health pings, association polls and runs, and its messaging channel. */
export function ssmAgentCalls(c: Chatter, inst: Instance): void {
  const ua = `${inst.agent.sdk} (${inst.agent.go}; linux; ${inst.arch}) amazon-ssm-agent/${inst.agent.version}`;
  const ssm = (name: string, readOnly: boolean, request: unknown, more: Partial<Call> = {}): Call => ({
    source: 'ssm.amazonaws.com',
    name,
    readOnly,
    request,
    userAgent: ua,
    resources: [{ accountId: ACCOUNT, ARN: instanceArn(inst) }],
    ...more,
  });
  const info = inst.legacy
    ? {
        instanceId: inst.id,
        agentVersion: inst.agent.version,
        platformType: 'Linux',
        agentName: 'amazon-ssm-agent',
      }
    : {
        instanceId: inst.id,
        agentVersion: inst.agent.version,
        agentStatus: 'Active',
        platformType: 'Linux',
        platformName: 'Amazon Linux',
        platformVersion: '2023',
        iPAddress: inst.ip,
        computerName: `ip-${inst.ip.replaceAll('.', '-')}.ec2.internal`,
        agentName: 'amazon-ssm-agent',
        availabilityZone: `${REGION}a`,
        availabilityZoneId: 'use1-az4',
        ssmConnectionChannel: 'ssmmessages',
      };
  c.every(5 * MINUTE, 2_000, (t) =>
    c.add(inst, t, ssm('UpdateInstanceInformation', false, info, { resources: undefined })),
  );
  c.every(10 * MINUTE, 2_000, (t) =>
    c.add(inst, t, ssm('ListInstanceAssociations', true, { instanceId: inst.id, maxResults: 20 })),
  );
  c.every(c.options.associationMinutes * MINUTE, 5_000, (t) => associationRun(c, inst, t, ssm, INVENTORY));
  c.every(DAY_MS, 2 * HOUR, (t) => associationRun(c, inst, t, ssm, PATCH_SCAN));
  messaging(c, inst, ua);
}

type SsmCall = (name: string, readOnly: boolean, request: unknown, more?: Partial<Call>) => Call;

/** One run of an association: fetch it, report InProgress, do the work, report the result. */
function associationRun(
  c: Chatter,
  inst: Instance,
  t: number,
  ssm: SsmCall,
  association: { id: string; document: string },
): void {
  const assocArn = `arn:aws:ssm:${REGION}:${ACCOUNT}:association/${association.id}`;
  const status = (at: number, s: string, summary: string): Call =>
    ssm(
      'UpdateInstanceAssociationStatus',
      false,
      {
        associationId: association.id,
        instanceId: inst.id,
        executionResult: {
          executionDate: agentDate(at),
          status: s,
          executionSummary: summary,
          errorCode: '',
        },
      },
      {
        resources: [
          { accountId: ACCOUNT, ARN: assocArn },
          { accountId: ACCOUNT, ARN: instanceArn(inst) },
        ],
      },
    );
  c.add(inst, t, ssm('DescribeAssociation', true, { associationId: association.id, instanceId: inst.id }));
  c.add(
    inst,
    t + 300,
    ssm('GetDocument', true, { name: association.document, documentVersion: '1' }, { resources: undefined }),
  );
  c.add(inst, t + 900, status(t + 900, 'InProgress', 'Executing association'));
  const done = t + 20_000 + c.pick([0, 5_000, 12_000, 25_000]);
  const patch = association === PATCH_SCAN;
  if (patch)
    c.add(
      inst,
      t + 4_000,
      ssm('GetDeployablePatchSnapshotForInstance', true, {
        instanceId: inst.id,
        snapshotId: c.uuid(),
        baselineOverride: null,
      }),
    );
  const types = patch
    ? ['AWS:PatchSummary']
    : [
        'AWS:Network',
        'AWS:BillingInfo',
        'AWS:InstanceDetailedInformation',
        'AWS:Application',
        'AWS:AWSComponent',
      ];
  c.add(
    inst,
    done,
    ssm('PutInventory', false, {
      instanceId: inst.id,
      items: types.map((typeName) => ({
        typeName,
        schemaVersion: '1.0',
        captureTime: new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        contentHash: `${c.hex(22)}==`,
      })),
    }),
  );
  c.add(
    inst,
    done,
    ssm(
      'PutComplianceItems',
      false,
      {
        resourceId: inst.id,
        resourceType: 'ManagedInstance',
        complianceType: patch ? 'Patch' : 'Association',
        executionSummary: { executionTime: agentDate(done), executionId: '', executionType: '' },
        items: [
          {
            id: association.id,
            title: '',
            severity: 'UNSPECIFIED',
            status: 'COMPLIANT',
            details: { DocumentVersion: '1', DocumentName: association.document },
          },
        ],
        itemContentHash: `${c.hex(22)}==`,
      },
      { resources: undefined },
    ),
  );
  c.add(
    inst,
    done + 400,
    status(
      done + 400,
      'Success',
      '1 out of 1 plugin processed, 1 success, 0 failed, 0 timedout, 0 skipped. ',
    ),
  );
}

/** ec2messages long polls (older agents), or the ssmmessages control channel (data events). */
function messaging(c: Chatter, inst: Instance, ua: string): void {
  const o = c.options;
  if (inst.legacy) {
    c.every(o.pollSeconds * 1000, 500, (t) =>
      c.add(inst, t, {
        source: 'ec2messages.amazonaws.com',
        name: 'GetMessages',
        readOnly: false,
        request: { destination: inst.id, messagesRequestId: c.uuid(), visibilityTimeoutInSeconds: 10 },
        userAgent: ua,
      }),
    );
    return;
  }
  if (!o.dataEvents) return;
  const host = `ssmmessages.${REGION}.amazonaws.com`;
  c.every(o.reconnectHours * HOUR, 30 * MINUTE, (t) => {
    const requestId = c.uuid();
    c.add(inst, t, {
      source: 'ssm.amazonaws.com',
      name: 'CreateControlChannel',
      readOnly: false,
      data: true,
      host,
      request: { channelId: inst.id, messageSchemaVersion: '1.0', requestId, userAgent: ua },
      response: {
        messageSchemaVersion: '1.0',
        tokenValue: 'Value hidden due to security reasons.',
        url: `wss://${host}/v1/control-channel/${inst.id}`,
      },
      resources: [
        {
          accountId: ACCOUNT,
          type: 'AWS::SSMMessages::ControlChannel',
          ARN: `arn:aws:ssmmessages:${REGION}:${ACCOUNT}:control-channel/${inst.id}`,
        },
      ],
      userAgent: ua,
    });
    c.add(inst, t + 700, {
      source: 'ssm.amazonaws.com',
      name: 'OpenControlChannel',
      readOnly: false,
      data: true,
      host,
      request: {
        targetId: inst.id,
        messageSchemaVersion: '1.0',
        requestId,
        tokenValue: 'Value hidden due to security reasons.',
        agentVersion: inst.agent.version,
        platformType: 'linux',
        requireAcknowledgement: false,
      },
      resources: [{ accountId: ACCOUNT, type: 'AWS::EC2::Instance', ARN: instanceArn(inst) }],
      userAgent: 'Go-http-client/1.1',
    });
  });
}

/** The CloudWatch agent: its ec2tagger's lookups and its log streams. */
export function cloudWatchAgentCalls(c: Chatter, inst: Instance): void {
  const filter = (name: string): unknown => ({
    items: [{ name, valueSet: { items: [{ value: inst.id }] } }],
  });
  c.every(HOUR, MINUTE, (t) => {
    c.add(inst, t, {
      source: 'ec2.amazonaws.com',
      name: 'DescribeTags',
      readOnly: true,
      request: { filterSet: filter('resource-id') },
      userAgent: CW_AGENT,
    });
    c.add(inst, t + 200, {
      source: 'ec2.amazonaws.com',
      name: 'DescribeVolumes',
      readOnly: true,
      request: { volumeSet: {}, filterSet: filter('attachment.instance-id') },
      userAgent: CW_AGENT,
    });
  });
  const logGroupName = '/ec2/var/log/messages';
  c.every(6 * HOUR, HOUR, (t) => {
    c.add(inst, t, {
      source: 'logs.amazonaws.com',
      name: 'DescribeLogStreams',
      readOnly: true,
      request: { logGroupName, logStreamNamePrefix: inst.id },
      userAgent: CW_AGENT,
    });
    c.add(inst, t + 150, {
      source: 'logs.amazonaws.com',
      name: 'CreateLogStream',
      readOnly: false,
      request: { logGroupName, logStreamName: inst.id },
      errorCode: 'ResourceAlreadyExistsException',
      errorMessage: 'The specified log stream already exists',
      userAgent: CW_AGENT,
    });
  });
}

/** An application's own calls: the non-routine ones, kept "after" too. */
export function applicationCalls(c: Chatter, inst: Instance): void {
  c.every(6 * HOUR, HOUR, (t) => {
    const secretArn = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET}-AbCdEf`;
    c.add(inst, t, {
      source: 'secretsmanager.amazonaws.com',
      name: 'GetSecretValue',
      readOnly: true,
      request: { secretId: SECRET },
      userAgent: APP_AGENT,
    });
    c.add(inst, t + 40, {
      source: 'kms.amazonaws.com',
      name: 'Decrypt',
      readOnly: true,
      invokedBy: 'secretsmanager.amazonaws.com',
      request: {
        encryptionContext: { SecretARN: secretArn, SecretVersionId: '7b0f2c1e-5d9a-4e63-b8f4-0a1c2d3e4f50' },
        encryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      },
      resources: [{ accountId: ACCOUNT, type: 'AWS::KMS::Key', ARN: KMS_KEY }],
      userAgent: APP_AGENT,
    });
    c.add(inst, t + 900, {
      source: 'ssm.amazonaws.com',
      name: 'GetParameter',
      readOnly: true,
      request: { name: '/app/prod/config', withDecryption: true },
      userAgent: APP_AGENT,
    });
  });
  c.every(12 * HOUR, 6 * HOUR, (t) =>
    c.add(inst, t, {
      source: 'sts.amazonaws.com',
      name: 'GetCallerIdentity',
      readOnly: true,
      request: null,
      userAgent: APP_AGENT,
    }),
  );
  if (!c.options.dataEvents) return;
  c.every(12 * HOUR, 6 * HOUR, (t) =>
    c.add(inst, t, {
      source: 's3.amazonaws.com',
      name: 'GetObject',
      readOnly: true,
      data: true,
      host: `${BUCKET}.s3.${REGION}.amazonaws.com`,
      request: { bucketName: BUCKET, Host: `${BUCKET}.s3.${REGION}.amazonaws.com`, key: 'config/app.json' },
      resources: [
        { type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${BUCKET}/config/app.json` },
        { accountId: ACCOUNT, type: 'AWS::S3::Bucket', ARN: `arn:aws:s3:::${BUCKET}` },
      ],
      userAgent: APP_AGENT,
    }),
  );
}
