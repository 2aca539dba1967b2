import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCliPresent } from '../helpers/cli';
import { describeWithCorpus } from '../helpers/corpus';

/**
 * The console examples of README.md and docs/*.md are what the built CLI prints now
 * (`npm run docs:examples -- --check`), and the check does fail on a stale example.
 */

const ROOT = join(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const SCRIPT = join(ROOT, 'scripts', 'docs-examples.ts');

function runScript(args: string[]): Promise<{ code: number; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, err }));
  });
}

describeWithCorpus('docs console examples (npm run docs:examples -- --check)', () => {
  beforeAll(() => {
    if (!builtCliPresent)
      throw new Error('dist/bin/trailwatch.js is missing: npm run test:integration builds it');
  });

  it('every example of the README and docs/ is what the command prints now', async () => {
    const run = await runScript(['--check']);
    expect(run.err).toMatch(/example\(s\) up to date/);
    expect(run.code).toBe(0);
  }, 180_000);

  describe('on a doc of its own', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'trailwatch-docs-test-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const block = (output: string): string =>
      [
        '# A page',
        '',
        '<!-- example: trailwatch query instance i-0123456789abcdef0 | store empty -->',
        '```console',
        '$ npx trailwatch query instance i-0123456789abcdef0',
        output,
        '```',
        '<!-- /example -->',
        '',
      ].join('\n');
    const printed =
      'No events for instance i-0123456789abcdef0 in the local store /home/me/trailwatch/.trailwatch.';

    it('--check exits 1 naming the stale block, and changes nothing', async () => {
      const file = join(dir, 'stale.md');
      writeFileSync(file, block('No events, says the old doc.'));
      const run = await runScript(['--check', file]);
      expect(run.code).toBe(1);
      expect(run.err).toContain(
        `${file}:3: example \`trailwatch query instance i-0123456789abcdef0\` differs`,
      );
      expect(run.err).toContain(`+ ${printed}`);
      expect(readFileSync(file, 'utf8')).toBe(block('No events, says the old doc.'));
    }, 60_000);

    it('without --check rewrites the block with what the command prints', async () => {
      const file = join(dir, 'rewrite.md');
      writeFileSync(file, block('No events, says the old doc.'));
      const run = await runScript([file]);
      expect(run.code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe(block(printed));
      expect((await runScript(['--check', file])).code).toBe(0);
    }, 60_000);

    it('fails naming the block when the command exits otherwise than the marker says', async () => {
      const file = join(dir, 'exit.md');
      writeFileSync(
        file,
        block(printed).replace(
          'i-0123456789abcdef0 | store empty',
          'i-0123456789abcdef0 | store empty | exit 1',
        ),
      );
      const run = await runScript(['--check', file]);
      expect(run.code).toBe(1);
      expect(run.err).toContain(
        `${file}:3: \`trailwatch query instance i-0123456789abcdef0\` exited with 0, expected 1`,
      );
    }, 60_000);
  });
});
