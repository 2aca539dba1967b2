import { canonicalIp, extractPrivateAddresses } from '../../lambda/core/access/addresses';
import { agentCalls, isAgentCall } from '../../lambda/core/access/agent-calls';
import { extractKeyNames } from '../../lambda/core/access/key-names';
import { extractEvent } from '../../lambda/core/event';
import { LIMITS } from '../../lambda/core/limits';
import { extractResourceIds, isResourceId, RESOURCE_KINDS } from '../../lambda/core/resource-ids';
import { byId, invictusRecords } from '../helpers/fixture-records';
import { ec2Call } from '../helpers/records';

const INVICTUS_1200 = '218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json';
const INVICTUS_RUN = '218007301253_CloudTrail_us-east-1_20230710T1200Z_x9kHmzMa7cx6l9wM.json';

describe('new resource ID kinds (CONTRACT: network interface, subnet, VPC, Elastic IP, key pair, launch template)', () => {
  it.each([
    'eni-0938d805949b4e134',
    'subnet-0c8a70cf4fd24084f',
    'vpc-07b33857c7ad1c027',
    'eipalloc-0123456789abcdef0',
    'key-0123456789abcdef0',
    'lt-0123456789abcdef0',
    'vpc-0a1B2c3D',
  ])('%s is a resource ID', (id) => {
    expect(isResourceId(id)).toBe(true);
  });

  it.each([
    'vpce-0123456789abcdef0',
    'eni-attach-00cac81742e39b87a',
    'subnet-0123456789abcdef',
    'key-pair-name',
    'lt-0123456789abcdefg',
    'i-0123456789abcdef0',
  ])('%s is not', (id) => {
    expect(isResourceId(id)).toBe(false);
  });

  it('lists every kind the CONTRACT names, beside the four of before', () => {
    expect([...RESOURCE_KINDS].sort()).toEqual(
      ['ami', 'eipalloc', 'eni', 'key', 'lt', 'snap', 'sg', 'subnet', 'vol', 'vpc'].sort(),
    );
  });

  it('takes them from a real CreateNetworkInterface, lower case, without the attachment IDs (Invictus)', () => {
    const r = byId(invictusRecords(INVICTUS_1200), '16034e79-0235-4886-9566-19d4a4ca1d72');
    expect(extractResourceIds(r).resourceIds.sort()).toEqual(
      [
        'eni-076fa9fb98a2500a7',
        'sg-0b233157065b7d5e2',
        'subnet-0ed352584ab4aa265',
        'vpc-06fe1a64761a0f720',
      ].sort(),
    );
  });

  it('keeps the same bound per event, all kinds together', () => {
    const many = Array.from({ length: 300 }, (_, k) => ({
      subnetId: `subnet-${k.toString(16).padStart(8, '0')}`,
    }));
    const ids = extractResourceIds(
      ec2Call('CreateTags', { requestParameters: { resourcesSet: { items: many } } }),
    );
    expect(ids.resourceIds).toHaveLength(LIMITS.resourceIdsPerEvent);
    expect(ids.truncated).toBe(true);
  });
});

describe('key pair names', () => {
  it('from a RunInstances request and each started instance, once, exact case', () => {
    const names = extractKeyNames(
      ec2Call('RunInstances', {
        requestParameters: {
          instancesSet: { items: [{ imageId: 'ami-0123456789abcdef0', keyName: 'Prod-Admin' }] },
        },
        responseElements: { instancesSet: { items: [{ keyName: 'Prod-Admin' }, { keyName: 'Prod-Admin' }] } },
      }),
    );
    expect(names).toEqual(['Prod-Admin']);
  });

  it('from ImportKeyPair, a DescribeKeyPairs key set, and a launch template (KeyName)', () => {
    expect(extractKeyNames(ec2Call('ImportKeyPair', { requestParameters: { keyName: 'laptop' } }))).toEqual([
      'laptop',
    ]);
    const described = ec2Call('DescribeKeyPairs', {
      requestParameters: { keySet: { items: [{ keyName: 'a' }, { keyName: 'b' }] } },
    });
    expect(extractKeyNames(described)).toEqual(['a', 'b']);
    const template = ec2Call('CreateLaunchTemplate', {
      requestParameters: { CreateLaunchTemplateRequest: { LaunchTemplateData: { KeyName: 'fleet' } } },
    });
    expect(extractKeyNames(template)).toEqual(['fleet']);
  });

  it('bounded in number and length; none when the call names none', () => {
    const items = Array.from({ length: 20 }, (_, k) => ({ keyName: `key-${k}-${'x'.repeat(400)}` }));
    const names = extractKeyNames(ec2Call('DescribeKeyPairs', { requestParameters: { keySet: { items } } }));
    expect(names).toHaveLength(LIMITS.keyNamesPerEvent);
    for (const n of names ?? []) expect(n.length).toBeLessThanOrEqual(LIMITS.keyName);
    expect(extractKeyNames(ec2Call('StopInstances'))).toBeUndefined();
  });

  it('are taken from EC2 events only', () => {
    const other = ec2Call('CreateKey', {
      eventSource: 'kms.amazonaws.com',
      requestParameters: { keyName: 'x' },
    });
    const e = extractEvent(other, JSON.stringify(other));
    expect(e.ok && e.event.keyNames).toBeUndefined();
  });
});

describe('private addresses given by a call', () => {
  it('RunInstances: the instance and its network interface, each with its address (real, Invictus)', () => {
    const r = byId(invictusRecords(INVICTUS_RUN), '86eac0ac-8521-4126-aa32-a22f2b74d02e');
    expect(extractPrivateAddresses('RunInstances', r)).toEqual([
      ['i-0dbc91f429e48eeed', '10.0.1.10'],
      ['eni-076fa9fb98a2500a7', '10.0.1.10'],
    ]);
    const e = extractEvent(r, JSON.stringify(r));
    expect(e.ok && e.event.privateAddresses).toEqual([
      ['i-0dbc91f429e48eeed', '10.0.1.10'],
      ['eni-076fa9fb98a2500a7', '10.0.1.10'],
    ]);
  });

  it('CreateNetworkInterface: the new interface and its address (real, Invictus)', () => {
    const r = byId(invictusRecords(INVICTUS_1200), '16034e79-0235-4886-9566-19d4a4ca1d72');
    expect(extractPrivateAddresses('CreateNetworkInterface', r)).toEqual([
      ['eni-076fa9fb98a2500a7', '10.0.1.10'],
    ]);
  });

  it("an instance's secondary addresses find it too, and AssignPrivateIpAddresses gives the interface more", () => {
    const run = ec2Call('RunInstances', {
      responseElements: {
        instancesSet: {
          items: [
            {
              instanceId: 'i-0AAAAAAAAAAAAAAA1',
              privateIpAddress: '10.0.0.5',
              networkInterfaceSet: {
                items: [
                  {
                    networkInterfaceId: 'eni-0BBBBBBBBBBBBBBB2',
                    privateIpAddress: '10.0.0.5',
                    privateIpAddressesSet: {
                      item: [{ privateIpAddress: '10.0.0.5' }, { privateIpAddress: '10.0.0.6' }],
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    });
    expect(extractPrivateAddresses('RunInstances', run)).toEqual([
      ['i-0aaaaaaaaaaaaaaa1', '10.0.0.5'],
      ['eni-0bbbbbbbbbbbbbbb2', '10.0.0.5'],
      ['i-0aaaaaaaaaaaaaaa1', '10.0.0.6'],
      ['eni-0bbbbbbbbbbbbbbb2', '10.0.0.6'],
    ]);
    const assign = ec2Call('AssignPrivateIpAddresses', {
      requestParameters: {
        networkInterfaceId: 'eni-0bbbbbbbbbbbbbbb2',
        privateIpAddressesSet: { items: [{ privateIpAddress: '10.0.0.7' }] },
      },
      responseElements: { _return: true },
    });
    expect(extractPrivateAddresses('AssignPrivateIpAddresses', assign)).toEqual([
      ['eni-0bbbbbbbbbbbbbbb2', '10.0.0.7'],
    ]);
  });

  it('none for a failed call, another call, or what is not an address or ID; bounded', () => {
    const failed = ec2Call('RunInstances', {
      errorCode: 'Client.VcpuLimitExceeded',
      responseElements: {
        instancesSet: { items: [{ instanceId: 'i-0123456789abcdef0', privateIpAddress: '10.0.0.5' }] },
      },
    });
    const e = extractEvent(failed, JSON.stringify(failed));
    expect(e.ok && e.event.privateAddresses).toBeUndefined();
    expect(extractPrivateAddresses('StartInstances', failed)).toBeUndefined();
    const junk = ec2Call('RunInstances', {
      responseElements: {
        instancesSet: {
          items: [{ instanceId: 'i-0123456789abcdef0', privateIpAddress: 'ten.0.0.5' }, { instanceId: 'x' }],
        },
      },
    });
    expect(extractPrivateAddresses('RunInstances', junk)).toBeUndefined();
    const items = Array.from({ length: 500 }, (_, k) => ({
      instanceId: `i-${k.toString(16).padStart(17, '0')}`,
      privateIpAddress: `10.0.${k >> 8}.${k & 255}`,
    }));
    const big = ec2Call('RunInstances', { responseElements: { instancesSet: { items } } });
    expect(extractPrivateAddresses('RunInstances', big)).toHaveLength(LIMITS.privateAddressesPerEvent);
  });

  it('addresses in one spelling: IPv4 without leading zeros, IPv6 lower case, nothing else', () => {
    expect(canonicalIp('035.249.253.007')).toBe('35.249.253.7');
    expect(canonicalIp(' 10.0.0.1 ')).toBe('10.0.0.1');
    expect(canonicalIp('2001:DB8::1')).toBe('2001:db8::1');
    for (const bad of ['256.1.1.1', '10.0.0', 'ec2.amazonaws.com', 'AWS Internal', '', 7, null])
      expect(canonicalIp(bad)).toBeUndefined();
  });
});

describe('routine agent calls (access/agent-calls.ts)', () => {
  it('lists the SSM and CloudWatch agents calls by source and name', () => {
    expect(isAgentCall('ssm.amazonaws.com', 'UpdateInstanceInformation')).toBe(true);
    expect(isAgentCall('ec2messages.amazonaws.com', 'GetMessages')).toBe(true);
    expect(isAgentCall('ssmmessages.amazonaws.com', undefined)).toBe(true);
    expect(isAgentCall('logs.amazonaws.com', 'CreateLogStream')).toBe(true);
    expect(isAgentCall('ec2.amazonaws.com', 'DescribeTags')).toBe(true);
    expect(agentCalls()).toContainEqual(['monitoring.amazonaws.com', 'PutMetricData']);
  });

  it('keeps what an attacker with the credentials does', () => {
    expect(isAgentCall('sts.amazonaws.com', 'GetCallerIdentity')).toBe(false);
    expect(isAgentCall('ec2.amazonaws.com', 'DescribeInstances')).toBe(false);
    expect(isAgentCall('ssm.amazonaws.com', 'GetParameter')).toBe(false);
    expect(isAgentCall('ssm.amazonaws.com', 'SendCommand')).toBe(false);
    expect(isAgentCall('logs.amazonaws.com', 'DeleteLogGroup')).toBe(false);
  });
});
