import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli';
import { CLOUDTRAIL, EVENT_FIELDS, STRATUS_KEY, writeHandwritten } from '../helpers/cli-fixtures';
import { ec2Call, logFile } from '../helpers/records';

describe('trailwatch CLI on the embedded store', () => {
  let dir: string;
  let db: string;
  const run = (...args: string[]) => cli([...args, '--db', db]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-cli-'));
    db = join(dir, 'db');
    // hand-written: a root user's call and an assumed-role session, in a gzipped delivery file
    writeHandwritten(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ingests directories recursively and prints a JSON summary', async () => {
    const r = await cli(['ingest', CLOUDTRAIL, dir, '--json', '--db', db]);
    // the Panther fixtures hold records without a usable eventTime, and test records that reuse
    // eventIDs with other content (conflicts)
    expect(r.code).toBe(1);
    expect(
      r.err
        .split('\n')
        .every(
          (l) =>
            /ec2-records-one-per-line\.json: record #\d+ rejected: missing eventTime$/.test(l) ||
            /panther\/[^/]+\.json: (record #\d+ conflicts with the indexed event \S+ \(from file:\/\/\/.*\): same eventID, other content; not indexed \(see: trailwatch event \S+\)|… and \d+ more conflicting record\(s\))$/.test(
              l,
            ),
        ),
    ).toBe(true);
    const [summary] = r.json();
    // 14 files, 4 Stratus detonations of instance access (stratus/) and 3 of threats (stratus-more/)
    expect(summary).toMatchObject({ files: 21, filesFailed: 0 });
    // the Stratus detonations and Panther tests, plus the hand-written root file's push (SSH key
    // rules); the threat rules on the Stratus, Invictus and Panther records (each judged in
    // threats-stratus.test.ts, invictus-findings.test.ts and rules-threat-*.test.ts)
    expect(summary?.findingsByRule).toEqual({
      'ssh-invalid-key': 1,
      'ssh-push-denied': 1,
      'ssh-serial-console': 3,
      'ssh-key-multi-instance': 6,
      'ssh-key-multi-principal': 6,
      'ec2-password-data': 59,
      'ec2-user-data-read': 15,
      'ec2-instance-credentials-elsewhere': 5,
      'ssm-command-many-instances': 4,
      'ec2-sg-open-to-world': 3,
      'ec2-ami-shared': 2,
      'ec2-unusual-instance-type': 2,
      'ec2-user-data-modified': 2,
      'ec2-flow-logs-deleted': 2,
      'ec2-snapshot-shared': 1,
      'ec2-serial-console-enabled': 1,
    });
    expect(summary?.findings).toBe(113);
    for (const k of ['files', 'filesFailed', 'records', 'indexed', 'skipped', 'findings'])
      expect(summary).toHaveProperty(k, expect.any(Number));
    expect(summary?.indexed).toBeGreaterThan(100);
    expect(summary?.duplicates).toBeGreaterThan(0); // the Invictus file is there gzipped and not
    expect(summary?.rejected).toBeGreaterThan(0);
    expect(summary?.conflicts).toBeGreaterThan(0);
  });

  it('names each rejected record on stderr, with the file and the reason', async () => {
    // read again (--reprocess): the first test ingested them, and done files are skipped
    const r = await run('ingest', join(CLOUDTRAIL, 'panther'), '--reprocess');
    expect(r.err).toMatch(
      /ec2-records-one-per-line\.json: record #\d+ rejected: (missing|invalid) eventTime/,
    );
    expect(r.out).toMatch(/^Ingested 1 file\(s\) into the local store .*\n {2}records: 84 read, /);
  });

  it('is idempotent: ingesting again changes nothing that queries return', async () => {
    const before = (await run('query', 'user', 'christophe', '--json', '--limit', '1000')).out;
    await run('ingest', CLOUDTRAIL, '--reprocess');
    expect((await run('query', 'user', 'christophe', '--json', '--limit', '1000')).out).toBe(before);
  });

  it('query instance: events of an instance, newest first, any case, as a table', async () => {
    const r = await run('query', 'instance', 'i-fDb357cB7e99ad973');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(
      /^TIME\s+EVENT\s+METHOD\s+USER\s+TARGETS\s+SOURCE IP\s+ERROR\s+FINDINGS\s+EVENT ID$/,
    );
    expect(lines[1]).toMatch(
      /^2024-08-01T13:24:47Z\s+SendSSHPublicKey\s+instance-connect\s+christophe\s+i-fdb357cb7e99ad973\s+246\.227\.146\.251/,
    );
    expect(r.out).toMatch(/1 event\(s\), newest first\.$/);
  });

  it('query instance --json: NDJSON event lines with the CONTRACT fields', async () => {
    const r = await run('query', 'instance', 'i-fdb357cb7e99ad973', '--json');
    const [event] = r.json();
    for (const f of EVENT_FIELDS) expect(event).toHaveProperty(f);
    expect(event).toMatchObject({
      eventID: '0968cbec-f8df-43f3-94ba-b451aad083ed',
      eventTime: '2024-08-01T13:24:47Z',
      eventSource: 'ec2-instance-connect.amazonaws.com',
      eventName: 'SendSSHPublicKey',
      awsRegion: 'eu-south-1r',
      accountId: '572910899909',
      readOnly: false,
      instanceIds: ['i-fdb357cb7e99ad973'],
      resourceIds: [],
      principal: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::572910899909:user/christophe',
        accountId: '572910899909',
        userName: 'christophe',
        accessKeyId: 'AKIAGM9ZC9KUL0AYEVUM',
      },
      ssh: { osUser: 'ec2-user', fingerprint: STRATUS_KEY, keyType: 'ED25519', keyBits: 256 },
      findings: ['ssh-key-multi-instance', 'ssh-key-multi-principal'],
    });
  });

  it('query instance: a failed call carries its errorCode', async () => {
    const [event] = (await run('query', 'instance', 'i-abcdef01234567890', '--json')).json();
    expect(event).toMatchObject({ eventName: 'SendSSHPublicKey', errorCode: 'AccessDenied' });
  });

  it.each([
    ['full ARN', 'arn:aws:iam::572910899909:user/christophe'],
    ['IAM user name', 'christophe'],
    ['access key ID', 'AKIAGM9ZC9KUL0AYEVUM'],
  ])('query user by %s', async (_form, who) => {
    const events = (await run('query', 'user', who, '--json', '--limit', '1000')).json<{
      principal: { userName?: string };
    }>();
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.principal.userName === 'christophe')).toBe(true);
  });

  it.each([
    ['role name (all its sessions)', 'Deployer', 'TerminateInstances'],
    ['role session name', 'alice@example.com', 'TerminateInstances'],
    ['role ARN', 'arn:aws:iam::111122223333:role/Deployer', 'TerminateInstances'],
    ['root', 'root', 'CreateSnapshot'],
  ])('query user by %s', async (_form, who, eventName) => {
    const events = (await run('query', 'user', who, '--json')).json();
    expect(events.map((e) => e.eventName)).toEqual([eventName]);
  });

  it('query user lists newest first and honours --since/--until and --limit', async () => {
    const all = (await run('query', 'user', 'christophe', '--json', '--limit', '1000')).json<{
      eventTime: string;
    }>();
    const times = all.map((e) => e.eventTime);
    expect([...times].sort().reverse()).toEqual(times);
    const limited = await run('query', 'user', 'christophe', '--json', '--limit', '2');
    expect(limited.json()).toHaveLength(2);
    expect(limited.err).toMatch(/more than 2 events/);
    const window = (
      await run(
        'query',
        'user',
        'christophe',
        '--json',
        '--since',
        '2024-08-01T13:00:00Z',
        '--until',
        '2024-08-01T13:30:00Z',
      )
    ).json<{ eventTime: string }>();
    expect(window.length).toBeGreaterThan(0);
    expect(
      window.every((e) => e.eventTime >= '2024-08-01T13:00:00Z' && e.eventTime <= '2024-08-01T13:30:00Z'),
    ).toBe(true);
  });

  it.each([
    ['snapshot', 'snap-041993b54a9b3af6f', 'ModifySnapshotAttribute'],
    ['security group', 'sg-003dc7f1f1c686164', 'AuthorizeSecurityGroupIngress'],
    ['image', 'ami-0aa1d83d0b0985c86', 'CreateTags'],
    ['volume', 'vol-0a1b2c3d4e5f60718', 'CreateSnapshot'],
  ])('query resource: a %s', async (_kind, id, eventName) => {
    const events = (await run('query', 'resource', id, '--json', '--limit', '1000')).json();
    expect(events.map((e) => e.eventName)).toContain(eventName);
  });

  it('query key: every push of one key, by fingerprint or by the whole public key', async () => {
    // Stratus used one key for its Instance Connect and its serial console detonations
    const byFingerprint = await run('query', 'key', STRATUS_KEY);
    expect(byFingerprint.out.split('\n')[0]).toMatch(/^TIME\s+EVENT\s+USER\s+INSTANCE\s+OS USER\s+KEY/);
    expect(byFingerprint.out).toMatch(
      /\s+SendSSHPublicKey\s+christophe\s+i-fdb357cb7e99ad973\s+ec2-user\s+ED25519 256\s/,
    );
    expect(byFingerprint.out).toMatch(/\s+SendSerialConsoleSSHPublicKey\s+.*\s+serial:0\s+ED25519 256\s/);
    expect(byFingerprint.out).toMatch(/6 event\(s\), newest first\.$/);
    const byKey = (
      await run(
        'query',
        'key',
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtAlK45MAEWZ7MUY2QEmi3M6W+peGL3VCrc0qH54xRu',
        '--json',
      )
    ).json<{ instanceIds: string[] }>();
    expect(byKey.map((e) => e.instanceIds[0]).sort()).toEqual([
      'i-6d7fb8f606130a33d',
      'i-9d2abff1798c34950',
      'i-b2abdca5b78e0f1dd',
      'i-d46ed8fcdefed5aae',
      'i-efcb4e480cabc4cf9',
      'i-fdb357cb7e99ad973',
    ]);
  });

  it('event: one event in full, with the record from its log file', async () => {
    const r = await run('event', '0968cbec-f8df-43f3-94ba-b451aad083ed');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Event ID:\s+0968cbec-f8df-43f3-94ba-b451aad083ed$/m);
    expect(r.out).toMatch(/^SSH key:\s+SHA256:xq6092IJhV\+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8 ED25519 256$/m);
    expect(r.out).toMatch(/^Log file:\s+file:\/\/.*\.json(\.gz)?$/m);
    expect(r.out).toContain('"tlsDetails"');
    const [json] = (await run('event', '0968cbec-f8df-43f3-94ba-b451aad083ed', '--json')).json<{
      record: { eventID: string };
    }>();
    expect(json?.record.eventID).toBe('0968cbec-f8df-43f3-94ba-b451aad083ed');
  });

  it('findings: newest first, as a table and as NDJSON finding lines with the CONTRACT fields', async () => {
    const table = await run('findings', '--limit', '1000');
    expect(table.code).toBe(0);
    expect(table.out.split('\n')[0]).toMatch(
      /^TIME\s+SEVERITY\s+RULE\s+ATTACK\s+INSTANCE\s+PRINCIPAL\s+KEY\s+DETAIL\s+EVENT ID$/,
    );
    expect(table.out).toMatch(/^2024-11-26T15:35:23Z\s+medium\s+ssh-serial-console\s+T1021\s+i-/m);
    expect(table.out).toMatch(/113 finding\(s\), newest first\.$/);
    const lines = (await run('findings', '--json', '--limit', '1000')).json<Record<string, unknown>>();
    expect(lines).toHaveLength(113);
    for (const f of lines)
      for (const k of ['rule', 'eventID', 'eventTime', 'principalArn', 'detail']) expect(f).toHaveProperty(k);
    const times = lines.map((f) => f.eventTime as string);
    expect([...times].sort().reverse()).toEqual(times);
    expect(lines.find((f) => f.rule === 'ssh-push-denied')).toMatchObject({
      eventID: '3ad527a2-8799-4561-8def-963a6dcdbbb5',
      eventTime: '2025-01-13T20:46:57Z',
      instanceId: 'i-abcdef01234567890',
      principalArn: 'arn:aws:sts::111122223333:assumed-role/SampleRole/bobson.dugnutt',
      detail: 'failed with AccessDenied',
    });
    expect(lines.find((f) => f.rule === 'ssh-serial-console')).toMatchObject({ fingerprint: STRATUS_KEY });
  });

  it('findings --rule, --since/--until, --limit', async () => {
    const serial = (await run('findings', '--rule', 'ssh-serial-console', '--json')).json();
    expect(serial.map((f) => f.rule)).toEqual([
      'ssh-serial-console',
      'ssh-serial-console',
      'ssh-serial-console',
    ]);
    const august = (await run('findings', '--since', '2024-08-01', '--until', '2024-08-02', '--json')).json();
    // the six key pushes' SSH findings, and the SSM and instance credential detonations of 1 August
    expect(august.length).toBe(14);
    expect((await run('findings', '--limit', '2', '--json')).json()).toHaveLength(2);
    const unknown = await run('findings', '--rule', 'ssh-bogus');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--rule: unknown rule 'ssh-bogus'; rules: ssh-root-identity, /);
  });

  it('ingest counts new findings by rule, and none when the same files come again', async () => {
    const again = await run('ingest', join(CLOUDTRAIL, 'stratus'), '--json', '--reprocess');
    expect(again.json()[0]).toMatchObject({ findings: 0, findingsByRule: {} });
    const human = await run('ingest', join(CLOUDTRAIL, 'stratus'), '--reprocess');
    expect(human.out).toMatch(/SSH key pushes: 6; new findings: 0$/m);
  });

  it('ingest takes the rule settings as options and validates them', async () => {
    const bad = await run('ingest', dir, '--allowed-ssh-cidrs', '10.0.0.0/8,office');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--allowed-ssh-cidrs: 'office' is not an IPv4 or IPv6 CIDR/);
    const strict = await run('ingest', dir, '--allowed-ssh-cidrs', '10.0.0.0/8', '--json', '--reprocess');
    expect(strict.json()[0]).toMatchObject({ findingsByRule: { 'ssh-source-ip': 1 } });
  });

  it('event: an unknown ID is exit 1 with the ID and the store named', async () => {
    const r = await run('event', 'no-such-event');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^trailwatch: event no-such-event: not found in the local store /);
  });

  it('no results: says so, exit 0', async () => {
    const r = await run('query', 'instance', 'i-0fffffffffffffff0');
    expect(r).toMatchObject({ code: 0 });
    expect(r.out).toMatch(/^No events for instance i-0fffffffffffffff0 in the local store/);
  });

  it.each([
    [
      ['query', 'instance', 'vol-0a1b2c3d'],
      /instance: 'vol-0a1b2c3d' is not an instance ID .*use: query resource/,
    ],
    [['query', 'resource', 'i-0123456789abcdef0'], /for instances use: query instance/],
    [['query', 'key', 'not a key'], /neither a SHA256:… fingerprint nor an SSH public key/],
    [['query', 'user', 'bob', '--since', 'last tuesday'], /--since: expected a duration like 90m/],
    [['query', 'user', 'bob', '--limit', '0'], /--limit: expected a whole number from 1/],
    [
      ['query', 'user', 'bob', '--since', '2025-01-02', '--until', '2025-01-01'],
      /--since .* is after --until/,
    ],
    [['query', 'user', 'bob', '--endpoint', 'http://127.0.0.1:1'], /--endpoint needs --table NAME/],
    [['query', 'colour', 'x'], /unknown command 'colour'/],
    [['ingest'], /missing required argument 'paths'/],
    [['ingest', '.', '--retention-days', '-1'], /--retention-days: expected a whole number of days/],
  ])('usage errors exit 2 and say what is wrong: %j', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a missing input path is exit 1, names the path, and the other paths are still ingested', async () => {
    const r = await run(
      'ingest',
      join(dir, 'nope.json.gz'),
      join(dir, 'handwritten.json.gz'),
      '--json',
      '--reprocess',
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.json\.gz: no such file or directory/);
    expect(r.json()[0]).toMatchObject({ files: 2, filesFailed: 1, indexed: 3 });
  });

  it('a file that is not CloudTrail is exit 1, naming the file and the reason', async () => {
    const bad = join(dir, 'bad', 'notes.json');
    mkdirSync(join(dir, 'bad'), { recursive: true });
    writeFileSync(bad, '{"hello": "world"}');
    const r = await run('ingest', join(dir, 'bad'));
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `${join(dir, 'bad', 'notes.json')}: no "Records" array, and not a CloudTrail record`,
    );
  });

  it('hostile text in records never reaches the terminal raw: tables strip it, --json escapes it', async () => {
    const hostile = '\u001b]0;owned\u0007\u001b[2J\u001b[31mred\u009b1m\u202eevil\rover\u0000';
    const file = join(dir, 'hostile', 'hostile.json.gz');
    mkdirSync(join(dir, 'hostile'), { recursive: true });
    writeFileSync(
      file,
      logFile([
        ec2Call(`StopInstances${hostile}`, {
          eventTime: '2025-03-04T10:00:00Z',
          userAgent: hostile,
          userIdentity: {
            type: 'IAMUser',
            userName: hostile,
            arn: `arn:aws:iam::111122223333:user/x${hostile}`,
          },
          requestParameters: { instancesSet: { items: [{ instanceId: 'i-0badbadbadbadbad0' }] } },
        }),
      ]),
    );
    expect((await run('ingest', file)).code).toBe(0);
    // every C0/C1 control, DEL and bidi override is a way to rewrite the screen
    const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
    const table = await run('query', 'instance', 'i-0badbadbadbadbad0');
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/StopInstances/);
    expect(table.out).not.toMatch(unsafe);
    const json = await run('query', 'instance', 'i-0badbadbadbadbad0', '--json');
    expect(json.out).not.toMatch(unsafe);
    const [event] = json.json() as { eventID: string; userAgent: string; principal: { userName: string } }[];
    expect(event?.userAgent).toBe(hostile);
    expect(event?.principal.userName).toBe(hostile);
    const full = await run('event', event?.eventID ?? '');
    expect(full.out).not.toMatch(unsafe);
  });

  it('help and version exit 0', async () => {
    expect((await cli(['--help'])).code).toBe(0);
    expect((await cli(['query', 'instance', '--help'])).out).toMatch(/--since <when>/);
    expect((await cli(['--version'])).out).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
