/**
 * `trailwatch ui` as a user runs it: the built binary prints the address with its token, answers the
 * API with it, opens no browser when stdout is not a terminal, stops on SIGINT and SIGTERM with exit
 * code 0; on a real table (`--table`, dynalite here) it is read-only: reviews are refused (403).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { BUILT_CLI, builtCliPresent, cli, startCli } from '../helpers/cli';
import { CLOUDTRAIL } from '../helpers/cli-fixtures';
import { type LocalDynamo, startDynalite } from '../helpers/dynalite';
import { credentiallessEnv } from '../helpers/env';
import { parseUiAddress, uiPost, uiRequest } from '../helpers/ui';

const DETONATION = join(CLOUDTRAIL, 'stratus', 'aws.lateral-movement.ec2-instance-connect.json');
const INSTANCE = 'i-fdb357cb7e99ad973';
const PUSH = '0968cbec-f8df-43f3-94ba-b451aad083ed';
const RULE = 'ssh-key-multi-instance';

interface Running {
  readonly child: ChildProcess;
  readonly base: string;
  readonly token: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Starts `trailwatch ui ARGS` and waits for its address line. */
async function startUi(args: string[], env: NodeJS.ProcessEnv): Promise<Running> {
  const { child, out, err } = startCli(['ui', ...args], { env });
  for (let i = 0; i < 400 && !out().includes('\n') && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 50));
  const line = out().split('\n')[0] ?? '';
  if (!line.startsWith('trailwatch ui: ')) {
    child.kill('SIGKILL');
    throw new Error(`trailwatch ui did not start: ${out()}${err()}`);
  }
  return { child, ...parseUiAddress(line), stdout: out, stderr: err };
}

async function stop(running: Running, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  if (running.child.exitCode !== null) return running.child.exitCode;
  const exited = once(running.child, 'exit');
  running.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

(builtCliPresent ? describe : describe.skip)('trailwatch ui, the command', () => {
  let dir: string;
  let db: string;
  let env: NodeJS.ProcessEnv;
  let opened: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-ui-cli-'));
    db = join(dir, 'db');
    // a browser opener that leaves a trace: it must not run when stdout is not a terminal
    opened = join(dir, 'opened');
    for (const name of ['xdg-open', 'open']) {
      writeFileSync(join(dir, name), `#!/bin/sh\necho "$@" > '${opened}'\n`);
      chmodSync(join(dir, name), 0o755);
    }
    env = { ...credentiallessEnv(), PATH: `${dir}${delimiter}${process.env.PATH ?? ''}`, CI: undefined };
    expect((await cli(['ingest', DETONATION, '--db', db], { env })).code).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the address with a token of 32 random bytes, serves the API with it, and stops on SIGINT with 0', async () => {
    const running = await startUi(['--db', db], env);
    try {
      expect(running.stdout()).toMatch(
        /^trailwatch ui: http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}\n$/,
      );
      expect(Buffer.from(running.token, 'base64url')).toHaveLength(32);
      expect((await uiRequest(running.base, '/api/meta')).status).toBe(401);
      const meta = await uiRequest(running.base, '/api/meta', { token: running.token });
      expect(meta.json()).toEqual({
        store: `local store ${db}`,
        readOnly: false,
        version: expect.any(String),
      });
      const instance = await uiRequest(running.base, `/api/instance/${INSTANCE}`, { token: running.token });
      expect(instance.json<{ events: { eventID: string }[] }>().events.map((e) => e.eventID)).toEqual([PUSH]);
      const page = await uiRequest(running.base, `/?token=${running.token}`);
      // built or not, the document is answered (the page engineer's build writes dist/ui)
      expect([200, 503]).toContain(page.status);
      if (page.status === 503) expect(page.text).toContain('the page is not built: run npm run build');
    } finally {
      expect(await stop(running, 'SIGINT')).toBe(0);
    }
    expect(running.stderr()).not.toMatch(/\n\s+at /); // no stack trace
    await new Promise((r) => setTimeout(r, 300));
    expect(existsSync(opened)).toBe(false); // stdout was a pipe: no browser
  });

  const scriptPresent = spawnSync('script', ['--version']).status === 0;
  (scriptPresent ? it : it.skip)(
    'opens the browser when stdout is a terminal (util-linux script gives it one)',
    async () => {
      const marker = join(dir, 'opened-tty');
      // written aside, then renamed: the file appears whole (the shell creates it before echo writes)
      writeFileSync(
        join(dir, 'xdg-open'),
        `#!/bin/sh\necho "$@" > '${marker}.part' && mv '${marker}.part' '${marker}'\n`,
      );
      const child = spawn(
        'script',
        ['-qec', `'${process.execPath}' '${BUILT_CLI}' ui --db '${db}'`, '/dev/null'],
        {
          env,
          detached: true,
          stdio: 'ignore',
        },
      );
      try {
        for (let i = 0; i < 200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 50));
        expect(readFileSync(marker, 'utf8')).toMatch(
          /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}\n$/,
        );
      } finally {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
        writeFileSync(join(dir, 'xdg-open'), `#!/bin/sh\necho "$@" > '${opened}'\n`);
      }
    },
  );

  it('stops on SIGTERM with 0, and reviews by --reviewer', async () => {
    const running = await startUi(['--db', db, '--no-open', '--reviewer', 'carol'], env);
    try {
      const marked = await uiPost(running.base, '/api/review', running.token, {
        rule: RULE,
        eventID: PUSH,
        note: 'seen',
        reviewed: true,
      });
      expect(marked.json<{ review: { by: string } }>().review.by).toBe('carol');
    } finally {
      expect(await stop(running, 'SIGTERM')).toBe(0);
    }
    const lines = (await cli(['findings', '--json', '--db', db], { env })).json<{
      eventID: string;
      rule: string;
      review: { note: string; by: string } | null;
    }>();
    expect(lines.find((l) => l.eventID === PUSH && l.rule === RULE)?.review).toEqual(
      expect.objectContaining({ note: 'seen', by: 'carol' }),
    );
  });

  it('refuses a port in use (exit 1, naming it) and a bad port (exit 2)', async () => {
    const running = await startUi(['--db', db, '--no-open'], env);
    try {
      const port = new URL(running.base).port;
      const taken = await cli(['ui', '--db', db, '--no-open', '--port', port], { env });
      expect(taken.code).toBe(1);
      expect(taken.err).toContain(`cannot listen on 127.0.0.1:${port}`);
    } finally {
      await stop(running);
    }
    const bad = await cli(['ui', '--db', db, '--no-open', '--port', 'eighty'], { env });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--port');
  });

  describe('on a table (--table): read-only', () => {
    let dynamo: LocalDynamo;

    beforeAll(async () => {
      dynamo = await startDynalite();
      const ingest = await cli(
        ['ingest', DETONATION, '--table', 'trailwatch-ui', '--endpoint', dynamo.endpoint, '--create-table'],
        { env },
      );
      expect(ingest.code).toBe(0);
    });

    afterAll(() => dynamo.close());

    it('says so in /api/meta and refuses reviews with 403, while reading as on the local store', async () => {
      const running = await startUi(
        ['--table', 'trailwatch-ui', '--endpoint', dynamo.endpoint, '--no-open'],
        env,
      );
      try {
        const meta = await uiRequest(running.base, '/api/meta', { token: running.token });
        expect(meta.json()).toEqual({
          store: `table trailwatch-ui at ${dynamo.endpoint}`,
          readOnly: true,
          version: expect.any(String),
        });
        const refused = await uiPost(running.base, '/api/review', running.token, {
          rule: RULE,
          eventID: PUSH,
          note: 'x',
          reviewed: true,
        });
        expect(refused.status).toBe(403);
        expect(refused.json()).toEqual({ error: 'read-only: --table' });
        const findings = await uiRequest(running.base, `/api/findings?instance=${INSTANCE}`, {
          token: running.token,
        });
        const local = (await cli(['findings', '--instance', INSTANCE, '--json', '--db', db], { env })).json<{
          rule: string;
          eventID: string;
        }>();
        expect(
          findings.json<{ findings: { rule: string; eventID: string; review: unknown }[] }>().findings,
        ).toEqual(local.map((l) => ({ ...l, review: null })));
        expect(running.stderr()).toContain('read-only');
      } finally {
        expect(await stop(running)).toBe(0);
      }
    });
  });
});
