import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, builtCliPresent } from '../helpers/cli';
import { CLOUDTRAIL } from '../helpers/cli-fixtures';

/**
 * The CLI's start-up (docs/performance.md "Start-up"): a command loads what it uses only (a query on
 * the local store no AWS SDK, no progress bar, no key parser, none of the Node.js modules only the
 * rules or other commands need; the help opens no store), and the compiled code it keeps between
 * runs is written whole, after a successful run only, and refused when it does not fit.
 */

const ROOT = join(__dirname, '..', '..');
const INSTANCE = 'i-b2abdca5b78e0f1dd';

// Loaded with --require into the child: every package it loads (node_modules/<name>) and the
// Node.js modules loaded by the end, written to $TW_LOADS when it exits.
const RECORDER = `
const Module = require('node:module');
const load = Module._load;
const packages = new Set();
Module._load = function (request, parent, isMain) {
  const resolved = Module._resolveFilename(request, parent, isMain);
  const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(resolved);
  if (m) packages.add(m[1]);
  return load.apply(this, arguments);
};
process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  require('node:fs').writeFileSync(process.env.TW_LOADS, JSON.stringify({ packages: [...packages], builtins }));
});
`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cli: string, args: string[], env: NodeJS.ProcessEnv = {}, preload?: string): Run {
  const { NODE_OPTIONS: _loader, ...inherited } = process.env;
  const r = spawnSync(process.execPath, [...(preload ? ['--require', preload] : []), cli, ...args], {
    encoding: 'utf8',
    env: { ...inherited, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

(builtCliPresent ? describe : describe.skip)('the start-up of the built CLI', () => {
  let dir: string;
  let db: string;
  let recorder: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-startup-'));
    db = join(dir, 'db');
    recorder = join(dir, 'recorder.js');
    writeFileSync(recorder, RECORDER);
    expect(run(BUILT_CLI, ['ingest', join(CLOUDTRAIL, 'stratus'), '--db', db, '--json']).status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // the same, with this process free to answer the child (a server of the test)
  async function loadsAsync(
    args: string[],
  ): Promise<{ status: number | null; packages: string[]; builtins: string[] }> {
    const out = join(dir, `loads-${Math.random().toString(36).slice(2)}.json`);
    const { NODE_OPTIONS: _loader, ...inherited } = process.env;
    const child = spawn(process.execPath, ['--require', recorder, BUILT_CLI, ...args], {
      env: { ...inherited, TW_LOADS: out },
      stdio: 'ignore',
    });
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return {
      status,
      ...(JSON.parse(readFileSync(out, 'utf8')) as { packages: string[]; builtins: string[] }),
    };
  }

  function loads(
    args: string[],
    env: NodeJS.ProcessEnv = {},
  ): Run & { packages: string[]; builtins: string[] } {
    const out = join(dir, `loads-${Math.random().toString(36).slice(2)}.json`);
    const r = run(BUILT_CLI, args, { ...env, TW_LOADS: out }, recorder);
    return { ...r, ...(JSON.parse(readFileSync(out, 'utf8')) as { packages: string[]; builtins: string[] }) };
  }

  it('answers `query instance` on the local store without loading the AWS SDK, the progress bar or the key parser', () => {
    const r = loads(['query', 'instance', INSTANCE, '--db', db]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('SendSerialConsoleSSHPublicKey');
    expect(r.packages.filter((p) => p.startsWith('@aws-sdk/') || p.startsWith('@smithy/'))).toEqual([]);
    expect(r.packages).not.toContain('cli-progress');
    expect(r.packages).not.toContain('sshpk');
    expect(r.packages).not.toContain('dynalite');
    expect(r.packages.filter((p) => p.startsWith('@aws-lambda-powertools/'))).toEqual([]);
    // commander's child_process (executable subcommands), the rules' crypto, the store's thread, the
    // readers' zlib (net is there: stdout is a pipe)
    for (const builtin of ['child_process', 'crypto', 'worker_threads', 'zlib', 'http'])
      expect(r.builtins).not.toContain(builtin);
    expect(r.builtins).toContain('sqlite');
  });

  it('loads the AWS SDK when a command needs it: --table', async () => {
    // an endpoint that answers every request: no such table
    const server = createServer((_, res) => {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const args = ['query', 'instance', INSTANCE, '--table', 'T', '--endpoint', `http://127.0.0.1:${port}`];
      const r = await loadsAsync(args);
      expect(r.status).toBe(1);
      expect(r.packages).toContain('@aws-sdk/lib-dynamodb');
      expect(r.builtins).not.toContain('sqlite');
    } finally {
      server.close();
    }
  });

  it.each([[['--help']], [['query', 'instance', '--help']], [['ingest', '--help']], [['--version']]])(
    'opens no store for %j',
    (args) => {
      const unopened = join(dir, 'never-opened');
      const r = loads(args, { TRAILWATCH_DB: unopened });
      expect(r.status).toBe(0);
      expect(r.stdout).not.toBe('');
      expect(existsSync(unopened)).toBe(false);
      expect(r.builtins).not.toContain('sqlite');
      expect(r.packages.filter((p) => p !== 'commander')).toEqual([]);
    },
  );
});

(builtCliPresent ? describe : describe.skip)('the compiled code the CLI keeps between runs', () => {
  // a copy of the built CLI, so that its cache (dist/.compile-cache) is this test's own
  let copy: string;
  let cli: string;
  let db: string;
  let cacheDir: string;
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'trailwatch-cache-'));
    for (const file of ['bin/trailwatch.js', 'bin/cli/entry.js'])
      cpSync(join(ROOT, 'dist', file), join(copy, 'dist', file));
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    cli = join(copy, 'dist', 'bin', 'trailwatch.js');
    cacheDir = join(copy, 'dist', '.compile-cache', `${process.version}-${process.arch}`);
    db = join(copy, 'db');
    mkdirSync(db);
    expect(run(BUILT_CLI, ['ingest', join(CLOUDTRAIL, 'stratus'), '--db', db, '--json']).status).toBe(0);
  });
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  const cached = (command: string): string[] =>
    existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.startsWith(`${command}.`)) : [];

  it('is written once a command has succeeded, for that command, and gives the same answers', () => {
    const query = ['query', 'instance', INSTANCE, '--db', db, '--json'];
    expect(run(cli, ['query', 'instance', 'not-an-instance', '--db', db]).status).toBe(2);
    expect(cached('query')).toEqual([]);
    const first = run(cli, query);
    expect(first.status).toBe(0);
    expect(cached('query')).toHaveLength(1);
    const again = run(cli, query);
    expect(again).toEqual(first);
    expect(run(cli, query, { NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual(first);
    expect(cached('findings')).toEqual([]);
  });

  it('is refused and written again when it does not fit (damaged, another V8)', () => {
    const query = ['query', 'instance', INSTANCE, '--db', db, '--json'];
    const expected = run(cli, query, { NODE_DISABLE_COMPILE_CACHE: '1' });
    run(cli, query);
    const [name] = cached('query');
    const file = join(cacheDir, name as string);
    const garbage = Buffer.alloc(4096, 7);
    writeFileSync(file, garbage);
    expect(run(cli, query)).toEqual(expected);
    expect(readFileSync(file).equals(garbage)).toBe(false);
    expect(run(cli, query)).toEqual(expected);
  });

  it('is not taken for a new build of the CLI (even of the same length), and the old one is removed', () => {
    expect(run(cli, ['--version'])).toMatchObject({ status: 0 });
    const before = cached('_');
    expect(before).toHaveLength(1);
    // a new build, one character changed (V8 itself checks only the length of the source): the
    // version option is now -W; a run from the old build's code would not know it
    const entry = join(copy, 'dist', 'bin', 'cli', 'entry.js');
    const source = readFileSync(entry, 'utf8');
    const option = '"-V, --version")'; // program.ts's, not commander's default
    expect(source.split(option)).toHaveLength(2);
    writeFileSync(entry, source.replace(option, '"-W, --version")'));
    expect(run(cli, ['-W'])).toMatchObject({ status: 0, stdout: `${version}\n` });
    const after = cached('_');
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(run(cli, ['-W'])).toMatchObject({ status: 0, stdout: `${version}\n` });
  });
});
