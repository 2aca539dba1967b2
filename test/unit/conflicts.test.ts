import { CONFLICT_SK_PREFIX, itemToConflict, sameRecord } from '../../lambda/core/conflicts';
import { EVENT_SK, keys, RECORD_HASH_ATTRIBUTE, type TableItem } from '../../lambda/core/items';
import { type FileStats, processLogFile } from '../../lambda/core/pipeline';
import { recordHash } from '../../lambda/core/record-hash';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { createMetrics, PowertoolsMetricsSink } from '../../lambda/powertools-metrics';
import { RecordingMetrics as Metrics } from '../helpers/metrics';
import { chunks, ec2Call, iamUser, keyPush, logFile, type Rec, rootUser } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * An event is written once: a later record with the same eventID and other content is a conflict,
 * never written over the first (CONTRACT "A duplicate … never changes the first"), while copies of
 * the same record (redeliveries, duplicates, reformatted exports) stay harmless.
 */

const NOW = Date.UTC(2026, 10, 24);

async function deliver(
  store: MemoryStore,
  source: string,
  data: Buffer,
  options: { metrics?: Metrics; seen?: Map<string, string>; now?: number } = {},
): Promise<FileStats> {
  return processLogFile(
    chunks(data, 1024),
    {
      source,
      settings: DEFAULT_SETTINGS,
      now: () => options.now ?? NOW,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.seen ? { seen: options.seen } : {}),
    },
    store,
  );
}

function snapshot(store: MemoryStore): Map<string, TableItem> {
  return new Map([...store.items].map(([k, v]) => [k, structuredClone(v)]));
}

const conflictItems = (store: MemoryStore, eventID: string): TableItem[] =>
  store.partition(keys.event(eventID)).filter((i) => i.sk.startsWith(CONFLICT_SK_PREFIX));

const INSTANCE = 'i-0aaaaaaaaaaaaaaa1';
const OTHER = 'i-0bbbbbbbbbbbbbbb2';
const stop = (instanceId: string, overrides: Rec = {}): Rec =>
  ec2Call('StopInstances', {
    requestParameters: { instancesSet: { items: [{ instanceId }] } },
    ...overrides,
  });

describe('record content hash', () => {
  const record = stop(INSTANCE, { userAgent: 'aws-cli/2 é', tags: { b: 1, a: [true, null, 'x'] } });

  it('is the same for the record reformatted: white space, string escapes, number spelling', () => {
    const reformatted = JSON.parse(
      JSON.stringify(record, null, 2).replace('"b": 1', '"b": 1.0').replace('é', '\\u00e9'),
    ) as Rec;
    expect(recordHash(reformatted)).toBe(recordHash(record));
    expect(recordHash(record)).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('differs when any value differs, however deep or small, and when keys are re-sorted (documented)', () => {
    const changed = structuredClone(record) as Rec & { tags: { a: unknown[] } };
    changed.tags.a[2] = 'y';
    expect(recordHash(changed)).not.toBe(recordHash(record));
    expect(recordHash({ ...record, userAgent: 'aws-cli/2 é ' })).not.toBe(recordHash(record));
    expect(recordHash({ a: '1' })).not.toBe(recordHash({ a: 1 }));
    // strings UTF-8 cannot carry (lone surrogates) stay apart
    expect(recordHash({ a: '\ud800' })).not.toBe(recordHash({ a: '\ud801' }));
    const resorted = Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(recordHash(resorted)).not.toBe(recordHash(record));
  });

  it('covers records nested as deep as the reader lets them (512 levels)', () => {
    const deep = JSON.parse(`${'['.repeat(511)}1${']'.repeat(511)}`);
    const deeper = JSON.parse(`${'['.repeat(511)}2${']'.repeat(511)}`);
    expect(recordHash(deep)).not.toBe(recordHash(deeper));
  });

  it('includes __proto__ keys (own properties of a parsed record)', () => {
    const a = JSON.parse('{"__proto__":{"x":1},"eventID":"e"}');
    const b = JSON.parse('{"__proto__":{"x":2},"eventID":"e"}');
    expect(recordHash(a)).not.toBe(recordHash(b));
  });
});

describe('an event is written once', () => {
  it('a forged record reusing a real eventID changes nothing indexed: counted, recorded once, reported with both files', async () => {
    const store = new MemoryStore();
    const original = stop(INSTANCE, { userIdentity: iamUser('alice', 'AKIAEXAMPLEALICE0001') });
    const forged = {
      ...original,
      userIdentity: iamUser('mallory', 'AKIAEXAMPLEMALLORY01'),
      requestParameters: { instancesSet: { items: [{ instanceId: OTHER }] } },
    };
    await deliver(store, 's3://b/AWSLogs/real.json.gz', logFile([original]));
    const before = snapshot(store);

    const metrics = new Metrics();
    const stats = await deliver(
      store,
      's3://b/AWSLogs/forged.json.gz',
      logFile([ec2Call('StartInstances'), forged]),
      {
        metrics,
        now: NOW + 60_000,
      },
    );
    expect(stats).toMatchObject({ status: 'indexed', records: 2, indexed: 1, conflicts: 1, duplicates: 0 });
    expect(stats.conflictReports).toEqual([
      {
        index: 1,
        eventID: original.eventID,
        recordHash: recordHash(forged),
        originalHash: recordHash(original),
        originalSource: 's3://b/AWSLogs/real.json.gz',
      },
    ]);
    expect(metrics.counts.EventConflicts).toBe(1);

    // every item of the original is as it was; nothing of the forged record's is there
    for (const [key, item] of before) expect(store.items.get(key)).toEqual(item);
    expect(store.partition(keys.instance(OTHER))).toEqual([]);
    expect(store.partition(keys.user('name:mallory'))).toEqual([]);
    const [conflict] = conflictItems(store, String(original.eventID));
    expect(itemToConflict(conflict as TableItem)).toEqual({
      eventID: original.eventID,
      recordHash: recordHash(forged),
      detectedAt: new Date(NOW + 60_000).toISOString(),
      eventTime: '2025-03-01T10:00:00Z',
      eventName: 'StopInstances',
      principalArn: 'arn:aws:iam::111122223333:user/mallory',
      sourceIPAddress: '198.51.100.7',
      source: 's3://b/AWSLogs/forged.json.gz',
      originalHash: recordHash(original),
      originalSource: 's3://b/AWSLogs/real.json.gz',
    });

    // the forged file again (a retry, a redelivery): still a conflict, recorded and alarmed once
    const again = new Metrics();
    const second = await deliver(store, 's3://b/AWSLogs/forged.json.gz', logFile([forged]), {
      metrics: again,
      now: NOW + 120_000,
    });
    expect(second.conflicts).toBe(1);
    expect(again.counts.EventConflicts).toBeUndefined();
    expect(conflictItems(store, String(original.eventID))).toEqual([conflict]);
  });

  it('the same record delivered again, or reformatted (pretty-printed), is not a conflict', async () => {
    const store = new MemoryStore();
    const record = stop(INSTANCE);
    await deliver(store, 's3://b/one.json.gz', logFile([record]));
    const before = snapshot(store);
    const pretty = Buffer.from(JSON.stringify({ Records: [record] }, null, 2));
    const metrics = new Metrics();
    const stats = await deliver(store, 'file:///export.json', pretty, { metrics, now: NOW + 3_600_000 });
    expect(stats).toMatchObject({ indexed: 1, conflicts: 0 });
    expect(metrics.counts.EventConflicts).toBeUndefined();
    // the first write stands as it was, TTL and log file included
    expect(snapshot(store)).toEqual(before);
  });

  it('in one run, a repeated record is a duplicate and a different one under its eventID a conflict', async () => {
    const store = new MemoryStore();
    const seen = new Map<string, string>();
    const a = stop(INSTANCE);
    const a2 = { ...a, sourceIPAddress: '203.0.113.9' };
    const first = await deliver(store, 'file:///1.json', logFile([a, a]), { seen });
    const second = await deliver(store, 'file:///2.json', logFile([a, a2]), { seen });
    expect(first).toMatchObject({ indexed: 1, duplicates: 1, conflicts: 0 });
    expect(second).toMatchObject({ indexed: 0, duplicates: 1, conflicts: 1 });
    expect(second.conflictReports[0]).toMatchObject({ index: 1, originalSource: 'file:///1.json' });
  });

  it('a conflicting SSH key push is neither indexed nor judged: the findings are those of the original', async () => {
    const store = new MemoryStore();
    const push = keyPush({}, { instanceId: INSTANCE });
    await deliver(store, 's3://b/real.json.gz', logFile([push]));
    const before = snapshot(store);
    const forged = keyPush(
      { eventID: push.eventID, userIdentity: rootUser() },
      { instanceId: OTHER, instanceOSUser: 'root' },
    );
    const metrics = new Metrics();
    const stats = await deliver(store, 's3://b/forged.json.gz', logFile([forged]), { metrics });
    expect(stats).toMatchObject({ conflicts: 1, indexed: 0, sshKeyPushes: 0, findings: 0 });
    expect(metrics.findings).toEqual([]);
    expect([...store.items].filter(([k]) => !before.has(k)).map(([, i]) => i.kind)).toEqual(['conflict']);
    for (const [key, item] of before) expect(store.items.get(key)).toEqual(item);
  });

  it('event items written before content hashes: the same call is a copy, another principal a conflict', async () => {
    const store = new MemoryStore();
    const original = stop(INSTANCE);
    await deliver(store, 's3://b/old.json.gz', logFile([original]));
    // as the previous version wrote it: no recordHash
    const key = `${keys.event(String(original.eventID))}|${EVENT_SK}`;
    const { [RECORD_HASH_ATTRIBUTE]: _h, ...legacy } = store.items.get(key) as TableItem;
    store.items.set(key, legacy as TableItem);
    expect(sameRecord(legacy, store.items.get(key) as TableItem)).toBe(true);

    const copy = await deliver(store, 's3://b/again.json.gz', logFile([original]));
    expect(copy).toMatchObject({ indexed: 1, conflicts: 0 });
    const forged = await deliver(
      store,
      's3://b/forged.json.gz',
      logFile([{ ...original, userIdentity: iamUser('mallory') }]),
    );
    expect(forged.conflicts).toBe(1);
    expect(forged.conflictReports[0]).not.toHaveProperty('originalHash');
    expect(store.items.get(key)).toEqual(legacy);
  });

  it('a file cut short after some event items were written is completed by its redelivery, without conflicts', async () => {
    // the store fails every write after the fifth: the file fails, its redelivery finds its own items
    class FailingStore extends MemoryStore {
      budget = 5;
      override async write(items: readonly TableItem[]): Promise<void> {
        if (this.budget-- <= 0) throw new Error('injected: the table went away');
        await super.write(items);
      }
    }
    const records = Array.from({ length: 40 }, (_, k) =>
      stop(`i-0${k.toString(16).padStart(16, '0')}`, {
        eventTime: `2025-03-01T10:${String(k).padStart(2, '0')}:00Z`,
      }),
    );
    const store = new FailingStore();
    const failed = await deliver(store, 's3://b/f.json.gz', logFile(records));
    expect(failed.status).toBe('failed');
    store.budget = Number.POSITIVE_INFINITY;
    const redelivered = await deliver(store, 's3://b/f.json.gz', logFile(records));
    expect(redelivered).toMatchObject({ status: 'indexed', indexed: 40, conflicts: 0 });
    const clean = new MemoryStore();
    await deliver(clean, 's3://b/f.json.gz', logFile(records));
    expect(snapshot(store)).toEqual(snapshot(clean));
  });
});

describe('the EventConflicts metric', () => {
  it('is published at once, with no dimension (a later crash cannot lose it); ObjectsRefused and EventsOverBudget are buffered', () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const metrics = createMetrics();
    try {
      const sink = new PowertoolsMetricsSink(metrics);
      sink.count('ObjectsRefused', 1);
      sink.count('EventsOverBudget', 3);
      sink.count('EventConflicts', 1);
    } finally {
      spy.mockRestore();
    }
    const docs = lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map(
        (l) =>
          JSON.parse(l) as Record<string, unknown> & {
            _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
          },
      );
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({ EventConflicts: 1 });
    expect(docs[0]?._aws.CloudWatchMetrics[0]?.Namespace).toBe('Trailwatch');
    expect(docs[0]?._aws.CloudWatchMetrics[0]?.Dimensions.flat()).toEqual([]);
    expect(metrics.hasStoredMetrics()).toBe(true);
  });
});
