/**
 * Every Stratus Red Team detonation that reaches an instance, ingested as recorded, then read back with
 * `trailwatch access` on its instances: each lists the method and the principal the attack used.
 * Real records (test/fixtures/SOURCES.md): the attacks are the ones the product must show.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CLOUDTRAIL } from '../helpers/cli-fixtures';

interface AccessLine {
  method: string;
  eventID: string;
  eventTime: string;
  instanceId: string;
  principal: { arn?: string };
  sourceIPAddress: string | null;
  outcome: string;
  detail: string | null;
  sessionEnd?: string | null;
}

const DETONATIONS = [
  join(CLOUDTRAIL, 'stratus', 'aws.lateral-movement.ec2-instance-connect.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.execution.ec2-user-data.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.credential-access.ec2-get-password-data.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.execution.ssm-start-session.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.execution.ssm-send-command.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.discovery.ec2-download-user-data.json'),
  join(CLOUDTRAIL, 'stratus', 'aws.credential-access.ec2-steal-instance-credentials.json'),
];

const CHRISTOPHE = (account: string) => `arn:aws:iam::${account}:user/christophe`;

/** One row per attack: the instance it reached, and the (method, principal) pairs `access` must list. */
const EXPECTED: readonly {
  technique: string;
  instance: string;
  paths: readonly { method: string; principal: string; outcome?: string; count?: number }[];
}[] = [
  {
    technique: 'aws.lateral-movement.ec2-instance-connect',
    instance: 'i-fDb357cB7e99ad973',
    paths: [{ method: 'instance-connect', principal: CHRISTOPHE('572910899909') }],
  },
  {
    technique: 'aws.lateral-movement.ec2-serial-console-send-ssh-public-key',
    instance: 'i-efcb4e480cabc4cf9',
    paths: [
      {
        method: 'serial-console',
        principal: 'arn:aws:sts::844015365555:assumed-role/AWSReservedSSOrandoml3I7nL6f7BmB@gmail.com',
      },
    ],
  },
  {
    technique: 'aws.execution.ssm-start-session',
    instance: 'i-eA1d1296c1dE3Aa1f',
    paths: [{ method: 'ssm-session', principal: CHRISTOPHE('294599468799') }],
  },
  {
    technique: 'aws.execution.ssm-send-command',
    instance: 'i-00456a8d163f546ff',
    paths: [{ method: 'ssm-command', principal: CHRISTOPHE('056392974792') }],
  },
  {
    technique: 'aws.execution.ec2-user-data',
    instance: 'i-DDd6c7B0e18F0E35f',
    paths: [{ method: 'user-data-change', principal: CHRISTOPHE('309303190113') }],
  },
  {
    technique: 'aws.discovery.ec2-download-user-data',
    instance: 'i-95b86090',
    paths: [
      {
        method: 'user-data-read',
        principal:
          'arn:aws:sts::321848314756:assumed-role/stratus-red-team-get-usr-data-role/aws-go-sdk-1722455550269043000',
        outcome: 'Client.UnauthorizedOperation',
      },
    ],
  },
  {
    technique: 'aws.credential-access.ec2-get-password-data',
    instance: 'i-i2jnm5swa59p4fxg',
    paths: [
      {
        method: 'password-data',
        principal:
          'arn:aws:sts::457448411975:assumed-role/stratus-red-team-ec2-get-password-data-role/aws-go-sdk-1722375070115152000',
        outcome: 'Client.UnauthorizedOperation',
      },
    ],
  },
  {
    technique: 'aws.credential-access.ec2-steal-instance-credentials',
    instance: 'i-786a3A8B5C0d92eF4',
    paths: [
      { method: 'ssm-command', principal: CHRISTOPHE('017622104382') },
      {
        method: 'instance-credentials',
        principal:
          'arn:aws:sts::017622104382:assumed-role/stratus-red-team-ec2-steal-credentials-role/i-786a3A8B5C0d92eF4',
        count: 2,
      },
    ],
  },
];

describe('trailwatch access on the instances of every Stratus Red Team detonation that reaches one', () => {
  let dir: string;
  const access = async (instance: string): Promise<AccessLine[]> => {
    const r = await cli(['access', instance, '--db', join(dir, 'db'), '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    return r.json<AccessLine>();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw-access-'));
    const ingest = await cli(['ingest', ...DETONATIONS, '--db', join(dir, 'db'), '--json']);
    expect(ingest.code).toBe(0);
    expect(ingest.json()[0]).toMatchObject({ files: DETONATIONS.length, filesFailed: 0 });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(EXPECTED)(
    '$technique: access $instance lists the method and principal',
    async ({ instance, paths }) => {
      const lines = await access(instance);
      for (const line of lines) expect(line.instanceId).toBe(instance.toLowerCase());
      for (const want of paths) {
        const found = lines.filter((l) => l.method === want.method && l.principal.arn === want.principal);
        expect(found.length).toBe(want.count ?? found.length);
        expect(found.length).toBeGreaterThan(0);
        for (const l of found) expect(l.outcome).toBe(want.outcome ?? 'success');
      }
      // nothing else: every line is one of the expected paths
      expect(new Set(lines.map((l) => l.method))).toEqual(new Set(paths.map((p) => p.method)));
    },
  );

  it('links each SSM session to its end (TerminateSession, by session ID)', async () => {
    for (const instance of ['i-eA1d1296c1dE3Aa1f', 'i-d0b6DCBA8984dE148', 'i-d3720C7af6fCfF2B2']) {
      const [session] = await access(instance);
      expect(session?.method).toBe('ssm-session');
      expect(typeof session?.sessionEnd).toBe('string');
      expect(Date.parse(String(session?.sessionEnd))).toBeGreaterThanOrEqual(
        Date.parse(String(session?.eventTime)),
      );
    }
  });

  it('shows the stolen credentials used from the attacker address, where the attacker also acted', async () => {
    const lines = await access('i-786a3A8B5C0d92eF4');
    const stolen = lines.filter((l) => l.method === 'instance-credentials');
    expect(stolen.map((l) => l.sourceIPAddress)).toEqual(['18.236.253.47', '18.236.253.47']);
    const command = lines.find((l) => l.method === 'ssm-command');
    expect(command?.sourceIPAddress).toBe('18.236.253.47');
  });

  it('reaches each of the three instances of one SendCommand, and each of the fifteen user data reads', async () => {
    for (const instance of ['i-00456a8d163f546ff', 'i-9d40ccfc0ae91cfa5', 'i-cfe23b1a7ceba6f86'])
      expect((await access(instance)).map((l) => l.method)).toEqual(['ssm-command']);
    for (const instance of ['i-3753597f', 'i-0c140b58'])
      expect((await access(instance)).map((l) => l.method)).toEqual(['user-data-read']);
  });

  it('keeps what was done to an instance apart from what its own credentials did', async () => {
    const db = ['--db', join(dir, 'db'), '--json'];
    const target = await cli(['query', 'instance', 'i-786a3A8B5C0d92eF4', ...db]);
    const actor = await cli(['query', 'instance', 'i-786a3A8B5C0d92eF4', '--as-actor', ...db]);
    expect(target.json().map((e) => e.eventName)).toContain('SendCommand');
    expect(
      actor
        .json()
        .map((e) => e.eventName)
        .sort(),
    ).toEqual(['DescribeInstances', 'GetCallerIdentity']);
  });
});
