import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverFiles, ingestFiles } from '../../bin/cli/ingest';
import { type OpenedLocalStore, openLocalStore } from '../../bin/cli/local-store/open';
import type { TableItem } from '../../lambda/core/items';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { sortableTime } from '../../lambda/core/time';
import { writeDeliveryFile } from '../bench/generate';
import { seededRandom } from '../helpers/random';
import { dumpStore } from '../helpers/store-file';

/**
 * The read cache of a bulk run (bin/cli/local-store/read-cache.ts): a store that keeps its ranged
 * partition reads in memory answers every read exactly as one that reads the file each time, whatever
 * was written, changed in place, written conditionally or failed in between, whatever expired, and
 * whatever another process wrote to the same file; and an ingest through it stores the same items
 * and finds the same findings.
 */

const T0 = Date.UTC(2025, 2, 1);
const NOW_MS = Date.now();
const PARTITIONS = ['KEY#SHA256:aaa', 'KEY#SHA256:bbb', 'HISTORY#rule#x'];
/** Event IDs whose text sorts differently by UTF-16 unit and by code point (SQLite's order). */
const ODD_IDS = ['\uffffz', '\u{1f600}a', 'e\u00e9', 'plain'];

type Op = (r: () => number) => Promise<unknown>;

/** Sort key of the n-th event: its time, then its ID. */
function skOf(n: number, id: string): string {
  return `${sortableTime(T0 + n * 1000)}#${id}`;
}

function item(
  pk: string,
  n: number,
  id: string,
  r: () => number,
  extra: Record<string, unknown> = {},
): TableItem {
  const expired = r() < 0.1;
  return {
    pk,
    sk: skOf(n, id),
    kind: pk.split('#')[0]?.toLowerCase(),
    eventID: id,
    eventTime: new Date(T0 + n * 1000).toISOString(),
    version: Math.floor(r() * 1000),
    // some items are past their TTL: reads skip them
    expiresAt: Math.floor(NOW_MS / 1000) + (expired ? -60 : 86_400),
    ...extra,
  } as TableItem;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const json = (items: readonly Record<string, unknown>[]): string =>
  JSON.stringify(items, (_k, v: unknown) => (v instanceof Set ? [...v].sort() : v));

describe.each([
  ['in the process', false],
  ["on the store's thread", true],
])('the local store read cache of a bulk run, %s', (_where, thread) => {
  let root: string;
  let cached: OpenedLocalStore;
  let plain: OpenedLocalStore;
  let other: OpenedLocalStore | undefined;
  let cachedDir: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trailwatch-read-cache-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(async () => {
    cachedDir = join(root, `cached-${Math.random()}`);
    cached = await openLocalStore(cachedDir, { cacheReads: true, groupCommits: true, thread });
    plain = await openLocalStore(join(root, `plain-${Math.random()}`), { groupCommits: true });
  });
  afterEach(async () => {
    await cached.close();
    await plain.close();
    await other?.close();
    other = undefined;
  });

  /** Does the same to both stores; the outcomes (or errors) must be the same. */
  async function both<T>(f: (store: OpenedLocalStore['store']) => Promise<T>): Promise<T> {
    const [a, b] = await Promise.allSettled([f(cached.store), f(plain.store)]);
    if (a.status !== b.status) throw new Error(`cached ${a.status}, plain ${b.status}`);
    if (a.status === 'rejected' && b.status === 'rejected') {
      expect((a.reason as Error).message).toBe((b.reason as Error).message);
      throw a.reason;
    }
    const [va, vb] = [(a as PromiseFulfilledResult<T>).value, (b as PromiseFulfilledResult<T>).value];
    expect(JSON.stringify(va)).toEqual(JSON.stringify(vb));
    return va;
  }

  /** A ranged read of both, the answers compared; the items the cache gives back are frozen. */
  async function readBoth(pk: string, fromN: number, toN: number, limit: number): Promise<number> {
    const options = { consistent: true, limit, sinceMs: T0 + fromN * 1000, untilMs: T0 + toN * 1000 };
    const [a, b] = await Promise.all([
      cached.store.readPartition(pk, options),
      plain.store.readPartition(pk, options),
    ]);
    expect(json(a)).toBe(json(b));
    for (const i of a) expect(Object.isFrozen(i)).toBe(true);
    return a.length;
  }

  const ops: Op[] = [
    // whole writes (replacing), several at once
    (r) => {
      const n = Math.floor(r() * 200);
      const pk = pick(r, PARTITIONS);
      const items = [item(pk, n, pick(r, ODD_IDS), r), item(pick(r, PARTITIONS), n + 1, `e${n}`, r)];
      return both((s) => s.write(items));
    },
    // a once-write
    (r) => {
      const it = item(pick(r, PARTITIONS), Math.floor(r() * 200), pick(r, ODD_IDS), r);
      return both((s) => s.putItemIfAbsent(it));
    },
    (r) => {
      const it = item(pick(r, PARTITIONS), Math.floor(r() * 200), pick(r, ODD_IDS), r);
      return both(async (s) => (await s.createItem(it)).created);
    },
    // a change in place: a finding added to items that may or may not exist
    (r) => {
      const n = Math.floor(r() * 200);
      const additions = [pick(r, PARTITIONS), pick(r, PARTITIONS)].map((pk) => ({
        pk,
        sk: skOf(n, pick(r, ODD_IDS)),
        attribute: 'findings',
        values: [pick(r, ['rule-a', 'rule-b', 'rule-c'])],
      }));
      return both((s) => s.addToStringSets(additions));
    },
    // a failed write: a string-set addition to an attribute that is not a set (nothing is written)
    (r) => {
      const n = Math.floor(r() * 200);
      const pk = pick(r, PARTITIONS);
      return both((s) =>
        s.addToStringSets([{ pk, sk: skOf(n, 'plain'), attribute: 'eventID', values: ['x'] }]),
      ).catch(() => undefined);
    },
    // ranged reads, often the same window again (as the rules' are), at limits small and large
    (r) => {
      const from = Math.floor(r() * 150);
      const width = pick(r, [20, 60, 200]);
      return readBoth(pick(r, PARTITIONS), from, from + width, pick(r, [3, 10, 1000]));
    },
    (r) =>
      readBoth(pick(r, PARTITIONS), 40 + Math.floor(r() * 3), 160 + Math.floor(r() * 3), pick(r, [5, 1000])),
  ];

  it('answers every read of 1,500 random operations, between writes, changes in place and failed writes, as the file does', async () => {
    const r = seededRandom(20261130);
    let nonEmpty = 0;
    for (let i = 0; i < 1500; i++) {
      const result = await (pick(r, ops) as Op)(r);
      if (typeof result === 'number' && result > 0) nonEmpty++;
    }
    // the reads found something to compare most of the time
    expect(nonEmpty).toBeGreaterThan(300);
  });

  it('sees what another process wrote to the file since it read', async () => {
    const r = seededRandom(7);
    const pk = PARTITIONS[0] as string;
    const first = [10, 20, 30].map((n) => item(pk, n, `e${n}`, () => 0.5));
    await cached.store.write(first);
    const options = { consistent: true, limit: 100, sinceMs: T0, untilMs: T0 + 100_000 };
    expect(await cached.store.readPartition(pk, options)).toHaveLength(3);
    // read twice: the second read is the one the cache keeps
    expect(await cached.store.readPartition(pk, options)).toHaveLength(3);
    // the cached store's writes so far reach the file; then another process (connection) writes
    await cached.close();
    cached = await openLocalStore(cachedDir, { cacheReads: true, groupCommits: true, thread });
    await cached.store.readPartition(pk, options);
    await cached.store.readPartition(pk, options);
    other = await openLocalStore(cachedDir);
    await other.store.write([item(pk, 40, 'e40', r, { expiresAt: undefined })]);
    await other.store.addToStringSets([
      { pk, sk: skOf(10, 'e10'), attribute: 'findings', values: ['rule-z'] },
    ]);
    const after = await cached.store.readPartition(pk, options);
    expect(after.map((i) => i.eventID)).toEqual(['e40', 'e30', 'e20', 'e10']);
    expect([...((after[3] as { findings: Set<string> }).findings ?? [])]).toEqual(['rule-z']);
  });
});

describe('an ingest through the read cache', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trailwatch-read-cache-ingest-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stores the same items and finds the same findings as without it, on files whose SSH keys repeat', async () => {
    // files of the same hours, pushing the same few keys: each file's rules read the keys' windows again
    const logs = join(root, 'logs');
    mkdirSync(logs);
    for (let i = 0; i < 8; i++) await writeDeliveryFile(join(logs, `f${i}.json.gz`), 1 << 20, 500 + i);
    const { files } = await discoverFiles([logs]);
    const run = async (cacheReads: boolean) => {
      const dir = join(root, cacheReads ? 'cached' : 'plain');
      const opened = await openLocalStore(dir, { cacheReads, groupCommits: true });
      try {
        const totals = await ingestFiles(files, {
          settings: DEFAULT_SETTINGS,
          concurrency: 1,
          store: opened.store,
          markFiles: true,
        });
        return { totals, dir };
      } finally {
        await opened.close();
      }
    };
    const cached = await run(true);
    const plain = await run(false);
    expect(cached.totals.sshKeyPushes).toBeGreaterThan(30);
    expect(cached.totals.findings).toBeGreaterThan(0);
    expect(cached.totals).toEqual(plain.totals);
    expect(dumpStore(cached.dir)).toEqual(dumpStore(plain.dir));
  }, 60_000);
});
