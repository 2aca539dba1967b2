import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractEvent, type IndexedEvent } from '../../lambda/core/event';
import {
  DEFAULT_DETECTION,
  type DetectionSettings,
  RULES,
  type RuleId,
  type Verdict,
} from '../../lambda/core/rules';
import { detectionSettings } from '../../lambda/core/settings';
import { CORPUS, describeWithCorpus, FIXTURES } from '../helpers/corpus';
import { ec2Call, keyPush, type Rec } from '../helpers/records';

/** The stateless EC2/EBS threat rules (CONTRACT "EC2 and EBS threat rules"), in CONTRACT order. */
const STATELESS_THREAT_RULES = [
  'ec2-snapshot-shared',
  'ec2-ami-shared',
  'ec2-sg-open-to-world',
  'ec2-user-data-modified',
  'ebs-encryption-disabled',
  'ec2-serial-console-enabled',
  'ec2-flow-logs-deleted',
  'ec2-unusual-instance-type',
  'ec2-key-pair-imported',
] as const;

type ThreatRuleId = (typeof STATELESS_THREAT_RULES)[number];

function rule(id: ThreatRuleId) {
  const r = RULES.find((x) => x.id === (id as RuleId));
  if (!r) throw new Error(`no rule ${id}`);
  return r;
}

function eventOf(record: Rec): IndexedEvent {
  const x = extractEvent(record, JSON.stringify(record));
  if (!x.ok) throw new Error(x.reason);
  return x.event;
}

/** The rule's verdict on a record as the engine gives it, or 'not applicable' when `appliesTo` says no. */
function verdict(
  id: ThreatRuleId,
  record: Rec,
  settings: DetectionSettings = DEFAULT_DETECTION,
): Verdict | 'not applicable' {
  const r = rule(id);
  const event = eventOf(record);
  if (!r.appliesTo(event)) return 'not applicable';
  return r.evaluate(event, {
    settings,
    request: record.requestParameters,
    response: record.responseElements,
  });
}

const fires = (detail: string) => ({ fires: true, detail });
const QUIET = { fires: false };

function loadArray(dir: string, file: string): Rec[] {
  return JSON.parse(readFileSync(join(FIXTURES, 'cloudtrail', dir, file), 'utf8')) as Rec[];
}

/** The first record named `eventName` of a Stratus detonation (test/fixtures/cloudtrail/stratus*). */
function stratus(technique: string, eventName: string): Rec {
  const dir = technique.match(/ec2-share-ami|vpc-remove-flow-logs|ec2-launch-unusual/)
    ? 'stratus-more'
    : 'stratus';
  const record = loadArray(dir, `${technique}.json`).find((r) => r.eventName === eventName);
  if (!record) throw new Error(`${technique} has no ${eventName}`);
  return structuredClone(record);
}

/** A record of the Invictus fixtures, by eventID. */
function invictus(eventID: string): Rec {
  const dir = join(FIXTURES, 'cloudtrail', 'invictus');
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const found = (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { Records: Rec[] }).Records.find(
      (r) => r.eventID === eventID,
    );
    if (found) return structuredClone(found);
  }
  throw new Error(`no Invictus fixture record ${eventID}`);
}

const withRequest = (record: Rec, requestParameters: unknown, extra: Rec = {}): Rec => ({
  ...record,
  requestParameters,
  ...extra,
});

describe('the stateless threat rules in RULES', () => {
  it('follow the SSH key rules in CONTRACT order, each a stateless threat rule with an ATT&CK technique', () => {
    const ids = RULES.map((r) => r.id as string);
    const positions = STATELESS_THREAT_RULES.map((id) => ids.indexOf(id));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const lastSsh = Math.max(...RULES.filter((r) => r.family === 'ssh-key').map((r) => ids.indexOf(r.id)));
    expect(Math.min(...positions)).toBeGreaterThan(lastSsh);
    for (const id of STATELESS_THREAT_RULES) {
      const r = rule(id);
      expect(r).toMatchObject({ family: 'threat', stateful: false });
      expect(r.attack).toMatch(/^T\d{4}(\.\d{3})?$/);
      expect(r.firesWhen).not.toContain('\n');
      expect(r.title.length).toBeGreaterThan(10);
    }
  });

  it('are tested on the Stratus Red Team techniques they name', () => {
    expect(Object.fromEntries(STATELESS_THREAT_RULES.map((id) => [id, rule(id).stratus]))).toEqual({
      'ec2-snapshot-shared': 'aws.exfiltration.ec2-share-ebs-snapshot',
      'ec2-ami-shared': 'aws.exfiltration.ec2-share-ami',
      'ec2-sg-open-to-world': 'aws.exfiltration.ec2-security-group-open-port-22-ingress',
      'ec2-user-data-modified': 'aws.execution.ec2-user-data',
      'ebs-encryption-disabled': undefined,
      'ec2-serial-console-enabled': 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key',
      'ec2-flow-logs-deleted': 'aws.defense-evasion.vpc-remove-flow-logs',
      'ec2-unusual-instance-type': 'aws.execution.ec2-launch-unusual-instances',
      'ec2-key-pair-imported': undefined,
    });
  });

  it('do not apply to an SSH key push or to a read', () => {
    const push = eventOf(keyPush());
    const read = eventOf(ec2Call('DescribeInstances', { readOnly: true }));
    for (const id of STATELESS_THREAT_RULES) {
      expect(rule(id).appliesTo(push)).toBe(false);
      expect(rule(id).appliesTo(read)).toBe(false);
    }
  });

  it('say nothing when evaluated on an event they do not apply to', () => {
    const push = eventOf(keyPush());
    for (const id of STATELESS_THREAT_RULES)
      expect(rule(id).evaluate(push, { settings: DEFAULT_DETECTION, request: {}, response: {} })).toEqual(
        QUIET,
      );
  });
});

describe('ec2-snapshot-shared: create-volume permission given away', () => {
  const shared = stratus('aws.exfiltration.ec2-share-ebs-snapshot', 'ModifySnapshotAttribute');

  it('fires on the Stratus detonation, naming the snapshot and the account', () => {
    expect(verdict('ec2-snapshot-shared', shared)).toEqual(
      fires('snapshot snap-041993b54a9b3af6f shared with account 098797384747'),
    );
  });

  it('fires when the snapshot is made public', () => {
    const request = {
      ...(shared.requestParameters as Rec),
      createVolumePermission: { add: { items: [{ group: 'all' }] } },
    };
    expect(verdict('ec2-snapshot-shared', withRequest(shared, request))).toEqual(
      fires('snapshot snap-041993b54a9b3af6f made public (group all)'),
    );
  });

  it('names the first accounts of a long list and counts the others', () => {
    const items = ['111111111111', '222222222222', '333333333333', '444444444444', '555555555555'].map(
      (userId) => ({
        userId,
      }),
    );
    const request = { ...(shared.requestParameters as Rec), createVolumePermission: { add: { items } } };
    expect(verdict('ec2-snapshot-shared', withRequest(shared, request))).toEqual(
      fires(
        'snapshot snap-041993b54a9b3af6f shared with accounts 111111111111, 222222222222, 333333333333 and 2 more',
      ),
    );
  });

  it('near miss: a permission removed (the real Invictus record) stays quiet', () => {
    expect(verdict('ec2-snapshot-shared', invictus('3ad01b1d-ebc1-4830-994b-9210534ab9f2'))).toEqual(QUIET);
  });

  it('near miss: a permission added for the account that owns the snapshot stays quiet', () => {
    const request = {
      ...(shared.requestParameters as Rec),
      createVolumePermission: { add: { items: [{ userId: shared.recipientAccountId }] } },
    };
    expect(verdict('ec2-snapshot-shared', withRequest(shared, request))).toEqual(QUIET);
  });

  it('does not apply to a denied call or to other events', () => {
    expect(verdict('ec2-snapshot-shared', { ...shared, errorCode: 'Client.UnauthorizedOperation' })).toBe(
      'not applicable',
    );
    expect(
      verdict('ec2-snapshot-shared', stratus('aws.exfiltration.ec2-share-ami', 'ModifyImageAttribute')),
    ).toBe('not applicable');
  });

  it('strips control characters from the logged IDs it shows', () => {
    const request = {
      snapshotId: 'snap-1\u001b[31m',
      createVolumePermission: { add: { items: [{ userId: '1\n2' }] } },
    };
    expect(verdict('ec2-snapshot-shared', withRequest(shared, request))).toEqual(
      fires('snapshot snap-1?[31m shared with account 1?2'),
    );
  });
});

describe('ec2-ami-shared: launch permission given away', () => {
  const shared = stratus('aws.exfiltration.ec2-share-ami', 'ModifyImageAttribute');

  it('fires on the Stratus detonation, naming the image and the account', () => {
    expect(verdict('ec2-ami-shared', shared)).toEqual(
      fires('image ami-de1fbCab6ccB03e6D shared with account 846424999548'),
    );
  });

  it('fires on the real Invictus share and stays quiet on its removal', () => {
    expect(verdict('ec2-ami-shared', invictus('8fe3095f-909c-41f5-a769-00b9ec6e95df'))).toEqual(
      fires('image ami-0aa1d83d0b0985c86 shared with account 012345678901'),
    );
    expect(verdict('ec2-ami-shared', invictus('8d96ddae-ab7e-4230-9935-44dde036f058'))).toEqual(QUIET);
  });

  it('fires when the image is made public or shared with an organization', () => {
    const org = 'arn:aws:organizations::123456789012:organization/o-abcdefghij';
    const request = {
      ...(shared.requestParameters as Rec),
      launchPermission: { add: { items: [{ group: 'all' }, { organizationArn: org }] } },
    };
    expect(verdict('ec2-ami-shared', withRequest(shared, request))).toEqual(
      fires(`image ami-de1fbCab6ccB03e6D made public (group all); shared with ${org}`),
    );
  });

  it('near miss: another attribute changed, even with a group list under its own name, stays quiet', () => {
    const description = { attributeType: 'description', imageId: 'ami-1', description: { value: 'nightly' } };
    expect(verdict('ec2-ami-shared', withRequest(shared, description))).toEqual(QUIET);
    const other = {
      attributeType: 'someThing',
      imageId: 'ami-1',
      someThing: { add: { items: [{ group: 'all' }] } },
    };
    expect(verdict('ec2-ami-shared', withRequest(shared, other))).toEqual(QUIET);
  });

  it('near miss: launch permission for the owning account stays quiet', () => {
    const request = {
      ...(shared.requestParameters as Rec),
      launchPermission: { add: { items: [{ userId: shared.recipientAccountId }] } },
    };
    expect(verdict('ec2-ami-shared', withRequest(shared, request))).toEqual(QUIET);
  });
});

describe('ec2-sg-open-to-world: an administrative port opened to the internet', () => {
  const opened = stratus(
    'aws.exfiltration.ec2-security-group-open-port-22-ingress',
    'AuthorizeSecurityGroupIngress',
  );
  const permission = (ipProtocol: string, from: unknown, to: unknown, ranges: Rec): Rec => ({
    groupId: 'sg-0123',
    ipPermissions: {
      items: [{ ipProtocol, fromPort: from, toPort: to, groups: {}, prefixListIds: {}, ...ranges }],
    },
  });
  const v4 = (cidrIp: string) => ({ ipRanges: { items: [{ cidrIp }] }, ipv6Ranges: {} });
  const v6 = (cidrIpv6: string) => ({ ipRanges: {}, ipv6Ranges: { items: [{ cidrIpv6 }] } });
  /** Only the request (the response's rule set of the Stratus record would say port 22). */
  const requesting = (request: Rec): Rec =>
    withRequest(opened, request, { responseElements: { _return: true } });

  it('fires on the Stratus detonation (flat request shape; its anonymised CIDR keeps the /0)', () => {
    expect(verdict('ec2-sg-open-to-world', opened)).toEqual(
      fires('security group sg-003dc7f1f1c686164: tcp port 22 open to 208.236.235.254/0'),
    );
  });

  it('fires on the real Invictus port 22 and stays quiet on its port 443 to the world', () => {
    expect(verdict('ec2-sg-open-to-world', invictus('74bd84b4-6729-4895-b2a4-e2beb7c6b377'))).toEqual(
      fires('security group sg-04cfb7a4712d75b00: tcp port 22 open to 0.0.0.0/0'),
    );
    expect(verdict('ec2-sg-open-to-world', invictus('7e96f0e7-4d78-423d-b3f5-391370685b30'))).toEqual(QUIET);
  });

  it('near miss: port 22 open to a /24 stays quiet', () => {
    expect(
      verdict('ec2-sg-open-to-world', requesting(permission('tcp', 22, 22, v4('203.0.113.0/24')))),
    ).toEqual(QUIET);
  });

  it('fires on RDP to ::/0, a range covering port 22, all TCP ports and all traffic', () => {
    const cases: [Rec, string][] = [
      [permission('tcp', 3389, 3389, v6('::/0')), 'tcp port 3389 open to ::/0'],
      [permission('tcp', '20', '25', v4('0.0.0.0/0')), 'tcp ports 20-25 (admin 22) open to 0.0.0.0/0'],
      [permission('6', 0, 65535, v4('0.0.0.0/0')), 'tcp all ports open to 0.0.0.0/0'],
      [
        { groupId: 'sg-0123', ipPermissions: { items: [{ ipProtocol: '-1', ...v4('0.0.0.0/0') }] } },
        'all traffic open to 0.0.0.0/0',
      ],
    ];
    for (const [request, what] of cases)
      expect(verdict('ec2-sg-open-to-world', requesting(request))).toEqual(
        fires(`security group sg-0123: ${what}`),
      );
  });

  it('near miss: ICMP, and a port that is not administrative, to the world stay quiet', () => {
    expect(verdict('ec2-sg-open-to-world', requesting(permission('icmp', -1, -1, v4('0.0.0.0/0'))))).toEqual(
      QUIET,
    );
    expect(verdict('ec2-sg-open-to-world', requesting(permission('tcp', 443, 443, v6('::/0'))))).toEqual(
      QUIET,
    );
  });

  it('reads the administrative ports from the settings', () => {
    const settings = detectionSettings({ adminPorts: '22, 443' });
    expect(
      verdict('ec2-sg-open-to-world', requesting(permission('tcp', 443, 443, v6('::/0'))), settings),
    ).toEqual(fires('security group sg-0123: tcp port 443 open to ::/0'));
  });

  it('reads the rules the response says were created, ingress only', () => {
    const rules = (isEgress: boolean) => ({
      securityGroupRuleSet: {
        items: [{ cidrIpv4: '0.0.0.0/0', fromPort: 22, toPort: 22, ipProtocol: 'tcp', isEgress }],
      },
    });
    const record = (isEgress: boolean) =>
      withRequest(opened, { groupId: 'sg-0123' }, { responseElements: rules(isEgress) });
    expect(verdict('ec2-sg-open-to-world', record(false))).toEqual(
      fires('security group sg-0123: tcp port 22 open to 0.0.0.0/0'),
    );
    expect(verdict('ec2-sg-open-to-world', record(true))).toEqual(QUIET);
  });

  it('fires on ModifySecurityGroupRules setting a rule to port 22 from anywhere, saying the direction is unknown', () => {
    const request = {
      ModifySecurityGroupRulesRequest: {
        GroupId: 'sg-0123',
        SecurityGroupRule: {
          SecurityGroupRuleId: 'sgr-0abc',
          SecurityGroupRule: { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIpv4: '0.0.0.0/0', tag: 1 },
          tag: 1,
        },
      },
    };
    const modify = { ...requesting(request), eventName: 'ModifySecurityGroupRules' };
    expect(verdict('ec2-sg-open-to-world', modify)).toEqual(
      fires('security group sg-0123: tcp port 22 open to 0.0.0.0/0 (rule modified; ingress or egress)'),
    );
  });

  it('does not apply to egress rules or to a denied call', () => {
    expect(verdict('ec2-sg-open-to-world', { ...opened, eventName: 'AuthorizeSecurityGroupEgress' })).toBe(
      'not applicable',
    );
    expect(verdict('ec2-sg-open-to-world', { ...opened, errorCode: 'Client.UnauthorizedOperation' })).toBe(
      'not applicable',
    );
  });
});

describe('ec2-user-data-modified: user data replaced', () => {
  const modified = stratus('aws.execution.ec2-user-data', 'ModifyInstanceAttribute');

  it('fires on the Stratus detonation, naming the instance', () => {
    expect(verdict('ec2-user-data-modified', modified)).toEqual(
      fires('user data of i-ddd6c7b0e18f0e35f replaced; it runs at the next start'),
    );
  });

  it('near miss: ModifyInstanceAttribute of the instance type stays quiet', () => {
    const request = { instanceId: 'i-DDd6c7B0e18F0E35f', instanceType: { value: 'p3.2xlarge' } };
    expect(verdict('ec2-user-data-modified', withRequest(modified, request))).toEqual(QUIET);
  });

  it('does not apply to a denied change', () => {
    expect(
      verdict('ec2-user-data-modified', { ...modified, errorCode: 'Client.UnauthorizedOperation' }),
    ).toBe('not applicable');
  });
});

describe('ebs-encryption-disabled: EBS encryption by default turned off', () => {
  // shaped after the real EnableSerialConsoleAccess record (an account-level EC2 switch of the same API style)
  const disable = (overrides: Rec = {}) =>
    ec2Call('DisableEbsEncryptionByDefault', {
      awsRegion: 'eu-west-1',
      requestParameters: { DisableEbsEncryptionByDefaultRequest: '' },
      responseElements: {
        DisableEbsEncryptionByDefaultResponse: { ebsEncryptionByDefault: false, requestId: 'r-1' },
      },
      ...overrides,
    });

  it('fires on a successful DisableEbsEncryptionByDefault, naming the region', () => {
    expect(verdict('ebs-encryption-disabled', disable())).toEqual(
      fires('EBS encryption by default disabled in eu-west-1'),
    );
  });

  it('near miss: enabling it, or a denied attempt, is not applicable', () => {
    expect(verdict('ebs-encryption-disabled', disable({ eventName: 'EnableEbsEncryptionByDefault' }))).toBe(
      'not applicable',
    );
    expect(verdict('ebs-encryption-disabled', disable({ errorCode: 'Client.UnauthorizedOperation' }))).toBe(
      'not applicable',
    );
  });
});

describe('ec2-serial-console-enabled: serial console access turned on', () => {
  const technique = 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key';
  const enable = stratus(technique, 'EnableSerialConsoleAccess');

  it('fires on the Stratus detonation, naming the account and region', () => {
    expect(verdict('ec2-serial-console-enabled', enable)).toEqual(
      fires('serial console access enabled for account 844015365555 in cniso-east-3r'),
    );
  });

  it('near miss: disabling it, and the serial console key pushes that follow, are not applicable', () => {
    expect(
      verdict('ec2-serial-console-enabled', { ...enable, eventName: 'DisableSerialConsoleAccess' }),
    ).toBe('not applicable');
    expect(verdict('ec2-serial-console-enabled', stratus(technique, 'SendSerialConsoleSSHPublicKey'))).toBe(
      'not applicable',
    );
  });
});

describe('ec2-flow-logs-deleted: VPC flow logs deleted', () => {
  const deleted = stratus('aws.defense-evasion.vpc-remove-flow-logs', 'DeleteFlowLogs');

  it('fires on the Stratus detonation, naming the flow log', () => {
    expect(verdict('ec2-flow-logs-deleted', deleted)).toEqual(
      fires('flow logs fl-0e17aa62a21d4bbfe deleted'),
    );
  });

  it('names every flow log of a request deleting several', () => {
    const request = {
      DeleteFlowLogsRequest: {
        FlowLogId: [
          { content: 'fl-1', tag: 1 },
          { content: 'fl-2', tag: 2 },
        ],
      },
    };
    expect(verdict('ec2-flow-logs-deleted', withRequest(deleted, request))).toEqual(
      fires('flow logs fl-1, fl-2 deleted'),
    );
  });

  it('near miss: creating flow logs, or a denied deletion, is not applicable', () => {
    expect(verdict('ec2-flow-logs-deleted', { ...deleted, eventName: 'CreateFlowLogs' })).toBe(
      'not applicable',
    );
    expect(verdict('ec2-flow-logs-deleted', { ...deleted, errorCode: 'Client.UnauthorizedOperation' })).toBe(
      'not applicable',
    );
  });
});

describe('ec2-unusual-instance-type: GPU, very large or not allowed instance types', () => {
  const denied = stratus('aws.execution.ec2-launch-unusual-instances', 'RunInstances');
  /** The real successful t3.micro launch of the Invictus fixtures. */
  const micro = invictus('86eac0ac-8521-4126-aa32-a22f2b74d02e');
  const asking = (instanceType: string) =>
    withRequest(micro, { ...(micro.requestParameters as Rec), instanceType });

  it('fires on the denied Stratus launch of p2.xlarge, saying how many and that it failed', () => {
    expect(verdict('ec2-unusual-instance-type', denied)).toEqual(
      fires(
        'instance type p2.xlarge in the watch-list (p*), up to 10 instances; failed: Client.UnauthorizedOperation',
      ),
    );
  });

  it('near miss: the real t3.micro launch stays quiet', () => {
    expect(verdict('ec2-unusual-instance-type', micro)).toEqual(QUIET);
  });

  it('matches watch-list patterns whatever their case (*.metal*, *.48xlarge)', () => {
    expect(verdict('ec2-unusual-instance-type', asking('M5.Metal'))).toEqual(
      fires('instance type M5.Metal in the watch-list (*.metal*), up to 1 instance'),
    );
    expect(verdict('ec2-unusual-instance-type', asking('m7i.48xlarge'))).toMatchObject({ fires: true });
  });

  it('with an allow-list, fires on a type outside it and stays quiet on one inside it', () => {
    const settings = detectionSettings({ instanceTypeAllowList: 't3.*, m5.large' });
    expect(verdict('ec2-unusual-instance-type', asking('c5.large'), settings)).toEqual(
      fires('instance type c5.large outside the allow-list, up to 1 instance'),
    );
    expect(verdict('ec2-unusual-instance-type', asking('m5.large'), settings)).toEqual(QUIET);
    expect(verdict('ec2-unusual-instance-type', micro, settings)).toEqual(QUIET);
  });

  it('takes the type from the started instances when a launch template gives it', () => {
    const { instanceType: _, ...rest } = micro.requestParameters as Rec;
    const request = { ...rest, launchTemplate: { launchTemplateId: 'lt-0abc' } };
    const response = { instancesSet: { items: [{ instanceId: 'i-0abc', instanceType: 'g5.xlarge' }] } };
    expect(
      verdict('ec2-unusual-instance-type', withRequest(micro, request, { responseElements: response })),
    ).toEqual(fires('instance type g5.xlarge in the watch-list (g*), up to 1 instance'));
  });

  it('does not apply to other events', () => {
    expect(verdict('ec2-unusual-instance-type', { ...denied, eventName: 'StartInstances' })).toBe(
      'not applicable',
    );
  });
});

describe('ec2-key-pair-imported: a public key brought from outside', () => {
  // shaped after the ImportKeyPair API reference (request KeyName, PublicKeyMaterial; response keyName,
  // keyFingerprint, keyPairId) and the real CreateKeyPair record of the corpus
  const imported = (overrides: Rec = {}) =>
    ec2Call('ImportKeyPair', {
      requestParameters: { keyName: 'laptop', publicKeyMaterial: '<sensitiveDataRemoved>' },
      responseElements: {
        requestId: 'r-1',
        keyName: 'laptop',
        keyFingerprint: 'SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4',
        keyPairId: 'key-0123456789abcdef0',
      },
      ...overrides,
    });

  it('fires on a successful ImportKeyPair, naming the key pair, its ID and fingerprint', () => {
    expect(verdict('ec2-key-pair-imported', imported())).toEqual(
      fires(
        'key pair laptop imported (key-0123456789abcdef0, fingerprint SHA256:0DSmEaqM4EblXprHI0ZbaIRSROz+Ww7FGC0zUzRwIq4)',
      ),
    );
  });

  it('near miss: CreateKeyPair (AWS made the key) and a denied import are not applicable', () => {
    expect(verdict('ec2-key-pair-imported', imported({ eventName: 'CreateKeyPair' }))).toBe('not applicable');
    expect(verdict('ec2-key-pair-imported', imported({ errorCode: 'Client.UnauthorizedOperation' }))).toBe(
      'not applicable',
    );
  });
});

describeWithCorpus('the stateless threat rules on every real record of the corpus', () => {
  /** Every record of the Invictus dataset and of the Stratus detonation logs, with its file. */
  function corpusRecords(): Rec[] {
    const invictusDir = join(CORPUS, 'invictus-aws-dataset', 'CloudTrail');
    const stratusDir = join(CORPUS, 'stratus-red-team', 'detonation-logs');
    return [
      ...readdirSync(invictusDir).flatMap(
        (f) => (JSON.parse(readFileSync(join(invictusDir, f), 'utf8')) as { Records: Rec[] }).Records,
      ),
      ...readdirSync(stratusDir).flatMap(
        (f) => JSON.parse(readFileSync(join(stratusDir, f), 'utf8')) as Rec[],
      ),
    ];
  }

  it('fire exactly on the detonations of their techniques (Stratus, and the Invictus simulation of it)', () => {
    const hits: string[] = [];
    for (const record of corpusRecords()) {
      const x = extractEvent(record, JSON.stringify(record));
      if (!x.ok) continue;
      for (const id of STATELESS_THREAT_RULES) {
        const r = rule(id);
        if (!r.appliesTo(x.event)) continue;
        const v = r.evaluate(x.event, {
          settings: DEFAULT_DETECTION,
          request: record.requestParameters,
          response: record.responseElements,
        });
        if (v.fires) hits.push(`${id} ${x.event.eventID}`);
      }
    }
    expect(hits.sort()).toEqual(
      [
        // Invictus (a Stratus Red Team run in a real account)
        'ec2-ami-shared 8fe3095f-909c-41f5-a769-00b9ec6e95df',
        'ec2-flow-logs-deleted de58d903-38d7-4f30-a84b-b79d858e8376',
        'ec2-sg-open-to-world 74bd84b4-6729-4895-b2a4-e2beb7c6b377',
        'ec2-snapshot-shared 741616fd-4713-426d-8861-3ccae4ba994e',
        'ec2-unusual-instance-type 2f4876ba-b0fc-4a24-b406-bef4dcc9656f',
        'ec2-unusual-instance-type 8e865acb-b1e1-41d1-bdf3-47462f79d24c',
        // Stratus detonation logs, one per technique
        'ec2-ami-shared 1f00bcfa-e050-4c2e-b99b-768ebe3a3dd3',
        'ec2-flow-logs-deleted ded2f5af-f3a5-46d2-a170-a23206a32c36',
        'ec2-serial-console-enabled 37ba412b-f943-44f2-ae48-4527f6e789d9',
        'ec2-sg-open-to-world 9fd68588-ecbf-4528-a345-199fa6bb0821',
        'ec2-snapshot-shared 6897ff63-d738-445c-9e86-43e5b1f8e12f',
        'ec2-unusual-instance-type 1a4debbb-12e9-4bde-b8c7-ea29002bb2a7',
        'ec2-user-data-modified f634894e-d625-4b7b-b1c1-50354cc1100e',
      ].sort(),
    );
  });
});
