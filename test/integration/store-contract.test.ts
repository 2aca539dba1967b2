import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore } from '../../bin/cli/local-store/open';
import { EVENT_SK, keys, type TableItem } from '../../lambda/core/items';
import type { TrailStore } from '../../lambda/core/store-port';
import { TABLE_SCHEMA } from '../../lambda/core/table-schema';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';

/**
 * The store port's contract (lambda/core/store-port.ts), the same cases against every backend:
 * `EventStore` on dynalite (the DynamoDB path: the Lambda, `--table`) and the CLI's local store on
 * SQLite, in the process (queries), on its own thread, and as an ingest opens it (a bulk writer into
 * a new store: its key index deferred, built when a read needs it).
 */

interface Backend {
  readonly name: string;
  /** A new, empty store. */
  open(): Promise<TrailStore>;
  close(): Promise<void>;
}

function dynaliteBackend(): Backend {
  let dynamo: LocalDynamo | undefined;
  let tables = 0;
  return {
    name: 'EventStore on dynalite',
    async open() {
      dynamo ??= await startDynalite();
      return storeAt(dynamo.endpoint, { tableName: `contract-${++tables}` });
    },
    close: async () => dynamo?.close(),
  };
}

function localBackend(thread: boolean, bulk = false): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'trailwatch-contract-'));
  const closes: (() => Promise<void>)[] = [];
  let stores = 0;
  return {
    name: `local store (SQLite${thread ? ', own thread' : ', in process'}${bulk ? ', a bulk writer: grouped commits, read cache, key index deferred' : ''})`,
    async open() {
      const opened = await openLocalStore(join(dir, `db${++stores}`), {
        thread,
        ...(bulk ? { groupCommits: true, cacheReads: true } : {}),
      });
      closes.push(opened.close);
      return opened.store;
    },
    async close() {
      for (const close of closes) await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const BACKENDS = [dynaliteBackend(), localBackend(false), localBackend(true), localBackend(false, true)];

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 2, 1);
const NOW_S = Math.floor(Date.now() / 1000);

/** Index items of one partition, a minute apart, oldest first. */
function indexItems(pk: string, n: number, extra: Record<string, unknown> = {}): TableItem[] {
  return Array.from({ length: n }, (_, i) => ({
    pk,
    sk: `${new Date(T0 + i * MINUTE).toISOString()}#e${i}`,
    kind: 'instance' as const,
    eventID: `e${i}`,
    ...extra,
  }));
}

const sks = (items: readonly Record<string, unknown>[]): unknown[] => items.map((i) => i.sk);

/** Without the write ID the DynamoDB adapter adds to once-only items (retries tell themselves by it). */
function withoutWriteId(item: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!item) return item;
  const { [TABLE_SCHEMA.writeIdAttribute]: _w, ...rest } = item;
  return rest;
}

describe.each(BACKENDS)('the store contract: $name', (backend) => {
  let store: TrailStore;

  afterAll(() => backend.close());
  beforeEach(async () => {
    store = await backend.open();
  });

  it('gives items back exactly as written: numbers, booleans, null, lists, maps, string sets', async () => {
    const item: TableItem = {
      pk: 'INSTANCE#i-0000000000000000a',
      sk: `${new Date(T0).toISOString()}#e1`,
      kind: 'instance',
      count: 3,
      ratio: 0.25,
      big: 1_700_000_000_123,
      negative: -7,
      readOnly: false,
      flag: true,
      nothing: null,
      text: 'ünïcødé "quoted" \\ back\nline',
      list: ['a', 1, { nested: ['x'] }],
      map: { a: { b: [1, 2] }, empty: {} },
      findings: new Set(['rule-b', 'rule-a']),
      expiresAt: NOW_S + 3600,
    };
    await store.write([item]);
    const { items } = await store.query(item.pk, { wholePartition: true });
    expect(items).toEqual([item]);
    expect(items[0]?.findings).toBeInstanceOf(Set);
  });

  it('replaces the whole item on a second write of its key', async () => {
    const pk = 'INSTANCE#i-0000000000000000b';
    const sk = `${new Date(T0).toISOString()}#e1`;
    await store.write([{ pk, sk, kind: 'instance', old: 'yes', findings: new Set(['r']) }]);
    const second: TableItem = { pk, sk, kind: 'instance', fresh: 1 };
    await store.putItem(second);
    expect((await store.query(pk)).items).toEqual([second]);
  });

  it('reads a partition newest first, or oldest first when asked, within a time range', async () => {
    const pk = 'INSTANCE#i-0000000000000000c';
    const written = indexItems(pk, 6);
    await store.write(written);
    await store.write([
      { pk: 'INSTANCE#i-0000000000000000d', sk: written[0]?.sk as string, kind: 'instance' },
    ]);
    expect(sks((await store.query(pk)).items)).toEqual(sks([...written].reverse()));
    expect(sks((await store.query(pk, { newestFirst: false })).items)).toEqual(sks(written));
    const ranged = await store.query(pk, { sinceMs: T0 + MINUTE, untilMs: T0 + 3 * MINUTE });
    expect(sks(ranged.items)).toEqual(sks([written[3], written[2], written[1]] as TableItem[]));
    const page = await store.queryPage(pk, { sinceMs: T0 + 4 * MINUTE });
    expect(sks(page.items)).toEqual(sks([written[5], written[4]] as TableItem[]));
  });

  it('pages with nextKey until every item is read, each page within its limit', async () => {
    const pk = 'USER#contract-pages';
    const written = indexItems(pk, 7);
    await store.write(written);
    const seen: unknown[] = [];
    let startKey: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await store.queryPage(pk, { limit: 3, ...(startKey ? { startKey } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...sks(page.items));
      startKey = page.nextKey;
      pages++;
    } while (startKey && pages < 10);
    expect(seen).toEqual(sks([...written].reverse()));
    expect(pages).toBe(3);
  });

  it('query with a limit says whether more items follow', async () => {
    const pk = 'RESOURCE#vol-contract';
    await store.write(indexItems(pk, 5));
    const some = await store.query(pk, { limit: 2 });
    expect(some.items).toHaveLength(2);
    expect(some.more).toBe(true);
    const all = await store.query(pk, { limit: 5 });
    expect(all.items).toHaveLength(5);
    expect(all.more).toBe(false);
  });

  it('never returns an item past its TTL, and tells the time by nowMs when given', async () => {
    const pk = 'IP#198.51.100.7';
    const [expired, live, forever] = indexItems(pk, 3);
    await store.write([
      { ...(expired as TableItem), expiresAt: NOW_S - 60 },
      { ...(live as TableItem), expiresAt: NOW_S + 3600 },
      forever as TableItem,
    ]);
    expect(sks((await store.query(pk)).items)).toEqual(sks([forever, live] as TableItem[]));
    expect(sks((await store.queryPage(pk, { nowMs: (NOW_S - 3600) * 1000 })).items)).toHaveLength(3);
    expect(sks((await store.readPartition(pk)) as TableItem[])).toEqual(sks([forever, live] as TableItem[]));
  });

  it('reads the whole partition of an event (event item and conflicts) only when asked', async () => {
    const pk = keys.event('contract-event');
    const event: TableItem = { pk, sk: EVENT_SK, kind: 'event', eventID: 'contract-event' };
    const conflicts: TableItem[] = ['h1', 'h2'].map((h) => ({ pk, sk: `CONFLICT#${h}`, kind: 'conflict' }));
    await store.write([event, ...conflicts]);
    expect((await store.query(pk)).items).toEqual([]);
    expect(sks((await store.query(pk, { wholePartition: true })).items)).toEqual([
      'EVENT',
      'CONFLICT#h2',
      'CONFLICT#h1',
    ]);
    expect(await store.getEvent('contract-event')).toEqual(event);
    const found = await store.getEventWithConflicts('contract-event');
    expect(found).toEqual({ event, conflicts: [conflicts[1], conflicts[0]], moreConflicts: false });
    expect(await store.getEventWithConflicts('no-such-event')).toEqual({
      conflicts: [],
      moreConflicts: false,
    });
  });

  it('putItemIfAbsent writes once: the first call creates the item, later ones change nothing', async () => {
    const marker: TableItem = {
      pk: 'FINDINGS',
      sk: '2025-03-01T00:00:00.000Z#e1#rule',
      kind: 'finding',
      detail: 'first',
    };
    expect(await store.putItemIfAbsent(marker)).toBe(true);
    expect(await store.putItemIfAbsent({ ...marker, detail: 'second' })).toBe(false);
    const { items } = await store.query('FINDINGS', { wholePartition: true });
    expect(items.map(withoutWriteId)).toEqual([marker]);
  });

  it('createItem writes once, atomically: of 20 racing writers one creates, the others get its item', async () => {
    const pk = keys.event('contract-race');
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.createItem({ pk, sk: EVENT_SK, kind: 'event', writer: i, recordHash: `h${i}` }),
      ),
    );
    const created = outcomes.filter((o) => o.created);
    expect(created).toHaveLength(1);
    const stored = await store.getEvent('contract-race');
    for (const o of outcomes) if (!o.created) expect(o.existing).toEqual(stored);
  });

  it('createItem finds an item past its TTL that is still stored (as DynamoDB does until it deletes it)', async () => {
    const item: TableItem = {
      pk: keys.event('contract-old'),
      sk: EVENT_SK,
      kind: 'event',
      expiresAt: NOW_S - 60,
    };
    expect(await store.createItem(item)).toEqual({ created: true });
    expect(await store.createItem({ ...item, expiresAt: NOW_S + 60 })).toEqual({
      created: false,
      existing: item,
    });
    expect(await store.getEvent('contract-old')).toBeUndefined();
  });

  it('adds to string sets of existing items only: a missing item stays missing', async () => {
    const pk = 'KEY#SHA256:contract';
    const [a, b] = indexItems(pk, 2);
    await store.write([{ ...(a as TableItem), findings: new Set(['r1']) }, b as TableItem]);
    await store.addToStringSet(pk, a?.sk as string, 'findings', ['r2', 'r1']);
    await store.addToStringSets([
      { pk, sk: b?.sk as string, attribute: 'findings', values: ['r3'] },
      { pk, sk: '2099-01-01T00:00:00.000Z#missing', attribute: 'findings', values: ['r3'] },
      { pk: 'KEY#SHA256:nothing-here', sk: a?.sk as string, attribute: 'findings', values: ['r3'] },
      { pk, sk: b?.sk as string, attribute: 'findings', values: [] },
    ]);
    const { items } = await store.query(pk);
    expect(items).toEqual([
      { ...b, findings: new Set(['r3']) },
      { ...a, findings: new Set(['r1', 'r2']) },
    ]);
    expect((await store.query('KEY#SHA256:nothing-here', { wholePartition: true })).items).toEqual([]);
  });

  it('reads a partition for the rules: newest first, bounded, within a time range when given', async () => {
    const pk = 'HISTORY#contract';
    const written = indexItems(pk, 5);
    await store.write(written);
    expect(sks(await store.readPartition(pk, { limit: 2, consistent: true }))).toEqual(
      sks([written[4], written[3]] as TableItem[]),
    );
    expect(sks(await store.readPartition(pk, { sinceMs: T0 + 3 * MINUTE }))).toEqual(
      sks([written[4], written[3]] as TableItem[]),
    );
  });

  it('counts the requests it makes', async () => {
    const before = store.metrics.requests;
    await store.write(indexItems('ACTOR#i-0000000000000000e', 3));
    await store.query('ACTOR#i-0000000000000000e');
    expect(store.metrics.requests).toBeGreaterThan(before);
  });
});
