import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCliPresent, spawnCli, startCli, until } from '../helpers/cli';
import { credentiallessEnv } from '../helpers/env';
import { ec2Call, logFile } from '../helpers/records';
import { type LocalS3, startS3rver } from '../helpers/s3rver';
import { committedMarkers } from '../helpers/store-file';

/**
 * Ctrl-C during `trailwatch backfill` (issue 15), through the built binary, on s3rver and the local
 * store: no file is started after it, the partial summary says what was done, exit 130; run again,
 * the files done are skipped and the rest processed.
 */

const BUCKET = 'interrupted-bucket';
const FILES = 60;
// enough for the backfill to last past its first commits (grouped every second): SIGINT must come
// once a few files are marked done, and before the last
const RECORDS = 1000;
const DAY = 'AWSLogs/111122223333/CloudTrail/us-east-1/2025/03/01/';

/** File markers of the bucket committed so far. */
const markersIn = (db: string): number => committedMarkers(db, `FILES#${BUCKET}/`);

(builtCliPresent ? describe : describe.skip)('Ctrl-C during backfill, through the built binary', () => {
  let s3: LocalS3;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-backfill-interrupt-'));
    s3 = await startS3rver([BUCKET]);
    // s3rver lists the folders of a delimited listing only where an object marks them
    const parts = DAY.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++)
      await s3.put(BUCKET, `${parts.slice(0, i).join('/')}/`, Buffer.alloc(0));
    for (let f = 0; f < FILES; f++) {
      const records = Array.from({ length: RECORDS }, (_, i) =>
        ec2Call('StopInstances', {
          eventID: `00000000-0000-4000-a000-${(f * 1000 + i).toString(16).padStart(12, '0')}`,
          requestParameters: {
            instancesSet: { items: [{ instanceId: `i-${(f * 1000 + i).toString(16).padStart(17, '0')}` }] },
          },
        }),
      );
      const stamp = `20250301T${String(Math.floor(f / 12)).padStart(2, '0')}${String((f % 12) * 5).padStart(2, '0')}Z`;
      await s3.put(BUCKET, `${DAY}111122223333_CloudTrail_us-east-1_${stamp}_${f}.json.gz`, logFile(records));
    }
    env = {
      ...credentiallessEnv(),
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
  }, 120_000);
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops at SIGINT with a partial summary and exit 130; run again, skips what is done and does the rest', async () => {
    const db = join(dir, 'db');
    const args = ['backfill', `s3://${BUCKET}/`, '--db', db, '--concurrency', '2', '--json'];
    const run = startCli(args, { env });
    await until('3 files marked done', () => markersIn(db) >= 3);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect(run.err()).toMatch(/^trailwatch: Ctrl-C: stopping: no new file is started/m);
    expect(run.err()).not.toMatch(/\n\s+at /);
    const first = JSON.parse(run.out().trim());
    expect(first).toMatchObject({ interrupted: true, filesFailed: 0, alreadyDone: 0 });
    expect(first.files).toBeGreaterThanOrEqual(3);
    expect(first.files).toBeLessThan(FILES);
    expect(first.listed).toBe(first.files + first.filesInterrupted + first.filesLeft);
    expect(markersIn(db)).toBe(first.files);

    const again = await spawnCli(args, { env });
    expect(again.code).toBe(0);
    expect(again.json()[0]).toMatchObject({
      interrupted: false,
      listed: FILES,
      alreadyDone: first.files,
      files: FILES - first.files,
      filesFailed: 0,
    });
    const all = await spawnCli(['query', 'instance', 'i-00000000000000000', '--db', db, '--json'], { env });
    expect(all.json()).toHaveLength(1);
    expect(markersIn(db)).toBe(FILES);
  }, 120_000);

  it('the text summary of an interrupted run says what was done and how to go on', async () => {
    const db = join(dir, 'text');
    const run = startCli(['backfill', `s3://${BUCKET}/`, '--db', db], { env });
    await until('a file marked done', () => markersIn(db) >= 1);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    const out = run.out();
    expect(out).toMatch(new RegExp(`^Interrupted: backfilled s3://${BUCKET}/ into the local store `));
    expect(out).toMatch(
      /\n {2}interrupted: \d+ file\(s\) stopped part-way \(not marked done: read again next time\), \d+ not started\n/,
    );
    expect(out).toMatch(/\n {2}Run the same command again to go on: done files are skipped\.\n$/);
  }, 120_000);
});
