import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, builtCliPresent, spawnCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';

/**
 * The built CLI's tables on the real Stratus detonations: fitted to 80 columns (COLUMNS, or a
 * pseudo-terminal of 80 columns), in full when piped, and with --wide.
 */

const STRATUS = join(FIXTURES, 'cloudtrail', 'stratus');
const FINGERPRINT = 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8';
const EMAIL = 'randomca0L529zwNAY@gmail.com';
/** The Identity Center session of the serial console pushes: session name and role, in full. */
const SSO_LABEL = `${EMAIL} (AWSReservedSSO_account-admin_599c9e90e350d2ff)`;
const SSO_ARN = 'arn:aws:sts::844015365555:assumed-role/AWSReservedSSOrandoml3I7nL6f7BmB@gmail.com';
/** The six pushes of the key: three over the serial console, three by Instance Connect. */
const PUSHED_TO = [
  'i-b2abdca5b78e0f1dd',
  'i-efcb4e480cabc4cf9',
  'i-d46ed8fcdefed5aae',
  'i-9d2abff1798c34950',
  'i-6d7fb8f606130a33d',
  'i-fdb357cb7e99ad973',
];

/** No terminal settings of the machine running the tests. */
function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { COLUMNS: _columns, TRAILWATCH_DB: _db, ...rest } = process.env;
  return { ...rest, ...extra };
}

const ID_TOKENS = /\bi-[0-9a-z]+…?|\b[0-9a-f]{8}-[0-9a-f-]*…?|SHA256:\S*/gi;

/**
 * Every instance ID, event ID and fingerprint `out` prints is whole: one of those the same command
 * prints in full (`whole`, with --wide), never cut short or ended with `…`.
 */
function expectIdsIntact(out: string, whole: string): void {
  const full = new Set(whole.match(ID_TOKENS) ?? []);
  const shown = out.match(ID_TOKENS) ?? [];
  for (const token of shown) expect([token, full.has(token.replace(/,$/, ''))]).toEqual([token, true]);
}

const hasScript = spawnSync('script', ['--version']).status === 0;

(builtCliPresent ? describe : describe.skip)('the built CLI fits its tables to the terminal', () => {
  let dir: string;
  let db: string;
  const run = (args: string[], extra?: NodeJS.ProcessEnv) =>
    spawnCli([...args, '--db', db], { env: env(extra) });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-fit-'));
    db = join(dir, 'db');
    const ingest = await run(['ingest', STRATUS, '--json']);
    expect(ingest.code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(
    [
      ['query', 'key', FINGERPRINT],
      ['query', 'user', EMAIL],
      ['query', 'instance', 'i-b2abdca5b78e0f1dd'],
      ['access', 'i-786a3a8b5c0d92ef4'],
      ['findings'],
    ].map((args) => [args.join(' '), args]),
  )('COLUMNS=80 %s: every line within 80 columns, IDs and fingerprints whole', async (_name, args) => {
    const r = await run(args, { COLUMNS: '80' });
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expectIdsIntact(r.out, (await run([...args, '--wide'])).out);
  });

  it('COLUMNS=80 query key: who pushed the key, to which instance, each instance ID whole', async () => {
    const r = await run(['query', 'key', FINGERPRINT], { COLUMNS: '80' });
    const [header, ...rows] = r.out.split('\n');
    expect(header).toMatch(/^TIME\s+USER\s+INSTANCE\b/);
    const instances = rows.flatMap((row) => row.match(/\bi-[0-9a-f]{17}\b/) ?? []);
    expect(instances.sort()).toEqual([...PUSHED_TO].sort());
    expect(rows.filter((row) => row.includes(`  ${EMAIL}  `))).toHaveLength(3);
    expect(r.out).toMatch(/--wide shows every\s+column in full/);
  });

  it('a wider terminal shows the fingerprint and event IDs of findings whole', async () => {
    const r = await run(['findings', '--rule', 'ssh-key-multi-principal'], { COLUMNS: '220' });
    expect(r.out.split('\n')[0]).toMatch(/\bKEY\b.*\bEVENT ID$/);
    expect(r.out.match(new RegExp(FINGERPRINT.replace('+', '\\+'), 'g'))).toHaveLength(6);
    for (const line of r.out.split('\n')) expect(line.length).toBeLessThanOrEqual(220);
    expectIdsIntact(r.out, (await run(['findings', '--rule', 'ssh-key-multi-principal', '--wide'])).out);
  });

  (hasScript ? it : it.skip)(
    'a terminal of 80 columns (a pseudo-terminal; its width wins over COLUMNS)',
    async () => {
      const command = `stty cols 80 rows 24; exec "${process.execPath}" "${BUILT_CLI}" query key ${FINGERPRINT} --db "${db}"`;
      const out = execFileSync('script', ['-qfec', command, '/dev/null'], {
        env: env({ COLUMNS: '200' }),
        encoding: 'utf8',
      });
      const lines = out.replace(/\r/g, '').trimEnd().split('\n');
      expect(lines[0]).toMatch(/^TIME\s+USER\s+INSTANCE\b/);
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
      expectIdsIntact(out, (await run(['query', 'key', FINGERPRINT, '--wide'])).out);
    },
  );

  it('piped, without COLUMNS: every value in full (the Identity Center session and role complete)', async () => {
    const r = await run(['query', 'key', FINGERPRINT]);
    expect(r.out).not.toContain('…');
    expect(r.out).not.toMatch(/Fitted/);
    const rows = r.out.split('\n');
    expect(rows[0]).toMatch(
      /^TIME\s+EVENT\s+USER\s+INSTANCE\s+OS USER\s+KEY\s+SOURCE IP\s+ERROR\s+FINDINGS\s+EVENT ID$/,
    );
    expect(rows.filter((row) => row.includes(SSO_LABEL))).toHaveLength(3);
    expect(rows.filter((row) => /\bchristophe\b/.test(row))).toHaveLength(3);
    const findings = await run(['findings', '--rule', 'ssh-key-multi-principal']);
    expect(findings.out.match(/SHA256:\S+/g)).toEqual(Array(6).fill(FINGERPRINT));
    expect(findings.out).not.toContain('…');
  });

  it('--wide: every column in full whatever the width, principals as their ARN', async () => {
    const r = await run(['query', 'key', FINGERPRINT, '--wide'], { COLUMNS: '80' });
    expect(r.out).not.toContain('…');
    expect(r.out.split('\n')[0]).toMatch(/\bEVENT ID$/);
    expect(r.out.split('\n').filter((row) => row.includes(SSO_ARN))).toHaveLength(3);
    expect(r.out).toContain('arn:aws:iam::572910899909:user/christophe');
    expect(r.out).not.toContain(SSO_LABEL);
    const access = await run(['access', 'i-786a3a8b5c0d92ef4', '--wide'], { COLUMNS: '80' });
    expect(access.out).toContain(
      'arn:aws:sts::017622104382:assumed-role/stratus-red-team-ec2-steal-credentials-role/i-786a3A8B5C0d92eF4',
    );
  });

  it('--json is unchanged by the width: full ARNs', async () => {
    const r = await run(['query', 'key', FINGERPRINT, '--json'], { COLUMNS: '40' });
    const lines = r.json<{ principal: { arn: string } }>();
    expect(lines).toHaveLength(6);
    expect(lines.filter((l) => l.principal.arn === SSO_ARN)).toHaveLength(3);
  });
});
