/**
 * The local store's directory (`--db DIR`): made with its parents when missing; when it cannot be,
 * the command fails at once saying why, whatever is in the way (a file, a file above it, a file
 * system that refuses directories such as /proc, where Node's own recursive mkdir never returns).
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCliPresent, type CliResult, startCli } from '../helpers/cli';
import { credentiallessEnv } from '../helpers/env';

const describeBuilt = builtCliPresent ? describe : describe.skip;

/** The built binary to its end, killed (and failed) if it has not ended within 20 s. */
async function runWithin(args: string[]): Promise<CliResult & { killed: boolean }> {
  const run = startCli(args, { env: credentiallessEnv() });
  let killed = false;
  const watchdog = setTimeout(() => {
    killed = true;
    run.child.kill('SIGKILL');
  }, 20_000);
  const code = await run.exit;
  clearTimeout(watchdog);
  return { code, out: run.out(), err: run.err(), json: () => [], killed };
}

describeBuilt('the local store directory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-store-dir-'));
    writeFileSync(join(dir, 'a-file'), 'x');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is made with its missing parents', async () => {
    const db = join(dir, 'one', 'two', 'three');
    const run = await runWithin(['findings', '--db', db]);
    expect(run).toMatchObject({ killed: false, code: 0 });
    expect(statSync(db).isDirectory()).toBe(true);
  });

  it.each([
    ['a file in the way', 'a-file', /a-file: cannot create the store directory: EEXIST/],
    ['a file above it', join('a-file', 'db'), /a-file\/db: cannot create the store directory: ENOTDIR/],
  ])('fails at once saying why when there is %s', async (_what, path, message) => {
    const run = await runWithin(['findings', '--db', join(dir, path)]);
    expect(run).toMatchObject({ killed: false, code: 1 });
    expect(run.err).toMatch(message);
  });

  (existsSync('/proc/self') ? it : it.skip)(
    'fails at once under /proc, where directories cannot be made (Node’s recursive mkdir never returns there)',
    async () => {
      const run = await runWithin(['findings', '--db', '/proc/trailwatch-test/db']);
      expect(run).toMatchObject({ killed: false, code: 1 });
      expect(run.err).toMatch(/\/proc\/trailwatch-test\/db: cannot create the store directory: ENOENT/);
    },
  );
});
