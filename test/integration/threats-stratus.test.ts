/**
 * The twelve Stratus Red Team EC2 detonations, ingested as recorded: each produces the finding of its
 * rule (CONTRACT "EC2 and EBS threat rules"), once, however often the files are ingested, and the
 * finding lines carry every key of the contract.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FINDING_LINE_KEYS } from '../../lambda/core/findings';
import { cli } from '../helpers/cli';
import { CLOUDTRAIL } from '../helpers/cli-fixtures';

const file = (dir: string, technique: string): string => join(CLOUDTRAIL, dir, `${technique}.json`);

/** Technique, its file, the rule whose finding it must produce, and the event the finding is on. */
const TECHNIQUES: readonly { technique: string; dir: string; rule: string; eventName: string }[] = [
  {
    technique: 'aws.exfiltration.ec2-share-ebs-snapshot',
    dir: 'stratus',
    rule: 'ec2-snapshot-shared',
    eventName: 'ModifySnapshotAttribute',
  },
  {
    technique: 'aws.exfiltration.ec2-share-ami',
    dir: 'stratus-more',
    rule: 'ec2-ami-shared',
    eventName: 'ModifyImageAttribute',
  },
  {
    technique: 'aws.exfiltration.ec2-security-group-open-port-22-ingress',
    dir: 'stratus',
    rule: 'ec2-sg-open-to-world',
    eventName: 'AuthorizeSecurityGroupIngress',
  },
  {
    technique: 'aws.execution.ec2-user-data',
    dir: 'stratus',
    rule: 'ec2-user-data-modified',
    eventName: 'ModifyInstanceAttribute',
  },
  {
    technique: 'aws.discovery.ec2-download-user-data',
    dir: 'stratus',
    rule: 'ec2-user-data-read',
    eventName: 'DescribeInstanceAttribute',
  },
  {
    technique: 'aws.credential-access.ec2-get-password-data',
    dir: 'stratus',
    rule: 'ec2-password-data',
    eventName: 'GetPasswordData',
  },
  {
    technique: 'aws.credential-access.ec2-steal-instance-credentials',
    dir: 'stratus',
    rule: 'ec2-instance-credentials-elsewhere',
    eventName: 'GetCallerIdentity',
  },
  {
    technique: 'aws.execution.ec2-launch-unusual-instances',
    dir: 'stratus-more',
    rule: 'ec2-unusual-instance-type',
    eventName: 'RunInstances',
  },
  {
    technique: 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key',
    dir: 'stratus',
    rule: 'ec2-serial-console-enabled',
    eventName: 'EnableSerialConsoleAccess',
  },
  {
    technique: 'aws.defense-evasion.vpc-remove-flow-logs',
    dir: 'stratus-more',
    rule: 'ec2-flow-logs-deleted',
    eventName: 'DeleteFlowLogs',
  },
  {
    technique: 'aws.execution.ssm-send-command',
    dir: 'stratus',
    rule: 'ssm-command-many-instances',
    eventName: 'SendCommand',
  },
  {
    technique: 'aws.execution.ssm-start-session',
    dir: 'stratus',
    rule: 'ssm-command-many-instances',
    eventName: 'StartSession',
  },
];

describe('the twelve Stratus Red Team EC2 detonations each produce their rule finding', () => {
  let dir: string;
  const db = (): string[] => ['--db', join(dir, 'db')];
  const files = [...new Set(TECHNIQUES.map((t) => file(t.dir, t.technique)))];
  const findings = async (...args: string[]): Promise<Record<string, unknown>[]> => {
    const r = await cli(['findings', ...args, ...db(), '--json', '--limit', '1000']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.json();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-threats-'));
    const ingest = await cli(['ingest', ...files, ...db(), '--json']);
    expect(ingest.json()[0]).toMatchObject({ files: files.length, filesFailed: 0 });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(TECHNIQUES)('$technique: $rule on $eventName', async ({ rule, eventName }) => {
    const found = await findings('--rule', rule);
    expect(found.length).toBeGreaterThan(0);
    expect(found.some((f) => f.eventName === eventName)).toBe(true);
    for (const f of found) {
      for (const key of FINDING_LINE_KEYS) expect(Object.hasOwn(f, key)).toBe(true);
      expect(['low', 'medium', 'high']).toContain(f.severity);
      expect(String(f.attack)).toMatch(/^T\d{4}(\.\d{3})?$/);
    }
  });

  it('records each finding once, however often the files are ingested', async () => {
    const before = await findings();
    const again = await cli(['ingest', ...files, ...db(), '--json', '--reprocess']);
    expect(again.json()[0]).toMatchObject({ findings: 0 });
    expect(await findings()).toEqual(before);
    const keys = before.map((f) => `${f.rule} ${f.eventID}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('filters findings by severity and by instance', async () => {
    const high = await findings('--severity', 'high');
    expect(high.length).toBeGreaterThan(0);
    for (const f of high) expect(f.severity).toBe('high');
    const onInstance = await findings('--instance', 'i-786a3A8B5C0d92eF4');
    expect(onInstance.map((f) => f.rule)).toContain('ec2-instance-credentials-elsewhere');
    for (const f of onInstance) expect(f.instanceId).toBe('i-786a3a8b5c0d92ef4');
  });
});
