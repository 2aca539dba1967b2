import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, builtCliPresent, spawnCli } from '../helpers/cli';
import { CLOUDTRAIL, STRATUS_KEY } from '../helpers/cli-fixtures';

(builtCliPresent ? describe : describe.skip)(`the built binary (${BUILT_CLI})`, () => {
  it('keeps the embedded store on disk between runs: ingest in one process, query in another', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trailwatch-bin-'));
    try {
      const env = { ...process.env, TRAILWATCH_DB: join(dir, 'db') };
      const ingest = await spawnCli(['ingest', join(CLOUDTRAIL, 'stratus'), '--json'], { env });
      expect(ingest).toMatchObject({ code: 0, err: '' });
      const query = await spawnCli(['query', 'key', STRATUS_KEY, '--json'], { env });
      expect(query.code).toBe(0);
      expect(query.json()).toHaveLength(6);
      const usage = await spawnCli(['query', 'instance', 'nope'], { env });
      expect(usage.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ingests on its reader thread when Node.js runs with options a thread may not be given (--max-old-space-size)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trailwatch-bin-'));
    try {
      const env = { ...process.env, TRAILWATCH_DB: join(dir, 'db') };
      const ingest = await spawnCli(['ingest', join(CLOUDTRAIL, 'stratus'), '--json'], {
        env,
        nodeOptions: ['--max-old-space-size=512'],
      });
      expect(ingest).toMatchObject({ code: 0, err: '' });
      expect(ingest.json()).toEqual([
        expect.objectContaining({ filesFailed: 0, indexed: 67, sshKeyPushes: 6 }),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
