import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, builtCliPresent, cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { credentiallessEnv } from '../helpers/env';

/**
 * `trailwatch serve`: a snapshot of the embedded store as a DynamoDB endpoint, queried by trailwatch
 * itself (`--table trailwatch --endpoint`) and by the AWS CLI (where installed).
 */

const haveAwsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;
const INSTANCE = 'i-fdb357cb7e99ad973';

(builtCliPresent ? describe : describe.skip)('trailwatch serve', () => {
  let dir: string;
  let db: string;
  let server: ChildProcess;
  let endpoint: string;
  let banner = '';
  // no AWS credentials in the environment: a local endpoint must not need any
  const env = credentiallessEnv();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-serve-'));
    db = join(dir, 'db');
    await cli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', db], { env });
    server = spawn(process.execPath, [BUILT_CLI, 'serve', '--db', db, '--port', '0'], { env });
    server.stdout?.on('data', (c: Buffer) => {
      banner += c.toString('utf8');
    });
    for (let i = 0; i < 200 && !banner.includes('Press Ctrl-C'); i++)
      await new Promise((r) => setTimeout(r, 50));
    endpoint = /endpoint (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
  }, 60_000);

  afterAll(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints its endpoint, the table, and commands to copy', () => {
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(banner).toContain(
      `trailwatch query instance i-0123456789abcdef0 --table trailwatch --endpoint ${endpoint}`,
    );
    expect(banner).toContain(`aws dynamodb query --endpoint-url ${endpoint}`);
  });

  it('answers trailwatch --table trailwatch --endpoint, as the embedded store would', async () => {
    const r = await cli(
      ['query', 'instance', INSTANCE, '--table', 'trailwatch', '--endpoint', endpoint, '--json'],
      {
        env,
      },
    );
    expect(r.code).toBe(0);
    expect(r.json()).toEqual([
      expect.objectContaining({ eventName: 'SendSSHPublicKey', instanceIds: [INSTANCE] }),
    ]);
  });

  it('does not hold the store: a command on the same --db works while serve runs', async () => {
    const r = await cli(['query', 'instance', INSTANCE, '--db', db, '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.json()).toHaveLength(1);
  });

  (haveAwsCli ? it : it.skip)(
    haveAwsCli
      ? 'answers the AWS CLI (aws dynamodb query)'
      : 'answers the AWS CLI (skipped: aws is not installed)',
    () => {
      const run = spawnSync(
        'aws',
        [
          'dynamodb',
          'query',
          '--endpoint-url',
          endpoint,
          '--region',
          'local',
          '--table-name',
          'trailwatch',
          '--key-condition-expression',
          'pk = :pk',
          '--expression-attribute-values',
          JSON.stringify({ ':pk': { S: `INSTANCE#${INSTANCE}` } }),
          '--no-scan-index-forward',
          '--output',
          'json',
        ],
        { encoding: 'utf8', env: { ...env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } },
      );
      expect(run.stderr).toBe('');
      const out = JSON.parse(run.stdout) as { Items: { eventName: { S: string } }[] };
      expect(out.Items.map((i) => i.eventName.S)).toEqual(['SendSSHPublicKey']);
    },
  );

  it('stops on Ctrl-C (SIGINT) with exit code 0, and the store is free again', async () => {
    const exited = once(server, 'exit');
    server.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(0);
    const r = await cli(['query', 'instance', INSTANCE, '--db', db, '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.json()).toHaveLength(1);
  });
});
