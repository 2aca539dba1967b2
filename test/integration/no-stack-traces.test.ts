import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { STORE_FILE } from '../../bin/cli/local-store/open';
import { buildProgram } from '../../bin/cli/program';
import { builtCliPresent, type CliResult, spawnCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { credentiallessEnv } from '../helpers/env';
import { recordingIo } from '../helpers/io';

/**
 * No command shows the user a stack trace (issue 15): every command of the program, each leaf of
 * its tree (`query instance`, …, and any command added later: the list comes from the program
 * itself), run through the built binary with bad input: a store that cannot be opened, an empty or
 * impossible `--db`, an unknown option. Each ends with a message and exit code 1 or 2.
 */

const env = credentiallessEnv();

/** Arguments that are fine, so that the bad input is what fails; others get a plain word. */
const GOOD_ARGUMENTS: Record<string, string[]> = {
  ingest: [join(FIXTURES, 'cloudtrail', 'panther')],
  backfill: ['s3://bucket'],
  'query instance': ['i-0123456789abcdef0'],
  'query user': ['alice'],
  'query resource': ['vol-0123456789abcdef0'],
  'query key': ['SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8'],
  'query keypair': ['kp1'],
  'query ip': ['10.0.0.1'],
  access: ['i-0123456789abcdef0'],
  event: ['0968cbec-f8df-43f3-94ba-b451aad083ed'],
};

/** Every runnable command: its words, and the arguments it needs. */
function leaves(): { name: string; argv: string[] }[] {
  const program = buildProgram(recordingIo().io, () => undefined);
  const out: { name: string; argv: string[] }[] = [];
  const walk = (command: Command, path: string[]): void => {
    if (command.commands.length > 0) {
      for (const sub of command.commands) walk(sub, [...path, sub.name()]);
      return;
    }
    const name = path.join(' ');
    const needed = command.registeredArguments.filter((a) => a.required).map(() => 'x');
    out.push({ name, argv: [...path, ...(GOOD_ARGUMENTS[name] ?? needed)] });
  };
  for (const c of program.commands) walk(c, [c.name()]);
  return out;
}

const COMMANDS = leaves();

function expectNoStackTrace(r: CliResult): void {
  expect(r.err).not.toMatch(/^ {4}at /m);
  expect(r.err).not.toMatch(/unexpected error/);
  expect([1, 2]).toContain(r.code);
  expect(r.err).toMatch(/^(trailwatch: |error: )/m);
}

(builtCliPresent ? describe : describe.skip)('no stack trace from any command', () => {
  let dir: string;
  let garbage: string;
  let underAFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-no-stack-'));
    garbage = join(dir, 'garbage');
    mkdirSync(garbage);
    writeFileSync(join(garbage, STORE_FILE), 'not a database, but long enough to have a header '.repeat(20));
    writeFileSync(join(dir, 'a-file'), 'x');
    underAFile = join(dir, 'a-file', 'db');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('covers every command of the program, query subcommands included', () => {
    const names = COMMANDS.map((c) => c.name);
    for (const n of [
      'ingest',
      'backfill',
      'query instance',
      'query user',
      'access',
      'findings',
      'event',
      'serve',
    ])
      expect(names).toContain(n);
  });

  it.each(COMMANDS)('$name on a store that is not SQLite', async ({ argv }) => {
    expectNoStackTrace(await spawnCli([...argv, '--db', garbage], { env, cwd: dir }));
  });

  it.each(COMMANDS)('$name on a store directory that cannot be made', async ({ argv }) => {
    expectNoStackTrace(await spawnCli([...argv, '--db', underAFile], { env, cwd: dir }));
  });

  it.each(COMMANDS)('$name with an empty --db', async ({ argv }) => {
    const r = await spawnCli([...argv, '--db', ''], { env, cwd: dir });
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
  });

  it.each(COMMANDS)('$name with an unknown option', async ({ argv }) => {
    const r = await spawnCli([...argv, '--no-such-option'], { env, cwd: dir });
    expectNoStackTrace(r);
    expect(r.code).toBe(2);
  });

  it('three commands at once on one store (an ingest, a query, findings): each answers, none crashes', async () => {
    const db = join(dir, 'busy');
    const [ingest, query, findings] = await Promise.all([
      spawnCli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', db, '--json'], { env }),
      spawnCli(['query', 'instance', 'i-fdb357cb7e99ad973', '--db', db], { env }),
      spawnCli(['findings', '--db', db], { env }),
    ]);
    // exit 1: the fixtures hold records rejected on purpose
    expect(ingest.code).toBe(1);
    expect(ingest.json()[0]).toMatchObject({ filesFailed: 0 });
    for (const r of [query, findings]) expect(r.code).toBe(0);
    for (const r of [ingest, query, findings]) expect(r.err).not.toMatch(/^ {4}at |Database is closed/m);
  });
});
