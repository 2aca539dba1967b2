import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { discoverFiles, ingestFiles } from '../../bin/cli/ingest';
import { Batches } from '../../bin/cli/local-store/batch';
import { encodeItems } from '../../bin/cli/local-store/codec';
import { DEFERRED_PREFIXES, KEPT } from '../../bin/cli/local-store/deferred-index';
import { ItemsDb } from '../../bin/cli/local-store/items-db';
import { type OpenedLocalStore, openLocalStore, STORE_FILE } from '../../bin/cli/local-store/open';
import { snapshotItems } from '../../bin/cli/local-store/snapshot';
import type { TableItem } from '../../lambda/core/items';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import type { StringSetAddition } from '../../lambda/core/store-port';
import { sortableTime } from '../../lambda/core/time';
import { writeDeliveryFile } from '../bench/generate';
import { cli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { seededRandom } from '../helpers/random';
import { dumpStore, keyIndexState as indexState, readStoreFile } from '../helpers/store-file';

/**
 * The key index of a new store, built at the end of its first bulk run (bin/cli/local-store/
 * deferred-index.ts): whatever a run writes, replaces, writes once and marks, the store holds at its
 * end the same items as one that wrote its index row by row; an ingest never has to read a partition
 * whose keys wait; a run that stopped before its end leaves a store that reads right and that the
 * next writer completes.
 */

const T0 = Date.UTC(2025, 2, 1);
const NOW_S = Math.floor(Date.now() / 1000);
const DEFERRED = ['INSTANCE#i-0a', 'USER#arn:aws:iam::123456789012:user/alice', 'IP#198.51.100.7'];
const KEPT_PARTITIONS = ['KEY#SHA256:aaa', 'HISTORY#rule#x'];

/** The items of event `n` in `partitions`: one summary, as an event's index items share it. */
function eventItems(n: number, partitions: readonly string[], version: number): TableItem[] {
  const sk = `${sortableTime(T0 + n * 1000)}#e${n}`;
  const summary = {
    eventName: 'RunInstances',
    eventID: `e${n}`,
    principal: { arn: 'arn:aws:iam::123456789012:user/alice' },
    version,
    expiresAt: NOW_S + 86_400,
  };
  return partitions.map((pk) => ({ pk, sk, kind: 'instance', ...summary }) as TableItem);
}

/** The items without the time a finding was made (a finding item's `detectedAt`: the run's clock). */
function withoutDetectionTimes(items: ReturnType<typeof dumpStore>): ReturnType<typeof dumpStore> {
  return new Map(
    [...items].map(([key, { item, sets }]) => {
      const { detectedAt: _at, ...rest } = item;
      return [key, { item: rest, sets }];
    }),
  );
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

describe('the key index of a new store, built at the end of its first bulk run', () => {
  let root: string;
  const opened: OpenedLocalStore[] = [];

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trailwatch-deferred-index-'));
  });
  afterEach(async () => {
    for (const o of opened.splice(0)) await o.close().catch(() => undefined);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function open(
    name: string,
    options: Parameters<typeof openLocalStore>[1],
  ): Promise<OpenedLocalStore> {
    const o = await openLocalStore(join(root, name), options);
    opened.push(o);
    return o;
  }

  /** Closes a store opened by `open` (and forgets it). */
  async function close(o: OpenedLocalStore): Promise<void> {
    opened.splice(opened.indexOf(o), 1);
    await o.close();
  }

  it.each([
    ['in the process', false],
    ["on the store's thread", true],
  ])(
    '%s: holds at its end the same items as a store that wrote its index row by row, after 1,200 random writes, replacements, once-writes and set additions',
    async (_where, thread) => {
      const name = `random-${thread}`;
      const deferred = await open(`${name}-deferred`, { groupCommits: true, thread });
      const rowByRow = await open(`${name}-row-by-row`, { groupCommits: true, thread, deferIndex: false });
      const both = async (f: (s: OpenedLocalStore['store']) => Promise<unknown>): Promise<void> => {
        const [a, b] = await Promise.all([f(deferred.store), f(rowByRow.store)]);
        expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      };
      const r = seededRandom(14);
      const written: number[] = [];
      for (let i = 0; i < 1200; i++) {
        const x = r();
        if (x < 0.35) {
          // an event's items in several partitions of both kinds (a second write of an event replaces them)
          const n = r() < 0.3 && written.length > 0 ? pick(r, written) : Math.floor(r() * 400);
          written.push(n);
          const partitions = [...DEFERRED, ...KEPT_PARTITIONS].filter(() => r() < 0.6);
          const version = Math.floor(r() * 1000);
          await both((s) => s.write(eventItems(n, partitions, version)));
        } else if (x < 0.5) {
          // a once-write of a kept partition
          const [it] = eventItems(Math.floor(r() * 400), [pick(r, KEPT_PARTITIONS)], 7);
          await both(async (s) => (await s.createItem(it as TableItem)).created);
        } else if (x < 0.85) {
          // a finding marked on an event's items, some of which may be missing (they stay missing)
          const n = written.length > 0 && r() < 0.8 ? pick(r, written) : Math.floor(r() * 400);
          const sk = `${sortableTime(T0 + n * 1000)}#e${n}`;
          const values = [`rule-${Math.floor(r() * 5)}`];
          const additions: StringSetAddition[] = [...DEFERRED, ...KEPT_PARTITIONS]
            .filter(() => r() < 0.7)
            .map((pk) => ({ pk, sk, attribute: 'findings', values }));
          await both((s) => s.addToStringSets(additions));
        } else {
          // the rules' reads of kept partitions, answered the same meanwhile
          const pk = pick(r, KEPT_PARTITIONS);
          const from = Math.floor(r() * 400);
          await both((s) =>
            s.readPartition(pk, {
              consistent: true,
              limit: 50,
              sinceMs: T0 + from * 1000,
              untilMs: T0 + (from + 60) * 1000,
            }),
          );
        }
      }
      // committed, the index still deferred
      await new Promise((resolve) => setTimeout(resolve, 2100));
      await both((s) => s.readPartition(KEPT_PARTITIONS[0] as string, { consistent: true, limit: 1 }));
      expect(indexState(join(root, `${name}-deferred`))).toMatchObject({
        deferred: true,
        indexes: ['kept_key'],
      });
      // both ways of marking a deferred partition's item were taken: at once (the item just written),
      // and at the end (the others)
      const marks = readStoreFile(join(root, `${name}-deferred`), (db) => ({
        atOnce: (
          db.prepare(`SELECT count(*) AS n FROM entries WHERE NOT ${KEPT} AND sets IS NOT NULL`).get() as {
            n: number;
          }
        ).n,
        atTheEnd: (db.prepare('SELECT count(*) AS n FROM deferred_additions').get() as { n: number }).n,
      }));
      expect(marks.atOnce).toBeGreaterThan(20);
      expect(marks.atTheEnd).toBeGreaterThan(5);
      expect(indexState(join(root, `${name}-row-by-row`))).toMatchObject({
        deferred: false,
        indexes: ['items_key'],
      });

      await close(deferred);
      await close(rowByRow);
      const a = dumpStore(join(root, `${name}-deferred`));
      const b = dumpStore(join(root, `${name}-row-by-row`));
      expect(a.size).toBeGreaterThan(500);
      expect([...a.values()].filter((i) => i.sets !== null).length).toBeGreaterThan(100);
      expect(a).toEqual(b);
      expect(indexState(join(root, `${name}-deferred`))).toEqual({
        deferred: false,
        indexes: ['items_key'],
        miscounted: 0,
      });
    },
    60_000,
  );

  it('an ingest never reads a partition whose keys wait: the index is still deferred after the last file, and built at the close, the same items and findings as row by row', async () => {
    const logs = join(root, 'logs');
    mkdirSync(logs);
    // files of the same hours pushing the same SSH keys (findings marked on index items), and the
    // real records of attacks (every rule and access path)
    for (let i = 0; i < 4; i++) await writeDeliveryFile(join(logs, `f${i}.json.gz`), 1 << 20, 900 + i);
    const { files } = await discoverFiles([logs, join(FIXTURES, 'cloudtrail')]);
    const run = async (deferIndex: boolean) => {
      const dir = join(root, `ingest-${deferIndex}`);
      const o = await open(`ingest-${deferIndex}`, { groupCommits: true, cacheReads: true, deferIndex });
      const totals = await ingestFiles(files, {
        settings: DEFAULT_SETTINGS,
        concurrency: 1,
        store: o.store,
        markFiles: true,
      });
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const during = indexState(dir);
      await close(o);
      return { totals, dir, during };
    };
    const deferred = await run(true);
    const rowByRow = await run(false);
    expect(deferred.totals.findings).toBeGreaterThan(10);
    expect(deferred.during).toMatchObject({ deferred: true, indexes: ['kept_key'] });
    expect(rowByRow.during).toMatchObject({ deferred: false, indexes: ['items_key'] });
    expect(deferred.totals).toEqual(rowByRow.totals);
    const items = dumpStore(deferred.dir);
    expect([...items.keys()].some((k) => DEFERRED_PREFIXES.some((p) => k.startsWith(p)))).toBe(true);
    expect(
      [...items].some(([k, i]) => k.startsWith('INSTANCE#') && i.sets !== null && 'findings' in i.item),
    ).toBe(true);
    expect(withoutDetectionTimes(items)).toEqual(withoutDetectionTimes(dumpStore(rowByRow.dir)));
    expect(indexState(deferred.dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
  }, 120_000);

  it('the ingest command prints its summary once the new store is complete: its key index built, every write committed', async () => {
    const db = join(root, 'cli-ingest');
    let atSummary: { state: ReturnType<typeof indexState>; markers: number } | undefined;
    const r = await cli(['ingest', join(FIXTURES, 'cloudtrail', 'stratus'), '--json', '--db', db], {
      onOut: () => {
        atSummary ??= {
          state: indexState(db),
          markers: readStoreFile(
            db,
            (sqlite) =>
              (
                sqlite.prepare("SELECT count(*) AS n FROM items WHERE pk LIKE 'FILES#%'").get() as {
                  n: number;
                }
              ).n,
          ),
        };
      },
    });
    expect(r.code).toBe(0);
    const [summary] = r.json();
    expect(summary?.files).toBeGreaterThan(1);
    // another process sees, as the summary is printed, the index built and a marker for every file
    expect(atSummary).toEqual({
      state: { deferred: false, indexes: ['items_key'], miscounted: 0 },
      markers: summary?.files,
    });
  });

  it.each([
    ['says so first for a store of many rows', 3, true],
    ['says nothing for a small one', 1_000_000, false],
  ])('the close of a first bulk run builds the index: %s', (_case, from, says) => {
    const dir = join(root, `announce-${from}`);
    mkdirSync(dir, { recursive: true });
    const said: string[] = [];
    const db = ItemsDb.open(join(dir, STORE_FILE), dir, (line) => said.push(line));
    db.announceIndexFrom = from;
    const batches = new Batches(db, 60_000, true);
    for (const outcome of batches.run([
      { kind: 'write', rows: encodeItems(eventItems(1, [...DEFERRED, ...KEPT_PARTITIONS], 1), dir) },
    ]))
      expect(outcome.ok).toBe(true);
    batches.close();
    db.db.close();
    expect(said).toEqual(
      says ? [`trailwatch: ${dir}: building the index of the new store (about 5 items)…`] : [],
    );
    expect(indexState(dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
  });

  /** A bulk run that wrote and committed, and stopped before its close (killed). */
  function stoppedRun(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const db = ItemsDb.open(join(dir, STORE_FILE), dir, () => undefined);
    const batches = new Batches(db, 60_000, true);
    const run = (ops: Parameters<Batches['run']>[0]) => {
      for (const outcome of batches.run(ops)) expect(outcome.ok).toBe(true);
    };
    run([{ kind: 'write', rows: encodeItems(eventItems(1, [...DEFERRED, ...KEPT_PARTITIONS], 1), dir) }]);
    run([{ kind: 'write', rows: encodeItems(eventItems(2, DEFERRED, 1), dir) }]);
    // committed: the next transaction no longer knows where event 1's rows went, so its finding on
    // them waits for the index
    batches.flush();
    const sk1 = `${sortableTime(T0 + 1000)}#e1`;
    run([
      {
        kind: 'addToSets',
        additions: [...DEFERRED, ...KEPT_PARTITIONS].map((pk) => ({
          pk,
          sk: sk1,
          attribute: 'findings',
          values: ['r1'],
        })),
      },
    ]);
    batches.flush();
    db.db.close();
  }

  it('a run stopped before its end: its first reader of an index partition builds the index first, saying so, and reads through it', async () => {
    const dir = join(root, 'stopped-read');
    stoppedRun(dir);
    expect(indexState(dir)).toMatchObject({ deferred: true, indexes: ['kept_key'] });
    const said: string[] = [];
    const reader = await open('stopped-read', { say: (line) => said.push(line) });
    // a partition kept indexed is read as it is
    const kept = await reader.store.query(KEPT_PARTITIONS[0] as string);
    expect(kept.items.map((i) => i.eventID)).toEqual(['e1']);
    expect(said).toEqual([]);
    expect(indexState(dir).deferred).toBe(true);
    const { items } = await reader.store.query(DEFERRED[0] as string);
    expect(said).toEqual([
      expect.stringMatching(
        /building the index of the local store, which its first ingest builds at its end/,
      ),
    ]);
    expect(indexState(dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
    // the finding on event 1's items, kept for the end, is made
    expect(
      items.map((i) => [i.eventID, (i.findings as Set<string> | undefined)?.has('r1') ?? false]),
    ).toEqual([
      ['e2', false],
      ['e1', true],
    ]);
    await reader.store.query(DEFERRED[1] as string);
    expect(said).toHaveLength(1);
  });

  it('a reader that cannot build the index (the store locked past its wait) says why and reads the right items without it', async () => {
    const dir = join(root, 'stopped-locked');
    stoppedRun(dir);
    const said: string[] = [];
    const reader = ItemsDb.open(join(dir, STORE_FILE), dir, (line) => said.push(line));
    const holder = new DatabaseSync(join(dir, STORE_FILE));
    try {
      reader.db.exec('PRAGMA busy_timeout = 50');
      holder.exec('BEGIN IMMEDIATE');
      const rows = reader.query(DEFERRED[2] as string, { newestFirst: true, now: NOW_S });
      expect(rows.map((r) => r.sk)).toEqual([expect.stringMatching(/#e2$/), expect.stringMatching(/#e1$/)]);
      expect(said).toEqual([
        expect.stringMatching(
          /cannot build the index its first ingest left to its end \(database is locked\); reading the store without it, slower/,
        ),
      ]);
      holder.exec('ROLLBACK');
      expect(indexState(dir).deferred).toBe(true);
    } finally {
      holder.close();
      reader.close();
    }
  });

  it('a run stopped before its end: the next writer builds the index first, saying so', async () => {
    const dir = join(root, 'stopped-write');
    stoppedRun(dir);
    const said: string[] = [];
    const writer = await open('stopped-write', { say: (line) => said.push(line) });
    await writer.store.write(eventItems(3, KEPT_PARTITIONS, 1));
    expect(said).toEqual([expect.stringMatching(/building the index of the local store/)]);
    expect(indexState(dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
  });

  it('a query during the first ingest builds the index; the ingest goes on writing it row by row and ends with the same items', async () => {
    const ingest = await open('during', { groupCommits: true });
    const rowByRow = await open('during-row-by-row', { groupCommits: true, deferIndex: false });
    const both = (f: (s: OpenedLocalStore['store']) => Promise<unknown>) =>
      Promise.all([f(ingest.store), f(rowByRow.store)]);
    const all = [...DEFERRED, ...KEPT_PARTITIONS];
    const mark = (n: number, pks: readonly string[], rule: string) =>
      both((s) =>
        s.addToStringSets(
          pks.map((pk) => ({
            pk,
            sk: `${sortableTime(T0 + n * 1000)}#e${n}`,
            attribute: 'findings',
            values: [rule],
          })),
        ),
      );
    await both((s) => s.write(eventItems(1, all, 1)));
    await both((s) => s.write(eventItems(2, all, 1)));
    await mark(2, all, 'r0');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(indexState(join(root, 'during')).deferred).toBe(true);

    const said: string[] = [];
    const query = await open('during', { say: (line) => said.push(line) });
    const { items } = await query.store.query(DEFERRED[1] as string);
    expect(items.map((i) => i.eventID)).toEqual(['e2', 'e1']);
    expect(said).toEqual([expect.stringMatching(/still running/)]);
    expect(indexState(join(root, 'during')).deferred).toBe(false);

    await mark(1, all, 'r1');
    await both((s) => s.write(eventItems(3, all, 1)));
    await both((s) => s.write(eventItems(1, DEFERRED.slice(0, 1), 2)));
    await mark(1, all, 'r2');
    await mark(3, all, 'r3');
    await close(ingest);
    await close(rowByRow);
    expect(dumpStore(join(root, 'during'))).toEqual(dumpStore(join(root, 'during-row-by-row')));
    expect(indexState(join(root, 'during'))).toEqual({
      deferred: false,
      indexes: ['items_key'],
      miscounted: 0,
    });
  });

  it('a run stopped before its end is carried on by the next bulk run, which builds the index at its close', async () => {
    const dir = join(root, 'carried-on');
    stoppedRun(dir);
    const said: string[] = [];
    const bulk = await open('carried-on', { groupCommits: true, say: (line) => said.push(line) });
    await bulk.store.write(eventItems(4, DEFERRED, 1));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(indexState(dir)).toMatchObject({ deferred: true, indexes: ['kept_key'] });
    await close(bulk);
    expect(said).toEqual([]);
    expect(indexState(dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
    const { items } = await (await open('carried-on', {})).store.query(DEFERRED[1] as string);
    expect(items.map((i) => i.eventID)).toEqual(['e4', 'e2', 'e1']);
    expect(items.map((i) => (i.findings as Set<string> | undefined)?.has('r1') ?? false)).toEqual([
      false,
      false,
      true,
    ]);
  });

  it("serve's snapshot of a store a stopped run left builds the index first, saying so, then reads every item in key order", async () => {
    const dir = join(root, 'snapshot');
    stoppedRun(dir);
    const said: string[] = [];
    const keys: string[] = [];
    for await (const chunk of snapshotItems(dir, (line) => said.push(line), 3))
      for (const item of chunk) keys.push(`${item.pk}|${item.sk}`);
    expect(said).toEqual([expect.stringMatching(/building the index of the local store/)]);
    expect(keys).toEqual([...dumpStore(dir).keys()]);
    expect(keys).toHaveLength(8);
    expect(indexState(dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
  });

  it('a bulk run that reads a partition whose keys wait builds the index first, and reads it through the index', async () => {
    const dir = join(root, 'read-early');
    mkdirSync(dir);
    const db = ItemsDb.open(join(dir, STORE_FILE), dir, () => undefined);
    try {
      const batches = new Batches(db, 60_000, true);
      const [written] = batches.run([{ kind: 'write', rows: encodeItems(eventItems(5, DEFERRED, 2), dir) }]);
      expect(written?.ok).toBe(true);
      const index = () => db.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all();
      expect(index()).toEqual([{ name: 'kept_key' }]);
      const [read] = batches.run([
        { kind: 'query', pk: DEFERRED[2] as string, query: { newestFirst: true, now: NOW_S } },
      ]);
      expect(read).toMatchObject({ ok: true, value: [{ sk: expect.stringMatching(/#e5$/) }] });
      expect(index()).toEqual([{ name: 'items_key' }]);
      batches.close();
    } finally {
      db.close();
    }
    expect(indexState(dir)).toEqual({ deferred: false, indexes: ['items_key'], miscounted: 0 });
  });

  it('a bulk run into a store that holds items writes its index row by row', async () => {
    const first = await open('second-run', { groupCommits: true });
    await first.store.write(eventItems(6, DEFERRED, 1));
    await close(first);
    const second = await open('second-run', { groupCommits: true });
    await second.store.write(eventItems(7, DEFERRED, 1));
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect(indexState(join(root, 'second-run'))).toMatchObject({ deferred: false, indexes: ['items_key'] });
  });

  it('reads of the partitions kept indexed name the partial index, which SQLite then uses through the view', () => {
    const dir = join(root, 'plan');
    stoppedRun(dir);
    const plan = readStoreFile(dir, (db) =>
      (
        db
          .prepare(
            `EXPLAIN QUERY PLAN SELECT sk, item FROM items WHERE ${KEPT} AND pk = ? AND sk BETWEEN ? AND ? ORDER BY sk DESC`,
          )
          .all() as { detail: string }[]
      ).map((r) => r.detail),
    );
    expect(plan.join('\n')).toMatch(/USING (COVERING )?INDEX kept_key \(pk=\? AND sk>\? AND sk<\?\)/);
  });
});
