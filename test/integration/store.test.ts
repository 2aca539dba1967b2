import { StoreWriteError } from '../../lambda/core/errors';
import { keys, type TableItem } from '../../lambda/core/items';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy';

const noSleep = async (): Promise<void> => {};

function items(pk: string, n: number, start = Date.UTC(2025, 2, 1)): TableItem[] {
  return Array.from({ length: n }, (_, i) => ({
    pk,
    sk: `${new Date(start + i * 60_000).toISOString()}#e${i}`,
    kind: 'instance' as const,
    eventID: `e${i}`,
    n: i,
  }));
}

describe('event store on dynalite (through a fault-injecting proxy)', () => {
  let dynamo: LocalDynamo;
  let proxy: FaultProxy;

  beforeAll(async () => {
    dynamo = await startDynalite();
    proxy = await startFaultProxy(dynamo.endpoint);
  });
  afterAll(async () => {
    await proxy.close();
    await dynamo.close();
  });
  beforeEach(() => {
    proxy.setFaults({});
    proxy.stats.operations = {};
    proxy.stats.itemsForwarded = 0;
    proxy.stats.maxInFlight = 0;
  });

  it('writes in batches of 25', async () => {
    const store = await storeAt(proxy.endpoint);
    proxy.stats.operations = {};
    await store.write(items('INSTANCE#i-00000000000000001', 60));
    expect(proxy.stats.operations.BatchWriteItem).toBe(3);
    expect((await store.query('INSTANCE#i-00000000000000001')).items).toHaveLength(60);
  });

  it('retries UnprocessedItems with backoff until every item is stored', async () => {
    const sleeps: number[] = [];
    const store = await storeAt(proxy.endpoint, { sleep: async (ms) => void sleeps.push(ms) });
    proxy.setFaults({ unprocessed: 0.7 });
    await store.write(items('INSTANCE#i-00000000000000002', 100));
    proxy.setFaults({});
    expect(proxy.stats.faults.unprocessed).toBeGreaterThan(0);
    expect(store.metrics.retriedItems).toBeGreaterThan(0);
    expect(sleeps.length).toBeGreaterThan(0);
    expect((await store.query('INSTANCE#i-00000000000000002')).items).toHaveLength(100);
  });

  it('backs off exponentially with full jitter, capped', async () => {
    const sleeps: number[] = [];
    const store = await storeAt(proxy.endpoint, {
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.999,
      baseDelayMs: 10,
      maxDelayMs: 100,
      maxAttempts: 7,
    });
    proxy.setFaults({ throttle: 1 });
    await expect(store.write(items('INSTANCE#i-00000000000000003', 1))).rejects.toThrow(StoreWriteError);
    expect(sleeps).toEqual([9, 19, 39, 79, 99, 99]);
  });

  it('gives up after the bounded number of attempts with a clear error, never a silent drop', async () => {
    const store = await storeAt(proxy.endpoint, { sleep: noSleep, maxAttempts: 4 });
    proxy.stats.operations = {};
    proxy.setFaults({ unprocessed: 1 });
    const error = await store.write(items('INSTANCE#i-00000000000000004', 10)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreWriteError);
    expect((error as StoreWriteError).describe()).toMatch(
      /^table trailwatch-test: gave up writing \d+ item\(s\) after 4 attempts/,
    );
    expect(proxy.stats.operations.BatchWriteItem).toBe(4);
  });

  it('retries throttling and server errors, then succeeds', async () => {
    const store = await storeAt(proxy.endpoint, { sleep: noSleep });
    proxy.setFaults({ throttle: 0.3, serverError: 0.2 });
    await store.write(items('INSTANCE#i-00000000000000005', 200));
    proxy.setFaults({});
    expect(store.metrics.throttles).toBeGreaterThan(0);
    expect((await store.query('INSTANCE#i-00000000000000005')).items).toHaveLength(200);
  });

  it('keeps at most maxConcurrency requests in flight', async () => {
    const store = await storeAt(proxy.endpoint, { maxConcurrency: 3 });
    proxy.setFaults({ delayMs: 20 });
    proxy.stats.maxInFlight = 0;
    await store.write(items('INSTANCE#i-00000000000000006', 250));
    expect(proxy.stats.maxInFlight).toBe(3);
  });

  it('writes a batch that names the same key twice (last write wins)', async () => {
    const store = await storeAt(proxy.endpoint);
    const [a] = items('INSTANCE#i-00000000000000007', 1) as [TableItem];
    await store.write([a, { ...a, n: 99 }]);
    const { items: got } = await store.query('INSTANCE#i-00000000000000007');
    expect(got).toEqual([expect.objectContaining({ n: 99 })]);
  });

  it('queries newest first, within --since/--until, following pages up to the limit', async () => {
    const store = await storeAt(proxy.endpoint);
    const pk = keys.instance('i-00000000000000008');
    await store.write(items(pk, 250));
    const all = await store.query(pk);
    expect(all.items).toHaveLength(250);
    expect(all.items.map((i) => i.n)).toEqual(Array.from({ length: 250 }, (_, i) => 249 - i));
    const some = await store.query(pk, { limit: 120 });
    expect(some).toMatchObject({ more: true });
    expect(some.items).toHaveLength(120);
    const ranged = await store.query(pk, {
      sinceMs: Date.UTC(2025, 2, 1, 0, 10),
      untilMs: Date.UTC(2025, 2, 1, 0, 19),
    });
    expect(ranged.items.map((i) => i.n)).toEqual([19, 18, 17, 16, 15, 14, 13, 12, 11, 10]);
  });

  it('hides items past their TTL that DynamoDB has not deleted yet', async () => {
    const store = await storeAt(proxy.endpoint);
    const pk = keys.instance('i-00000000000000009');
    const [live, expired] = items(pk, 2) as [TableItem, TableItem];
    await store.write([
      { ...live, expiresAt: 2_000_000_000 },
      { ...expired, expiresAt: 1_000_000_000 },
    ]);
    const { items: got } = await store.query(pk, { nowMs: 1_500_000_000_000 });
    expect(got.map((i) => i.eventID)).toEqual([live.eventID]);
  });

  it('reads with Query only: no Scan anywhere', () => {
    expect(proxy.stats.operations.Scan).toBeUndefined();
  });
});
