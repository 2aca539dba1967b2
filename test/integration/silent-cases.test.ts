import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCliPresent, cli, spawnCli } from '../helpers/cli';
import { credentiallessEnv } from '../helpers/env';
import { ec2Call } from '../helpers/records';

/**
 * Mistakes that used to return nothing with exit code 0 (issue 15): each now says so, a warning
 * with exit 0 where nothing is wrong, a usage error (exit 2) naming the argument where something is.
 */

const env = credentiallessEnv();

describe('the former silent cases', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-silent-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const db = () => ['--db', join(dir, 'db')];

  it('backfill --region eu-nowhere-9: exit 2 naming the region; nothing is listed', async () => {
    const r = await cli(['backfill', 's3://b', '--region', 'eu-nowhere-9', ...db()], { env });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^trailwatch: --region: 'eu-nowhere-9' is not an AWS Region name/);
    expect(r.out).toBe('');
  });

  it('backfill --region eu-west-9 (the form of a name, no such Region): exit 2, with the known ones', async () => {
    const r = await cli(['backfill', 's3://b', '--region', 'us-east-1,eu-west-9', ...db()], { env });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /--region: unknown AWS Region 'eu-west-9'; the Regions of partition aws are: .*eu-west-3/,
    );
  });

  it('backfill --queue "" (an unset variable): exit 2, rather than processing here', async () => {
    const r = await cli(['backfill', 's3://b', '--queue', '', ...db()], { env });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^trailwatch: --queue: the queue URL is empty/);
  });

  it.each([
    [['ingest', 'x.json.gz']],
    [['query', 'instance', 'i-0123456789abcdef0']],
    [['findings']],
    [['event', 'x']],
    [['access', 'i-0123456789abcdef0']],
  ])('--table "": exit 2 (%j)', async (args) => {
    const r = await cli([...args, '--table', ''], { env });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--table: /);
  });

  it('--endpoint "" with --table: exit 2 rather than the real AWS endpoint', async () => {
    const r = await cli(['query', 'instance', 'i-0123456789abcdef0', '--table', 't', '--endpoint', ''], {
      env,
    });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^trailwatch: --endpoint: the value is empty/);
  });

  it('an empty directory: a warning naming it, exit 0', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const r = await cli(['ingest', empty, ...db()], { env });
    expect(r.code).toBe(0);
    expect(r.err).toBe(`trailwatch: warning: ${empty}: no log files (.json, .json.gz) in this directory`);
    expect(r.out).toMatch(/^Ingested 0 file\(s\)/);
  });

  it('.ndjson files in a directory are named as ignored; named, they are ingested', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(mixed);
    const records = [
      ec2Call('StopInstances', {
        requestParameters: { instancesSet: { items: [{ instanceId: 'i-0aaaaaaaaaaaaaaa1' }] } },
      }),
      ec2Call('StopInstances', {
        requestParameters: { instancesSet: { items: [{ instanceId: 'i-0aaaaaaaaaaaaaaa2' }] } },
      }),
    ];
    writeFileSync(join(mixed, 'export.ndjson'), records.map((r) => JSON.stringify(r)).join('\n'));
    writeFileSync(join(mixed, 'more.ndjson'), `${JSON.stringify(records[0])}\n`);
    const r = await cli(['ingest', mixed, ...db()], { env });
    expect(r.code).toBe(0);
    expect(r.err.split('\n')).toEqual([
      `trailwatch: warning: ${mixed}: no log files (.json, .json.gz) in this directory`,
      `trailwatch: warning: ${mixed}: ignored: 2 file(s) not named .json or .json.gz, e.g. ${join(mixed, 'export.ndjson')}; name a file to ingest it`,
    ]);
    const named = await cli(['ingest', join(mixed, 'export.ndjson'), '--json', ...db()], { env });
    expect(named.code).toBe(0);
    expect(named.err).toBe('');
    expect(named.json()[0]).toMatchObject({ files: 1, filesFailed: 0, indexed: 2 });
  });
});

(builtCliPresent ? describe : describe.skip)('an empty --db, through the built binary', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'trailwatch-empty-db-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it.each([
    [['ingest', 'x.json.gz']],
    [['backfill', 's3://b']],
    [['backfill', 's3://b', '--queue', 'http://127.0.0.1:9/queue']],
    [['query', 'user', 'alice']],
    [['access', 'i-0123456789abcdef0']],
    [['findings']],
    [['event', 'x']],
    [['serve']],
  ])('%j --db "": exit 2, and no store made in the current directory', async (args) => {
    const r = await spawnCli([...args, '--db', ''], { env, cwd });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^trailwatch: --db: the value is empty/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('an empty TRAILWATCH_DB counts as unset: the default ./.trailwatch', async () => {
    const r = await spawnCli(['findings'], { env: { ...env, TRAILWATCH_DB: '' }, cwd });
    expect(r.code).toBe(0);
    expect(readdirSync(cwd)).toEqual(['.trailwatch']);
  });
});
