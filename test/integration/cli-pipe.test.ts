import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_CLI, builtCliPresent, cli } from '../helpers/cli';
import { ec2Call, logFile } from '../helpers/records';

const INSTANCE = 'i-0fedcba9876543210';
/** Enough events that `query instance --json` prints far more than a pipe holds (64 KiB). */
const EVENTS = 800;

interface Ended {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly err: string;
  /** What the reader read before it closed the pipe. */
  readonly read: string;
}

/**
 * Runs the built binary with its stdout piped to a reader that closes the pipe early: at once
 * (`atOnce`), or after the first line as `| head -1` does.
 */
function runIntoClosingReader(args: string[], how: { atOnce: boolean }): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: { ...process.env, TRAILWATCH_DB: undefined },
    });
    let read = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    if (how.atOnce) child.stdout.destroy();
    else
      child.stdout.on('data', (c: Buffer) => {
        read += c.toString('utf8');
        if (read.includes('\n')) child.stdout.destroy();
      });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, err, read }));
  });
}

(builtCliPresent ? describe : describe.skip)('the built binary writing into a pipe closed early', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-pipe-'));
    db = join(dir, 'db');
    const records = Array.from({ length: EVENTS }, (_, i) =>
      ec2Call('StopInstances', {
        eventTime: new Date(Date.UTC(2025, 2, 1, 10, 0, i)).toISOString().replace('.000Z', 'Z'),
        requestParameters: { instancesSet: { items: [{ instanceId: INSTANCE }] } },
      }),
    );
    writeFileSync(join(dir, 'many.json.gz'), logFile(records));
    const ingest = await cli(['ingest', join(dir, 'many.json.gz'), '--db', db, '--json']);
    expect(ingest.json()[0]).toMatchObject({ indexed: EVENTS, filesFailed: 0 });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('query … --json | head -1: ends quietly with exit code 0 once the reader has gone', async () => {
    const r = await runIntoClosingReader(
      ['query', 'instance', INSTANCE, '--json', '--limit', String(EVENTS), '--db', db],
      { atOnce: false },
    );
    expect(JSON.parse(r.read.split('\n')[0] ?? '')).toMatchObject({ instanceIds: [INSTANCE] });
    // the rest (EVENTS lines of several hundred bytes) did not fit in the pipe: writing it hit EPIPE
    expect(r.read.length).toBeLessThan(EVENTS * 300);
    expect(r).toMatchObject({ code: 0, signal: null, err: '' });
  });

  it('a reader that closed before the first line: exit code 0, nothing on stderr', async () => {
    const r = await runIntoClosingReader(['findings', '--db', db], { atOnce: true });
    expect(r).toMatchObject({ code: 0, signal: null, err: '' });
  });
});
