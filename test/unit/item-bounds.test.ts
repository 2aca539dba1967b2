import { itemToEvent, keys, type TableItem } from '../../lambda/core/items';
import { LIMITS } from '../../lambda/core/limits';
import type { MetricsSink, OperationalMetric } from '../../lambda/core/metrics';
import { type FileStats, processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS, type Settings, settingsFromEnv } from '../../lambda/core/settings';
import { chunks, ec2Call, keyPush, logFile, type Rec } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * What one call, and one file, can cost: a read-only or failed call is indexed under at most
 * `LIMITS.idsPerReadOnlyOrFailedCall` IDs; a file's failed calls share a budget of index items,
 * beyond which they keep their event item only, counted.
 */

const NOW = Date.UTC(2026, 10, 24);

class Metrics implements MetricsSink {
  readonly counts: Partial<Record<OperationalMetric, number>> = {};
  count(name: OperationalMetric, value: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
  finding(): void {}
}

const instanceIds = (n: number, seed: number): string[] =>
  Array.from(
    { length: n },
    (_, k) => `i-${seed.toString(16).padStart(5, '0')}${k.toString(16).padStart(12, '0')}`,
  );

/** DescribeInstances, denied, naming `n` instances (what 50,150 items were made of). */
function deniedDescribe(n: number, seed: number, overrides: Rec = {}): Rec {
  return ec2Call('DescribeInstances', {
    readOnly: true,
    errorCode: 'Client.UnauthorizedOperation',
    errorMessage: 'You are not authorized to perform this operation.',
    requestParameters: {
      instancesSet: { items: instanceIds(n, seed).map((instanceId) => ({ instanceId })) },
    },
    eventTime: `2025-03-01T10:${String(seed % 60).padStart(2, '0')}:00Z`,
    ...overrides,
  });
}

async function ingest(
  records: Rec[],
  store = new MemoryStore(),
  settings: Settings = DEFAULT_SETTINGS,
  metrics = new Metrics(),
): Promise<{ stats: FileStats; store: MemoryStore; metrics: Metrics }> {
  const stats = await processLogFile(
    chunks(logFile(records)),
    { source: 's3://b/AWSLogs/f.json.gz', settings, now: () => NOW, metrics },
    store,
  );
  return { stats, store, metrics };
}

const indexItemsOf = (store: MemoryStore, eventID: string): TableItem[] =>
  [...store.items.values()].filter((i) => i.kind !== 'event' && i.sk.endsWith(`#${eventID}`));

describe('a bound on the items of read-only and failed calls', () => {
  it('50 denied DescribeInstances naming 1,000 instances each make 1,250 items, not 50,200', async () => {
    const calls = Array.from({ length: 50 }, (_, k) => deniedDescribe(1000, k));
    const { stats, store } = await ingest(calls);
    // per call: the event item, 20 instances, 3 user keys (ARN, user name, access key), the source IP
    expect(LIMITS.idsPerReadOnlyOrFailedCall).toBe(20);
    expect(store.items.size).toBe(50 * (1 + 20 + 3 + 1));
    // the documented bound: 1 + 20 IDs + at most 8 user keys + at most 4 source addresses per call
    expect(store.items.size).toBeLessThanOrEqual(
      50 * (1 + LIMITS.idsPerReadOnlyOrFailedCall + LIMITS.userKeys + LIMITS.sourceAddressesPerEvent),
    );
    expect(stats).toMatchObject({ indexed: 50, items: 1250, overBudget: 0 });
    const [event] = store.events();
    expect(event?.instanceIds).toHaveLength(20);
    expect(event?.idsTruncated).toBe(true);
    // the event item lists exactly the instances it is indexed under
    for (const id of event?.instanceIds ?? []) expect(store.partition(keys.instance(id))).toHaveLength(1);
  });

  it('keeps instances first, then other resources, 20 in all; a call naming fewer is not marked', async () => {
    const mixed = deniedDescribe(15, 1, {
      requestParameters: {
        instancesSet: { items: instanceIds(15, 1).map((instanceId) => ({ instanceId })) },
        volumeSet: {
          items: Array.from({ length: 10 }, (_, k) => ({ volumeId: `vol-0${String(k).padStart(16, '0')}` })),
        },
      },
    });
    const small = deniedDescribe(3, 2);
    const { store } = await ingest([mixed, small]);
    const byId = new Map(store.events().map((e) => [e.eventID, e]));
    expect(byId.get(String(mixed.eventID))).toMatchObject({ idsTruncated: true });
    expect(byId.get(String(mixed.eventID))?.instanceIds).toHaveLength(15);
    expect(byId.get(String(mixed.eventID))?.resourceIds).toHaveLength(5);
    expect(byId.get(String(small.eventID))?.instanceIds).toHaveLength(3);
    expect(byId.get(String(small.eventID))).not.toHaveProperty('idsTruncated');
  });

  it('a successful mutating call keeps its 1,000 instances (a RunInstances of a fleet is indexed under each)', async () => {
    const terminate = ec2Call('TerminateInstances', {
      requestParameters: {
        instancesSet: { items: instanceIds(1000, 3).map((instanceId) => ({ instanceId })) },
      },
    });
    const { store } = await ingest([terminate]);
    expect(store.events()[0]?.instanceIds).toHaveLength(1000);
    expect(indexItemsOf(store, String(terminate.eventID)).filter((i) => i.kind === 'instance')).toHaveLength(
      1000,
    );
  });
});

describe("a file's item budget for failed calls", () => {
  // each denied call below makes 5 instance items + 3 user items + 1 source IP item = 9 index items
  const settings: Settings = { ...DEFAULT_SETTINGS, fileItemBudget: 100 };

  it('beyond it, such calls keep their event item only: counted, reported; mutations and key pushes are always indexed', async () => {
    const denied = Array.from({ length: 30 }, (_, k) => deniedDescribe(5, 100 + k));
    const stop = ec2Call('StopInstances', {
      requestParameters: { instancesSet: { items: [{ instanceId: 'i-0ccccccccccccccc1' }] } },
    });
    const push = keyPush({}, { instanceId: 'i-0ccccccccccccccc2' });
    const { stats, store, metrics } = await ingest([...denied, stop, push], new MemoryStore(), settings);
    // 11 calls fit (99 index items), the 12th would not: it and the 18 after it are over the budget
    expect(stats).toMatchObject({ status: 'indexed', indexed: 32, overBudget: 19 });
    expect(metrics.counts.EventsOverBudget).toBe(19);
    for (const [k, call] of denied.entries()) {
      const id = String(call.eventID);
      expect(store.partition(keys.event(id)).map(itemToEvent)).toEqual([
        expect.objectContaining({ eventID: id }),
      ]);
      expect(indexItemsOf(store, id)).toHaveLength(k < 11 ? 9 : 0);
    }
    expect(indexItemsOf(store, String(stop.eventID)).length).toBeGreaterThan(0);
    expect(store.partition(keys.instance('i-0ccccccccccccccc2'))).toHaveLength(1);
    expect(stats.sshKeyPushes).toBe(1);
  });

  it('successful read-only calls (read-only indexing on) are not counted: the user asked for them', async () => {
    const reads = Array.from({ length: 30 }, (_, k) =>
      deniedDescribe(5, 400 + k, { errorCode: undefined, errorMessage: undefined }),
    );
    const { stats, store } = await ingest(reads, new MemoryStore(), { ...settings, includeReadOnly: true });
    expect(stats).toMatchObject({ indexed: 30, overBudget: 0 });
    for (const call of reads) expect(indexItemsOf(store, String(call.eventID))).toHaveLength(9);
  });

  it('is the same on every delivery of the file (decided in record order)', async () => {
    const denied = Array.from({ length: 30 }, (_, k) => deniedDescribe(5, 200 + k));
    const first = await ingest(denied, new MemoryStore(), settings);
    const before = new Map(first.store.items);
    const again = await ingest(denied, first.store, settings);
    expect(again.stats.overBudget).toBe(first.stats.overBudget);
    expect(new Map(again.store.items)).toEqual(before);
  });

  it('is 20,000 index items by default; TRAILWATCH_FILE_ITEM_BUDGET sets it (0 indexes no failed call)', async () => {
    expect(DEFAULT_SETTINGS.fileItemBudget).toBe(20_000);
    expect(settingsFromEnv({ TRAILWATCH_FILE_ITEM_BUDGET: '0' }).fileItemBudget).toBe(0);
    expect(() => settingsFromEnv({ TRAILWATCH_FILE_ITEM_BUDGET: 'lots' })).toThrow(
      expect.objectContaining({
        source: 'TRAILWATCH_FILE_ITEM_BUDGET',
        message: "expected a whole number of index items from 0 to 10000000, got 'lots'",
      }),
    );
    const { stats, store } = await ingest([deniedDescribe(2, 300)], new MemoryStore(), {
      ...DEFAULT_SETTINGS,
      fileItemBudget: 0,
    });
    expect(stats).toMatchObject({ indexed: 1, overBudget: 1, items: 1 });
    expect(store.items.size).toBe(1);
  });
});
