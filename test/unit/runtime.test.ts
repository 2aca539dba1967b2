import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const inCi = Boolean(process.env.CI);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The least Node.js major the project declares (`engines.node` of package.json, `>=N` or `>=N.M`:
 * the CLI's local store needs `node:sqlite`, unflagged since 22.13).
 */
function declaredMajor(): number {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const match = /^>=(\d+)(\.\d+){0,2}$/.exec(pkg.engines?.node ?? '');
  if (!match?.[1])
    throw new Error(`package.json: engines.node must read ">=N[.M]", got ${pkg.engines?.node}`);
  return Number(match[1]);
}

const major = (version: string): number => Number(version.replace(/^v/, '').split('.')[0]);

describe('runtime', () => {
  it("declares the Lambda's Node.js runtime as the least Node.js the project needs", () => {
    const runtimes = new Set(
      sources('lib').flatMap((f) =>
        [...readFileSync(join(ROOT, f), 'utf8').matchAll(/Runtime\.NODEJS_(\d+)_X\b/g)].map((m) =>
          Number(m[1]),
        ),
      ),
    );
    expect([...runtimes]).toEqual([declaredMajor()]);
  });

  (inCi ? it : it.skip)('runs the tests in CI on the Node.js the Lambda runs, or later', () => {
    expect(major(process.versions.node)).toBeGreaterThanOrEqual(declaredMajor());
  });

  (inCi ? it : it.skip)(
    'starts child processes by name (cdk, tsx, npm scripts) on the same Node.js as the tests',
    () => {
      const child = spawnSync('node', ['-p', 'process.version'], { encoding: 'utf8' });
      expect(child.error).toBeUndefined();
      expect(child.stdout.trim()).toBe(process.version);
    },
  );
});
