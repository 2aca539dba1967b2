/**
 * `trailwatch ingest` resumes (issue 15): a marker per local file done (its path, size and
 * modification time), files done skipped unless `--reprocess`; a file being read when Ctrl-C comes
 * is abandoned without its marker and read again by the next run, which then completes the store.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  discoverFiles,
  discoveryWarnings,
  fileSource,
  type IngestOptions,
  ingestFiles,
} from '../../bin/cli/ingest';
import { Interrupt } from '../../bin/cli/interrupt';
import {
  doneLocalFiles,
  isLocalDone,
  localFileMarkerItem,
  localFolderPartition,
} from '../../lambda/core/file-markers';
import type { TableItem } from '../../lambda/core/items';
import { emptyStats } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { ec2Call, logFile } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/** `records` indexed EC2 calls, on instances of their own (offset by `from`). */
function calls(records: number, from: number): unknown[] {
  return Array.from({ length: records }, (_, i) =>
    ec2Call('StopInstances', {
      eventID: `00000000-0000-4000-9000-${(from + i).toString(16).padStart(12, '0')}`,
      requestParameters: {
        instancesSet: { items: [{ instanceId: `i-${(from + i).toString(16).padStart(17, '0')}` }] },
      },
    }),
  );
}

/** The items of a store without what differs by write time (TTL, marker time). */
function contents(store: MemoryStore): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, item] of store.items) {
    const { expiresAt: _e, processedAt: _p, ...rest } = item as Record<string, unknown>;
    out.set(key, rest);
  }
  return out;
}

const markers = (store: MemoryStore): TableItem[] =>
  [...store.items.values()].filter((i) => i.pk.startsWith('FILES#file://'));

describe('ingest: local file markers', () => {
  const url = 'file:///var/logs/trail/111122223333_CloudTrail_us-east-1_20250301T1000Z_a.json.gz';
  const stats = { ...emptyStats(url), records: 10, indexed: 3 };

  it('one partition per directory, the file name as sort key, with its size and time', () => {
    const item = localFileMarkerItem(
      { url, size: 99, mtimeMs: 1_700_000_000_123.75 },
      stats,
      DEFAULT_SETTINGS,
      0,
    );
    expect(item).toMatchObject({
      pk: 'FILES#file:///var/logs/trail/',
      sk: '111122223333_CloudTrail_us-east-1_20250301T1000Z_a.json.gz',
      kind: 'file',
      size: 99,
      mtimeMs: 1_700_000_000_123,
      records: 10,
      indexed: 3,
    });
    expect(localFolderPartition(url)).toBe(item.pk);
  });

  it('a file is done only with the same name, size and time; a bucket marker never counts', () => {
    const marked = [
      localFileMarkerItem({ url, size: 99, mtimeMs: 5000.4 }, stats, DEFAULT_SETTINGS, 0),
      // an S3 marker (no time) under the same name: not a local file's
      { pk: 'FILES#b/', sk: 'other.json.gz', kind: 'file', size: 1 },
    ];
    const done = doneLocalFiles(marked, DEFAULT_SETTINGS);
    expect(isLocalDone(done, { url, size: 99, mtimeMs: 5000.9 })).toBe(true);
    expect(isLocalDone(done, { url, size: 100, mtimeMs: 5000 })).toBe(false);
    expect(isLocalDone(done, { url, size: 99, mtimeMs: 6000 })).toBe(false);
    expect(isLocalDone(done, { url: 'file:///var/logs/trail/other.json.gz', size: 1, mtimeMs: 0 })).toBe(
      false,
    );
    // indexed without read-only calls: not done for a run that wants them
    expect(doneLocalFiles(marked, { ...DEFAULT_SETTINGS, includeReadOnly: true }).size).toBe(0);
  });
});

describe('ingest: resume and Ctrl-C', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-resume-'));
    mkdirSync(join(dir, 'logs'));
    for (let f = 0; f < 4; f++)
      writeFileSync(join(dir, 'logs', `f${f}.json.gz`), logFile(calls(300, f * 1000)));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const options = (store: MemoryStore, more: Partial<IngestOptions> = {}): IngestOptions => ({
    settings: DEFAULT_SETTINGS,
    concurrency: 1,
    store,
    markFiles: true,
    ...more,
  });

  it('marks each file done; a second run skips them all, --reprocess reads them again', async () => {
    const { files } = await discoverFiles([join(dir, 'logs')]);
    const store = new MemoryStore();
    expect(await ingestFiles(files, options(store))).toMatchObject({
      files: 4,
      indexed: 1200,
      alreadyDone: 0,
    });
    expect(markers(store).map((m) => m.sk)).toEqual(['f0.json.gz', 'f1.json.gz', 'f2.json.gz', 'f3.json.gz']);
    const again = await ingestFiles(files, options(store));
    expect(again).toMatchObject({ files: 0, records: 0, alreadyDone: 4 });
    const reread = await ingestFiles(files, options(store, { reprocess: true }));
    expect(reread).toMatchObject({ files: 4, records: 1200, alreadyDone: 0 });
  });

  it('reads again a file rewritten since (its time or size changed), and only that one', async () => {
    const { files } = await discoverFiles([join(dir, 'logs')]);
    const store = new MemoryStore();
    await ingestFiles(files, options(store));
    utimesSync(join(dir, 'logs', 'f2.json.gz'), new Date(), new Date(Date.now() + 5000));
    const touched = await discoverFiles([join(dir, 'logs')]);
    const seen: string[] = [];
    const run = await ingestFiles(
      touched.files,
      options(store, { onFile: (file) => seen.push(file.display) }),
    );
    expect(run).toMatchObject({ files: 1, alreadyDone: 3 });
    expect(seen).toEqual([join(dir, 'logs', 'f2.json.gz')]);
  });

  it('Ctrl-C: the file being read is abandoned unmarked, no other starts; the next run completes the store', async () => {
    const { files } = await discoverFiles([join(dir, 'logs')]);
    // the whole run without interrupt, for comparison
    const whole = new MemoryStore();
    await ingestFiles(files, options(whole));

    // the signal comes while the second file is being written
    const store = new MemoryStore();
    const interrupt = new Interrupt();
    const write = store.write.bind(store);
    store.write = async (items) => {
      if (items.some((i) => i.source === fileSource(files[1]?.path ?? ''))) interrupt.trigger('SIGINT');
      return write(items);
    };
    const first = await ingestFiles(files, options(store, { interrupt }));
    expect(first).toMatchObject({ files: 1, filesFailed: 0, interrupted: 1, left: 2, alreadyDone: 0 });
    expect(first.indexed).toBeGreaterThan(300); // the first file, and what the second one wrote
    expect(markers(store).map((m) => m.sk)).toEqual(['f0.json.gz']);

    store.write = write;
    const second = await ingestFiles(files, options(store));
    expect(second).toMatchObject({ files: 3, filesFailed: 0, alreadyDone: 1, interrupted: 0, left: 0 });
    expect(contents(store)).toEqual(contents(whole));
  });

  it('an empty directory, and files passed over, are named in warnings', async () => {
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'mixed'));
    writeFileSync(join(dir, 'mixed', 'a.ndjson'), '{}\n');
    writeFileSync(join(dir, 'mixed', 'b.ndjson'), '{}\n');
    const discovery = await discoverFiles([join(dir, 'empty'), join(dir, 'mixed'), join(dir, 'logs')]);
    expect(discovery.files).toHaveLength(4);
    expect(discoveryWarnings(discovery)).toEqual([
      `trailwatch: warning: ${join(dir, 'empty')}: no log files (.json, .json.gz) in this directory`,
      `trailwatch: warning: ${join(dir, 'mixed')}: no log files (.json, .json.gz) in this directory`,
      `trailwatch: warning: ${join(dir, 'mixed')}: ignored: 2 file(s) not named .json or .json.gz, e.g. ${join(dir, 'mixed', 'a.ndjson')}; name a file to ingest it`,
    ]);
    // named, a file is taken whatever its name
    expect((await discoverFiles([join(dir, 'mixed', 'a.ndjson')])).files).toHaveLength(1);
  });

  it('follows symbolic links below a directory: each log file read once, no loop, a broken log link named', async () => {
    const tree = join(dir, 'linked');
    mkdirSync(join(tree, 'by-day'), { recursive: true });
    // links to each log file, a link to the logs' directory, one to the tree itself (a loop), and
    // broken ones: one named as a log file, one not
    for (let f = 0; f < 4; f++)
      symlinkSync(join(dir, 'logs', `f${f}.json.gz`), join(tree, 'by-day', `f${f}.json.gz`));
    symlinkSync(join(dir, 'logs'), join(tree, 'all'));
    symlinkSync(tree, join(tree, 'by-day', 'up'));
    symlinkSync(join(dir, 'gone.json.gz'), join(tree, 'missing.json.gz'));
    symlinkSync(join(dir, 'gone.txt'), join(tree, 'notes.txt'));
    const discovery = await discoverFiles([tree]);
    expect(discovery.files.map((f) => f.display)).toEqual(
      [0, 1, 2, 3].map((f) => join(tree, 'all', `f${f}.json.gz`)),
    );
    expect(discovery.errors.map((e) => e.describe())).toEqual([
      expect.stringMatching(new RegExp(`^${join(tree, 'missing.json.gz')}: no such file or directory`)),
    ]);
    expect(discoveryWarnings(discovery)).toEqual([
      `trailwatch: warning: ${tree}: ignored: 1 file(s) not named .json or .json.gz, e.g. ${join(tree, 'notes.txt')}; name a file to ingest it`,
    ]);
    // a directory named twice, or once directly and once through a link, is read once, without warnings
    const twice = await discoverFiles([join(dir, 'logs'), join(tree, 'all'), join(dir, 'logs')]);
    expect(twice.files).toHaveLength(4);
    expect(discoveryWarnings(twice)).toEqual([]);
    // and a file named twice, or also found in a directory named, once
    const file = join(dir, 'logs', 'f0.json.gz');
    expect((await discoverFiles([file, join(dir, 'logs'), file])).files).toHaveLength(4);
  });
});
