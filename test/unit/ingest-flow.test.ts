/**
 * Flat memory end to end (issue 14): when the store falls behind, the reader waits for it, so the
 * work in flight between them is bounded by the files processed at once times each file's pending
 * writes, whatever the number of files and their size; each file's stats are summed as it ends,
 * not kept.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { discoverFiles, ingestFiles } from '../../bin/cli/ingest';
import type { FileStats } from '../../lambda/core/file-stats';
import type { TableItem } from '../../lambda/core/items';
import { type IndexStore, processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { ec2Call, logFile } from '../helpers/records';

/**
 * A store that keeps nothing and answers nothing until it is released (a store far behind the
 * reader); then it answers everything, at once from then on. Counts the items handed to it and not
 * yet answered, and the files they came from.
 */
class HeldStore implements IndexStore {
  held = 0;
  readonly sources = new Set<string>();
  private released = false;
  private readonly waiting: (() => void)[] = [];

  /** `later`: once released, answer on a later turn of the event loop (as a store across a wire). */
  constructor(private readonly later = false) {}

  private answer<T>(items: readonly TableItem[], value: T): Promise<T> {
    if (this.released && this.later) return new Promise<T>((ok) => setImmediate(() => ok(value)));
    if (this.released) return Promise.resolve(value);
    this.held += items.length;
    for (const item of items) if (typeof item.source === 'string') this.sources.add(item.source);
    return new Promise<T>((ok) => this.waiting.push(() => ok(value)));
  }

  release(): void {
    this.released = true;
    for (const go of this.waiting.splice(0)) go();
  }

  write(items: readonly TableItem[]): Promise<void> {
    return this.answer(items, undefined);
  }
  putItem(item: TableItem): Promise<void> {
    return this.answer([item], undefined);
  }
  putItemIfAbsent(item: TableItem): Promise<boolean> {
    return this.answer([item], true);
  }
  createItem(item: TableItem): Promise<{ readonly created: true }> {
    return this.answer([item], { created: true } as const);
  }
  addToStringSet(): Promise<void> {
    return this.answer([], undefined);
  }
  addToStringSets(): Promise<void> {
    return this.answer([], undefined);
  }
  readPartition(): Promise<Record<string, unknown>[]> {
    return this.answer([], []);
  }
}

/**
 * Lets the event loop turn until nothing more happens: the store has held the same items for 300 ms
 * (gunzip runs on the thread pool meanwhile, and an ingest reads on its reader threads, which take a
 * moment to start).
 */
async function settle(store: HeldStore): Promise<void> {
  let last = -1;
  let still = 0;
  for (const until = Date.now() + 30_000; Date.now() < until && still < 15; ) {
    await new Promise((ok) => setTimeout(ok, 20));
    still = store.held > 0 && store.held === last ? still + 1 : 0;
    last = store.held;
  }
}

/** `records` EC2 calls, every one indexed (an event item, index items). */
function calls(records: number, offset = 0): unknown[] {
  return Array.from({ length: records }, (_, i) =>
    ec2Call('StopInstances', {
      requestParameters: {
        instancesSet: { items: [{ instanceId: `i-${(offset + i).toString(16).padStart(17, '0')}` }] },
      },
    }),
  );
}

describe('the reader and a store that falls behind', () => {
  it('stops reading a file while its writes are pending, however long the file', async () => {
    const text = logFile(calls(20_000), false); // about 13 MB of records
    let pulled = 0;
    async function* input(): AsyncGenerator<Buffer> {
      for (let i = 0; i < text.length; i += 64 * 1024) {
        const chunk = text.subarray(i, i + 64 * 1024);
        pulled += chunk.length;
        yield chunk;
      }
    }
    const store = new HeldStore();
    const done = processLogFile(input(), { source: 'file:///big.json', settings: DEFAULT_SETTINGS }, store);
    await settle(store);
    // the event items of the writes in flight (16), no index item yet: nothing is read ahead
    expect(store.held).toBeLessThanOrEqual(16);
    expect(pulled).toBeLessThanOrEqual(2 * 64 * 1024);
    store.release();
    const stats = await done;
    expect(stats).toMatchObject({ status: 'indexed', indexed: 20_000 });
    expect(pulled).toBe(text.length);
  });
});

describe('ingest: work in flight between the reader and the store', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-flow-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** `files` delivery files of `records` indexed EC2 calls each. */
  function deliveries(name: string, files: number, records: number): string {
    const at = join(dir, name);
    mkdirSync(at);
    for (let f = 0; f < files; f++)
      writeFileSync(join(at, `f${f}.json.gz`), logFile(calls(records, f * records)));
    return at;
  }

  /** Ingests `path` into a store held back: the items it holds, from how many files; then lets it run. */
  async function held(
    path: string,
    concurrency: number,
  ): Promise<{ items: number; files: number; each: FileStats[] }> {
    const store = new HeldStore();
    const { files } = await discoverFiles([path]);
    const each: FileStats[] = [];
    const run = ingestFiles(files, {
      settings: DEFAULT_SETTINGS,
      concurrency,
      store,
      onFile: (_f, stats) => each.push(stats),
    });
    await settle(store);
    const seen = { items: store.held, files: store.sources.size };
    store.release();
    const totals = await run;
    // summed as the files end, not kept: the same counts as the files' own stats
    expect(totals).toMatchObject({
      files: files.length,
      filesFailed: 0,
      indexed: each.reduce((n, s) => n + s.indexed, 0),
      items: each.reduce((n, s) => n + s.items, 0),
    });
    return { ...seen, each };
  }

  it('is the same for a few small files and for many large ones', async () => {
    const few = await held(deliveries('few', 2, 500), 2);
    const many = await held(deliveries('many', 8, 3000), 2);
    expect(many.each.reduce((n, s) => n + s.indexed, 0)).toBe(8 * 3000);
    expect(few.items).toBeGreaterThan(0);
    expect(many.items).toBe(few.items);
    expect(many.files).toBe(2);
  });

  it('acts on a file read ahead only in its turn, and reports files in their order, failed ones included', async () => {
    const at = join(dir, 'order');
    mkdirSync(at);
    writeFileSync(join(at, 'a.json.gz'), logFile(calls(2000)));
    writeFileSync(join(at, 'b.json.gz'), logFile(calls(2000, 5000)));
    writeFileSync(join(at, 'c.json.gz'), logFile(calls(10, 6000)));
    writeFileSync(join(at, 'd.json.gz'), 'not a log file');
    // answers come on later turns of the event loop: c.json.gz fails while b.json.gz is being written
    const store = new HeldStore(true);
    const { files } = await discoverFiles([at]);
    // gone before it is opened: it fails before any of its records is read
    rmSync(join(at, 'c.json.gz'));
    const order: string[] = [];
    const run = ingestFiles(files, {
      settings: DEFAULT_SETTINGS,
      concurrency: 1,
      store,
      onFile: (file, stats) => order.push(`${basename(file.path)} ${stats.status}`),
    });
    await settle(store);
    // b.json.gz was read ahead while a.json.gz's writes were held, and nothing of it written yet
    expect(store.sources.size).toBe(1);
    expect(order).toEqual([]);
    store.release();
    const totals = await run;
    expect(order).toEqual(['a.json.gz indexed', 'b.json.gz indexed', 'c.json.gz failed', 'd.json.gz failed']);
    expect(totals).toMatchObject({ files: 4, filesFailed: 2, indexed: 4000 });
  });

  it('grows with the files processed at once, and only with them', async () => {
    const path = deliveries('wide', 8, 1000);
    const one = await held(path, 1);
    const four = await held(path, 4);
    expect(one.files).toBe(1);
    expect(four.files).toBe(4);
    expect(four.items).toBe(4 * one.items);
  });
});
