import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStore } from '../../bin/cli/local-store/local-store';
import { type OpenedLocalStore, openLocalStore } from '../../bin/cli/local-store/open';
import type { TableItem } from '../../lambda/core/items';
import type { TrailStore } from '../../lambda/core/store-port';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { seededRandom } from '../helpers/random';
import { readStoreFile } from '../helpers/store-file';

/**
 * Format 2 of the local store (bin/cli/local-store/entries.ts): the index items of one event, written
 * together, keep their common part (the event's summary) once, in `bodies`. Whatever is done to one
 * of them, the others read back as they were written, and a body goes with the last item that has it.
 */

const T0 = Date.UTC(2025, 2, 1);
const NOW_S = Math.floor(Date.now() / 1000);

/** The summary of an event, as `buildItems` copies it into each index item (well over the length shared). */
function summary(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventSource: 'ec2.amazonaws.com',
    eventName: n % 2 ? 'RunInstances' : 'AuthorizeSecurityGroupIngress',
    awsRegion: 'eu-west-1',
    accountId: '123456789012',
    readOnly: false,
    sourceIPAddress: `198.51.100.${n % 250}`,
    userAgent: `aws-cli/2.15.${n} md/Botocore#1.34.${n} ua/2.0 os/linux#6.5.0 md/arch#x86_64 lang/python#3.11.8`,
    principal: { type: 'IAMUser', arn: `arn:aws:iam::123456789012:user/user-${n}`, userName: `user-${n}` },
    count: n,
    ratio: n / 7,
    nothing: null,
    expiresAt: NOW_S + 86_400,
    ...extra,
  };
}

/** The index items of event `n` in `partitions`, one summary (the same objects) copied into each. */
function eventItems(
  n: number,
  partitions: readonly string[],
  extra: Record<string, unknown> = {},
): TableItem[] {
  const sk = `${new Date(T0 + n * 1000).toISOString()}#e${n}`;
  const body = summary(n, extra);
  return partitions.map((pk) => ({ pk, sk, kind: pk.split('#')[0]?.toLowerCase(), ...body }) as TableItem);
}

const PARTITIONS = ['INSTANCE#i-0a', 'USER#name:alice', 'USER#akid:AKIA1', 'IP#198.51.100.7'];

/** The JSON an item is written as (string sets as arrays), to compare texts. */
const json = (item: Record<string, unknown>): string =>
  JSON.stringify(item, (_k, v: unknown) => (v instanceof Set ? [...v] : v));

interface FileState {
  /** Rows of `bodies`. */
  readonly bodies: number;
  /** Rows of `entries` that have a body. */
  readonly sharing: number;
  /** Bodies whose count is not the number of rows that have them, or that no row has. */
  readonly miscounted: number;
}

function fileState(dir: string): FileState {
  return readStoreFile(dir, (db) => {
    const one = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      bodies: one('SELECT count(*) AS n FROM bodies'),
      sharing: one('SELECT count(*) AS n FROM entries WHERE body IS NOT NULL'),
      miscounted: one(
        'SELECT count(*) AS n FROM bodies b WHERE refs <= 0 OR refs != (SELECT count(*) FROM entries WHERE body = b.id)',
      ),
    };
  });
}

/** The JSON of each item as a reader of the file sees it (the view `items`), by key. */
function itemsInFile(dir: string): Map<string, string> {
  const rows = readStoreFile(
    dir,
    (db) => db.prepare('SELECT pk, sk, item FROM items').all() as { pk: string; sk: string; item: string }[],
  );
  return new Map(rows.map((r) => [`${r.pk} ${r.sk}`, r.item]));
}

async function readAll(store: TrailStore, item: TableItem): Promise<Record<string, unknown> | undefined> {
  const { items } = await store.query(item.pk, { wholePartition: true, nowMs: 0 });
  return items.find((i) => i.sk === item.sk);
}

describe('the local store: index items of one event share one stored body', () => {
  let root: string;
  let dir: string;
  let opened: OpenedLocalStore;
  let store: LocalStore;
  let stores = 0;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trailwatch-shared-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  beforeEach(async () => {
    dir = join(root, `db${++stores}`);
    opened = await openLocalStore(dir);
    store = opened.store;
  });
  afterEach(() => opened.close());

  /** Commits (closes and opens again) so that the file can be read from another connection. */
  async function committed(): Promise<void> {
    await opened.close();
    opened = await openLocalStore(dir);
    store = opened.store;
  }

  it('keeps the summary once for the items written together, and gives each back exactly as written', async () => {
    const items = eventItems(1, PARTITIONS, { findings: new Set(['rule-a']) });
    await store.write(items);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 1, sharing: 4, miscounted: 0 });
    const inFile = itemsInFile(dir);
    for (const item of items) {
      expect(inFile.get(`${item.pk} ${item.sk}`)).toBe(json(item));
      const read = await readAll(store, item);
      expect(read).toEqual(item);
      expect(read?.findings).toBeInstanceOf(Set);
      expect(Object.keys(read ?? {})).toEqual(Object.keys(item));
    }
  });

  it('writes an item alone, or one whose rest is short, whole: no body', async () => {
    await store.write(eventItems(2, ['INSTANCE#i-0a']));
    await store.write([
      { pk: 'USER#a', sk: 's#1', kind: 'user', eventID: 'x' },
      { pk: 'USER#b', sk: 's#1', kind: 'user', eventID: 'x' },
    ] as TableItem[]);
    await store.putItemIfAbsent(eventItems(3, ['IP#1'])[0] as TableItem);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 0, sharing: 0, miscounted: 0 });
  });

  it('overwriting one of the items changes that one only; the others keep the body', async () => {
    const items = eventItems(4, PARTITIONS);
    await store.write(items);
    const changed = { ...items[1], eventName: 'TerminateInstances', extra: [1, 2] } as TableItem;
    await store.putItem(changed);
    expect(await readAll(store, changed)).toEqual(changed);
    for (const item of [items[0], items[2], items[3]] as TableItem[])
      expect(await readAll(store, item)).toEqual(item);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 1, sharing: 3, miscounted: 0 });
  });

  it('a set addition to one of the items gives it a body of its own; the others are unchanged', async () => {
    const items = eventItems(5, PARTITIONS, { findings: new Set(['rule-a']) });
    await store.write(items);
    await store.addToStringSet(items[2]?.pk as string, items[2]?.sk as string, 'findings', ['rule-b']);
    expect(await readAll(store, items[2] as TableItem)).toEqual({
      ...items[2],
      findings: new Set(['rule-a', 'rule-b']),
    });
    for (const item of [items[0], items[1], items[3]] as TableItem[])
      expect(await readAll(store, item)).toEqual(item);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 2, sharing: 4, miscounted: 0 });
  });

  it('set additions to all of the items (a finding on an event) change their body once, in place', async () => {
    const items = eventItems(6, PARTITIONS);
    await store.write(items);
    await store.addToStringSets(
      items.map((i) => ({ pk: i.pk, sk: i.sk, attribute: 'findings', values: ['rule-b', 'rule-a'] })),
    );
    for (const item of items)
      expect(await readAll(store, item)).toEqual({ ...item, findings: new Set(['rule-a', 'rule-b']) });
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 1, sharing: 4, miscounted: 0 });
  });

  it('an item met twice in one call of additions gets both', async () => {
    const items = eventItems(7, PARTITIONS);
    await store.write(items);
    const [a, b] = items as [TableItem, TableItem];
    await store.addToStringSets([
      { pk: a.pk, sk: a.sk, attribute: 'findings', values: ['r1'] },
      { pk: b.pk, sk: b.sk, attribute: 'findings', values: ['r1'] },
      { pk: a.pk, sk: a.sk, attribute: 'findings', values: ['r2'] },
      { pk: a.pk, sk: a.sk, attribute: 'tags', values: ['t'] },
    ]);
    expect(await readAll(store, a)).toEqual({ ...a, findings: new Set(['r1', 'r2']), tags: new Set(['t']) });
    expect(await readAll(store, b)).toEqual({ ...b, findings: new Set(['r1']) });
    for (const item of items.slice(2)) expect(await readAll(store, item)).toEqual(item);
    await committed();
    expect(fileState(dir).miscounted).toBe(0);
  });

  it('an addition to what is not a string set fails for that item; the additions before it are made, the others unchanged', async () => {
    const items = eventItems(8, PARTITIONS, { tags: ['a list'] });
    await store.write(items);
    const [a, b] = items as [TableItem, TableItem];
    await expect(
      store.addToStringSets([
        { pk: a.pk, sk: a.sk, attribute: 'findings', values: ['r1'] },
        { pk: b.pk, sk: b.sk, attribute: 'tags', values: ['t'] },
      ]),
    ).rejects.toThrow(`cannot add to tags of the item (${b.pk}, ${b.sk}): it is not a string set`);
    // its own attributes are strings, not sets, though the shared body does not hold them
    await expect(store.addToStringSet(b.pk, b.sk, 'kind', ['k'])).rejects.toThrow('it is not a string set');
    expect(await readAll(store, a)).toEqual({ ...a, findings: new Set(['r1']) });
    for (const item of items.slice(1)) expect(await readAll(store, item)).toEqual(item);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 2, sharing: 4, miscounted: 0 });
  });

  it('a body goes with the last item that has it: overwritten, or given another by additions', async () => {
    const first = eventItems(9, PARTITIONS);
    await store.write(first);
    // every item written again (an ingest of the same files): the old body is left by all
    const again = eventItems(9, PARTITIONS, { eventName: 'again' });
    await store.write(again);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 1, sharing: 4, miscounted: 0 });
    // additions to some, then to the rest: each group copied, the old body left by all
    await store.addToStringSets(
      again.slice(0, 2).map((i) => ({ pk: i.pk, sk: i.sk, attribute: 'findings', values: ['r'] })),
    );
    await store.addToStringSets(
      again.slice(2).map((i) => ({ pk: i.pk, sk: i.sk, attribute: 'findings', values: ['r'] })),
    );
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 2, sharing: 4, miscounted: 0 });
    // each overwritten alone: whole rows, no body left
    for (const item of again) await store.putItem(item);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 0, sharing: 0, miscounted: 0 });
    for (const item of again) expect(await readAll(store, item)).toEqual(item);
  });

  it('a key twice in one write: the last one is kept, and the body counts its rows right', async () => {
    const items = eventItems(10, PARTITIONS);
    // one run of five rows with the same rest: one body, counted four times once the fifth replaced the first
    await store.write([...items, items[0] as TableItem]);
    await committed();
    expect(fileState(dir)).toEqual({ bodies: 1, sharing: 4, miscounted: 0 });
    const dup = eventItems(11, ['INSTANCE#i-0a', 'INSTANCE#i-0a', 'IP#1']);
    await store.write(dup);
    await committed();
    expect(fileState(dir).miscounted).toBe(0);
    expect(await readAll(store, dup[0] as TableItem)).toEqual(dup[0]);
  });
});

describe('the local store against DynamoDB (dynalite): the same random operations give the same items', () => {
  let dynamo: LocalDynamo;
  let dir: string;

  beforeAll(async () => {
    dynamo = await startDynalite();
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-shared-random-'));
  });
  afterAll(async () => {
    await dynamo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes, overwrites, once-writes and set additions on items that share bodies', async () => {
    const random = seededRandom(20250301);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    const pool = ['INSTANCE#i-1', 'INSTANCE#i-2', 'USER#name:a', 'USER#name:b', 'IP#1', 'IP#2', 'KEY#k'];
    const opened = await openLocalStore(join(dir, 'db'));
    const stores: TrailStore[] = [opened.store, await storeAt(dynamo.endpoint, { tableName: 'random' })];
    const events: TableItem[][] = [];
    const ops = {
      event: () => {
        const n = events.length;
        const partitions = pool.filter(() => random() < 0.5);
        const items = eventItems(n % 12, partitions.length > 0 ? partitions : [pick(pool)], {
          ...(random() < 0.3 ? { findings: new Set([pick(['r1', 'r2'])]) } : {}),
          variant: n,
        });
        events.push(items);
        return (s: TrailStore) => s.write(items);
      },
      overwriteOne: () => {
        const item = { ...pick(pick(events)), eventName: `over-${random()}` } as TableItem;
        return (s: TrailStore) => s.putItem(item);
      },
      additions: () => {
        const items = pick(events).filter(() => random() < 0.7);
        const values = [pick(['r1', 'r2', 'r3'])];
        return (s: TrailStore) =>
          s.addToStringSets(items.map((i) => ({ pk: i.pk, sk: i.sk, attribute: 'findings', values })));
      },
      // the last addition is refused (not a string set): those before it are made, on both
      failing: () => {
        const items = pick(events);
        const bad = pick(items);
        return (s: TrailStore) =>
          s.addToStringSets([
            ...items.map((i) => ({ pk: i.pk, sk: i.sk, attribute: 'findings', values: ['r4'] })),
            { pk: bad.pk, sk: bad.sk, attribute: 'eventName', values: ['x'] },
          ]);
      },
      missing: () => (s: TrailStore) => s.addToStringSet('IP#nowhere', 'x', 'findings', ['r1']),
      once: () => {
        const item = pick(pick(events));
        return async (s: TrailStore) => {
          await s.putItemIfAbsent({ ...item, eventName: 'not written' });
          await s.createItem({ ...item, eventName: 'not written either' });
        };
      },
    };
    const kinds = Object.keys(ops) as (keyof typeof ops)[];
    try {
      for (let i = 0; i < 300; i++) {
        const op = ops[events.length < 3 ? 'event' : pick(kinds)]();
        // one at a time, in the same order on both; failing on both or on neither
        const failed: boolean[] = [];
        for (const s of stores)
          failed.push(
            await op(s).then(
              () => false,
              () => true,
            ),
          );
        expect(failed[0]).toBe(failed[1]);
      }
      for (const pk of [...pool, 'IP#nowhere']) {
        const [local, dynamodb] = await Promise.all(
          stores.map((s) => s.query(pk, { wholePartition: true, nowMs: 0, newestFirst: false })),
        );
        expect(local?.items).toEqual(dynamodb?.items);
      }
    } finally {
      await opened.close();
    }
    const state = fileState(join(dir, 'db'));
    expect(state.miscounted).toBe(0);
    // sharing happened: fewer bodies than the rows that have one
    expect(state.sharing).toBeGreaterThan(state.bodies);
  }, 60_000);
});
