import { extractEvent, type IndexedEvent } from '../../lambda/core/event';
import { selectRecord } from '../../lambda/core/select';
import {
  byId,
  type FixtureRecord,
  invictusRecords,
  named,
  pantherRecords,
  stratusRecords,
} from '../helpers/fixture-records';
import { assumedRole, ec2Call, keyPush } from '../helpers/records';

/**
 * Every access method of CONTRACT "Instance access" that an event's record says by itself: one case
 * that counts (a real record where the corpus has one) and a near miss that does not.
 */

const off = { includeReadOnly: false };

/** The event of a record that must be indexed. */
function indexed(record: Record<string, unknown>): IndexedEvent {
  expect(selectRecord(record, off)).toBe('indexed');
  const extraction = extractEvent(record, JSON.stringify(record));
  if (!extraction.ok) throw new Error(extraction.reason);
  return extraction.event;
}

const first = (records: FixtureRecord[]): FixtureRecord => {
  const r = records[0];
  if (!r) throw new Error('no such record');
  return r;
};

const INSTANCE_CONNECT = 'ec2-instance-connect.amazonaws.com';
const SSM = 'ssm.amazonaws.com';
const ssmCall = (eventName: string, overrides: Record<string, unknown> = {}) =>
  ec2Call(eventName, { eventSource: SSM, ...overrides });

describe('access facts: EC2 Instance Connect', () => {
  it('SendSSHPublicKey is instance-connect, ssh as its OS user (real, Stratus)', () => {
    const e = indexed(first(stratusRecords('aws.lateral-movement.ec2-instance-connect.json')));
    expect(e.access).toEqual({ method: 'instance-connect', detail: 'ssh as ec2-user' });
    expect(e.instanceIds).toEqual(['i-fdb357cb7e99ad973']);
  });

  it('a denied SendSSHPublicKey keeps its access facts (the outcome is the error code)', () => {
    const e = indexed(keyPush({ errorCode: 'AccessDenied' }));
    expect(e.access?.method).toBe('instance-connect');
    expect(e.errorCode).toBe('AccessDenied');
  });

  it('SendSerialConsoleSSHPublicKey is serial-console with its port (real, Stratus); enabling the console is not', () => {
    const records = stratusRecords('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json');
    const push = indexed(first(named(records, 'SendSerialConsoleSSHPublicKey')));
    expect(push.access).toEqual({ method: 'serial-console', detail: 'serial port 0' });
    expect(indexed(first(named(records, 'EnableSerialConsoleAccess'))).access).toBeUndefined();
  });

  /** The shape of the AWS documentation's example (EC2 User Guide, Instance Connect Endpoint logging). */
  const openTunnel = (overrides: Record<string, unknown> = {}) =>
    ec2Call('OpenTunnel', {
      eventSource: INSTANCE_CONNECT,
      requestParameters: {
        instanceConnectEndpointId: 'eice-0123456789abcdef0',
        maxTunnelDuration: '3600',
        remotePort: '22',
        privateIpAddress: '10.0.1.10',
      },
      responseElements: null,
      resources: [
        {
          accountId: '111122223333',
          type: 'AWS::EC2::InstanceConnectEndpoint',
          ARN: 'arn:aws:ec2:us-east-1:111122223333:instance-connect-endpoint/eice-0123456789abcdef0',
        },
      ],
      ...overrides,
    });

  it('OpenTunnel is instance-connect-endpoint: the private address and port to match the instance by', () => {
    const e = indexed(openTunnel());
    expect(e.access).toEqual({
      method: 'instance-connect-endpoint',
      detail: 'tunnel to 10.0.1.10:22 via eice-0123456789abcdef0',
      privateIpAddress: '10.0.1.10',
      remotePort: '22',
    });
    // the record names no instance: the address is matched at query time
    expect(e.instanceIds).toEqual([]);
  });

  it('OpenTunnel: the address in one spelling (no leading zeros), a denied one kept, junk not taken as an address', () => {
    const params = { instanceConnectEndpointId: 'eice-0123456789abcdef0', remotePort: 3389 };
    const zeros = indexed(
      openTunnel({ requestParameters: { ...params, privateIpAddress: '010.000.001.010' } }),
    );
    expect(zeros.access?.privateIpAddress).toBe('10.0.1.10');
    expect(zeros.access?.remotePort).toBe('3389');
    const denied = indexed(openTunnel({ errorCode: 'AccessDenied' }));
    expect(denied.access?.method).toBe('instance-connect-endpoint');
    const junk = indexed(openTunnel({ requestParameters: { ...params, privateIpAddress: 'not-an-ip' } }));
    expect(junk.access?.privateIpAddress).toBeUndefined();
    expect(junk.access?.detail).toBe('tunnel to not-an-ip:3389 via eice-0123456789abcdef0');
  });

  it('the endpoint created for tunnels is not itself an access (CreateInstanceConnectEndpoint)', () => {
    expect(indexed(ec2Call('CreateInstanceConnectEndpoint')).access).toBeUndefined();
  });
});

describe('access facts: Systems Manager', () => {
  const session = stratusRecords('aws.execution.ssm-start-session.json');
  const command = stratusRecords('aws.execution.ssm-send-command.json');

  it('StartSession is ssm-session on its target, with the session ID (real, Stratus)', () => {
    const e = indexed(byId(session, '8086b250-d29c-4659-9aec-86c8446a3895'));
    expect(e.access).toEqual({ method: 'ssm-session', detail: 'shell' });
    expect(e.sessionId).toBe('christophe-wzleysigzmbd6fmkefjqvt5w4u');
    expect(e.instanceIds).toEqual(['i-ea1d1296c1de3aa1f']);
  });

  it('TerminateSession is no access, but carries the session ID so the session end is found (real, Stratus)', () => {
    const e = indexed(byId(session, 'f8f0460c-476b-42b7-9cfb-cd6345e2aad1'));
    expect(e.access).toBeUndefined();
    expect(e.sessionId).toBe('christophe-wzleysigzmbd6fmkefjqvt5w4u');
  });

  it('StartSession with a document, ResumeSession, and a denied StartSession', () => {
    const ported = indexed(
      ssmCall('StartSession', {
        requestParameters: { target: 'i-0123456789abcdef0', documentName: 'AWS-StartPortForwardingSession' },
        responseElements: { sessionId: 'alice-0a1b2c3d4e5f6a7b8' },
      }),
    );
    expect(ported.access?.detail).toBe('document AWS-StartPortForwardingSession');
    const resumed = indexed(
      ssmCall('ResumeSession', {
        requestParameters: { sessionId: 'alice-0a1b2c3d4e5f6a7b8' },
        responseElements: { sessionId: 'alice-0a1b2c3d4e5f6a7b8', tokenValue: 'Value hidden' },
      }),
    );
    expect(resumed.access).toEqual({ method: 'ssm-session', detail: 'session resumed' });
    expect(resumed.sessionId).toBe('alice-0a1b2c3d4e5f6a7b8');
    const denied = indexed(
      ssmCall('StartSession', {
        readOnly: true,
        errorCode: 'AccessDenied',
        requestParameters: { target: 'i-0123456789abcdef0' },
      }),
    );
    expect(denied.access?.method).toBe('ssm-session');
    expect(denied.sessionId).toBeUndefined();
  });

  it('SendCommand is ssm-command with its document, on every instance named (real, Stratus)', () => {
    const e = indexed(byId(command, '5288bfb8-e3fa-4c41-be02-6853521afe8b'));
    expect(e.access).toEqual({ method: 'ssm-command', detail: 'document AWS-RunShellScript' });
    expect([...e.instanceIds].sort()).toEqual([
      'i-00456a8d163f546ff',
      'i-9d40ccfc0ae91cfa5',
      'i-cfe23b1a7ceba6f86',
    ]);
  });

  it('SendCommand by targets names no instance: the targets are kept and the detail says so', () => {
    const targets = [{ key: 'tag:Env', values: ['prod', 'staging'] }];
    const e = indexed(
      ssmCall('SendCommand', {
        requestParameters: { documentName: 'AWS-RunShellScript', targets, parameters: 'HIDDEN' },
      }),
    );
    expect(e.access).toEqual({
      method: 'ssm-command',
      detail: 'document AWS-RunShellScript by targets tag:Env=prod,staging (no instance IDs in the request)',
      targets: JSON.stringify(targets),
    });
    expect(e.instanceIds).toEqual([]);
  });

  it('SendCommand by targets of instance IDs names them; with neither, the detail says so', () => {
    const targets = [{ key: 'InstanceIds', values: ['i-0123456789abcdef0'] }];
    const byIds = indexed(
      ssmCall('SendCommand', { requestParameters: { documentName: 'AWS-RunShellScript', targets } }),
    );
    expect(byIds.access?.detail).toBe(
      'document AWS-RunShellScript by targets InstanceIds=i-0123456789abcdef0',
    );
    expect(byIds.instanceIds).toEqual(['i-0123456789abcdef0']);
    const none = indexed(
      ssmCall('SendCommand', { requestParameters: { documentName: 'AWS-RunShellScript' } }),
    );
    expect(none.access).toEqual({
      method: 'ssm-command',
      detail: 'document AWS-RunShellScript (no instance IDs in the request)',
    });
  });

  it('the reads around a command or session by a user are not indexed (real, Stratus)', () => {
    for (const name of ['GetCommandInvocation', 'DescribeInstanceInformation'])
      for (const r of named(command, name)) expect(selectRecord(r, off)).toBe('other-source');
  });
});

describe('access facts: EC2 launches, user data, passwords, console', () => {
  it('RunInstances with a key pair that started instances is launch-key-pair (Panther)', () => {
    const e = indexed(byId(pantherRecords(), '762b9172-6148-4c76-aee4-f6fc0fd140af'));
    expect(e.keyNames).toEqual(['a-key']);
    expect(e.access).toEqual({ method: 'launch-key-pair', detail: 'key pair a-key' });
  });

  it('a failed launch names its key pair, but started nothing: no access', () => {
    const e = indexed(
      ec2Call('RunInstances', {
        errorCode: 'Client.UnauthorizedOperation',
        requestParameters: {
          instancesSet: { items: [{ imageId: 'ami-0123456789abcdef0' }] },
          keyName: 'prod',
        },
      }),
    );
    expect(e.keyNames).toEqual(['prod']);
    expect(e.access).toBeUndefined();
  });

  it('ModifyInstanceAttribute of userData is user-data-change (real, Stratus); of another attribute it is not', () => {
    const records = stratusRecords('aws.execution.ec2-user-data.json');
    const e = indexed(first(named(records, 'ModifyInstanceAttribute')));
    expect(e.access).toEqual({ method: 'user-data-change', detail: 'user data changed' });
    const byAttribute = ec2Call('ModifyInstanceAttribute', {
      requestParameters: {
        instanceId: 'i-0123456789abcdef0',
        attribute: 'userData',
        value: '<sensitiveDataRemoved>',
      },
    });
    expect(indexed(byAttribute).access?.method).toBe('user-data-change');
    const type = ec2Call('ModifyInstanceAttribute', {
      requestParameters: { instanceId: 'i-0123456789abcdef0', instanceType: { value: 't3.large' } },
    });
    expect(indexed(type).access).toBeUndefined();
  });

  it('DescribeInstanceAttribute of userData is user-data-read, denied or not (real, Stratus)', () => {
    const denied = first(stratusRecords('aws.discovery.ec2-download-user-data.json'));
    const e = indexed(denied);
    expect(e.access).toEqual({ method: 'user-data-read', detail: 'attribute userData' });
    expect(e.errorCode).toBe('Client.UnauthorizedOperation');
    const read = ec2Call('DescribeInstanceAttribute', {
      readOnly: true,
      requestParameters: { instanceId: 'i-0123456789abcdef0', attribute: 'userData' },
    });
    expect(indexed(read).access?.method).toBe('user-data-read');
  });

  it('DescribeInstanceAttribute of instanceType stays a skipped successful read; denied, it is indexed without access', () => {
    const type = { instanceId: 'i-0123456789abcdef0', attribute: 'instanceType' };
    expect(
      selectRecord(ec2Call('DescribeInstanceAttribute', { readOnly: true, requestParameters: type }), off),
    ).toBe('read-only');
    const denied = ec2Call('DescribeInstanceAttribute', {
      readOnly: true,
      errorCode: 'Client.UnauthorizedOperation',
      requestParameters: type,
    });
    expect(indexed(denied).access).toBeUndefined();
  });

  it('GetPasswordData is password-data: a failed one is indexed with its facts (real, Stratus), a successful one too', () => {
    const failed = indexed(first(stratusRecords('aws.credential-access.ec2-get-password-data.json')));
    expect(failed.access).toEqual({ method: 'password-data', detail: 'password data' });
    expect(failed.errorCode).toBe('Client.UnauthorizedOperation');
    const read = ec2Call('GetPasswordData', {
      readOnly: true,
      requestParameters: { instanceId: 'i-0123456789abcdef0' },
      responseElements: { instanceId: 'i-0123456789abcdef0', passwordData: '<sensitiveDataRemoved>' },
    });
    expect(indexed(read).instanceIds).toEqual(['i-0123456789abcdef0']);
  });

  it.each([
    ['GetConsoleOutput', 'console output'],
    ['GetConsoleScreenshot', 'console screenshot'],
  ])('%s is console-output, even when it succeeds', (eventName, detail) => {
    const e = indexed(
      ec2Call(eventName, { readOnly: true, requestParameters: { instanceId: 'i-0123456789abcdef0' } }),
    );
    expect(e.access).toEqual({ method: 'console-output', detail });
  });

  it('the same names from another service are not EC2 access (GetPasswordData of a made-up source, of EBS)', () => {
    const other = ec2Call('GetPasswordData', { eventSource: 'lightsail.amazonaws.com', readOnly: true });
    expect(selectRecord(other, off)).toBe('other-source');
    const ebs = ec2Call('GetConsoleOutput', { eventSource: 'ebs.amazonaws.com', readOnly: true });
    expect(selectRecord(ebs, off)).toBe('read-only');
  });
});

describe("calls made with an instance's own credentials", () => {
  const stolen = stratusRecords('aws.credential-access.ec2-steal-instance-credentials.json');
  const agent = invictusRecords('218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json');

  it('any service, read-only and successful, is indexed as the instance activity (real, Stratus)', () => {
    for (const r of [...named(stolen, 'GetCallerIdentity'), ...named(stolen, 'DescribeInstances')]) {
      const e = indexed(r);
      expect(e.actorInstanceId).toBe('i-786a3a8b5c0d92ef4');
      // made by the instance, not done to it
      expect(e.instanceIds).not.toContain('i-786a3a8b5c0d92ef4');
      expect(e.access).toBeUndefined();
    }
  });

  it("the SSM agent's routine calls are not kept; the same credentials' other calls are (real, Invictus)", () => {
    for (const name of [
      'UpdateInstanceInformation',
      'UpdateInstanceAssociationStatus',
      'ListInstanceAssociations',
      'GetDocument',
      'PutComplianceItems',
    ])
      for (const r of named(agent, name)) expect(selectRecord(r, off)).toBe('other-source');
    expect(indexed(byId(agent, 'bf68f8c0-590b-4740-ac89-aad0ed5dfe4f')).actorInstanceId).toBe(
      'i-0dbc91f429e48eeed',
    );
    expect(indexed(byId(agent, 'd3d5fd99-faa9-4959-a464-56fba613cc2e')).actorInstanceId).toBe(
      'i-0dbc91f429e48eeed',
    );
  });

  it("the CloudWatch agent's EC2 reads stay skipped, and failed they are indexed by the EC2 rule as before", () => {
    const creds = { userIdentity: assumedRole('web-role', 'i-0123456789abcdef0') };
    expect(selectRecord(ec2Call('DescribeTags', { readOnly: true, ...creds }), off)).toBe('read-only');
    const denied = ec2Call('DescribeTags', {
      readOnly: true,
      errorCode: 'Client.UnauthorizedOperation',
      ...creds,
    });
    expect(indexed(denied).actorInstanceId).toBe('i-0123456789abcdef0');
  });

  it('a denied call does not make the instance its own target through its ARN in the error message', () => {
    const e = indexed(
      ec2Call('StopInstances', {
        userIdentity: assumedRole('web-role', 'i-0123456789abcdef0'),
        errorCode: 'Client.UnauthorizedOperation',
        errorMessage:
          'You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/web-role/i-0123456789abcdef0 is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:us-east-1:111122223333:instance/i-0fedcba9876543210',
      }),
    );
    expect(e.instanceIds).toEqual(['i-0fedcba9876543210']);
    expect(e.actorInstanceId).toBe('i-0123456789abcdef0');
  });

  it.each([
    ['a session that only starts like an instance ID', assumedRole('web-role', 'i-1234abcd-admin')],
    ['a session of the wrong length', assumedRole('web-role', 'i-0123456789')],
    ['a session that is not hex', assumedRole('web-role', 'i-xyz01234')],
    [
      'an IAM user named like an instance',
      {
        type: 'IAMUser',
        arn: 'arn:aws:iam::111122223333:user/i-0123456789abcdef0',
        userName: 'i-0123456789abcdef0',
      },
    ],
    [
      'a role ARN, not an assumed-role session',
      { type: 'AssumedRole', arn: 'arn:aws:iam::111122223333:role/i-0123456789abcdef0' },
    ],
    [
      'an assumed-role ARN of another type',
      { type: 'AWSService', arn: 'arn:aws:sts::111122223333:assumed-role/web-role/i-0123456789abcdef0' },
    ],
  ])('%s is not an instance', (_name, userIdentity) => {
    const r = ec2Call('GetCallerIdentity', {
      eventSource: 'sts.amazonaws.com',
      readOnly: true,
      userIdentity,
    });
    expect(selectRecord(r, off)).toBe('other-source');
    const mutating = ec2Call('StopInstances', { userIdentity });
    expect(indexed(mutating).actorInstanceId).toBeUndefined();
  });
});
