import fc from 'fast-check';
import type { PartitionRead } from '../../lambda/core/findings';
import { findingList, keys } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { SUMMARY_PREFIX } from '../../lambda/core/rules';
import { DEFAULT_SETTINGS, type Settings } from '../../lambda/core/settings';
import { RecordingMetrics } from '../helpers/metrics';
import {
  assumedRole,
  chunks,
  ED25519_FINGERPRINT,
  iamUser,
  keyPush,
  logFile,
  type Rec,
  rootUser,
} from '../helpers/records';
import { MemoryStore } from '../helpers/writer';

/**
 * The rules phase costs a file what its own windows hold, not what the index holds (issue 14,
 * "linear cost"): ssh-key-multi-principal reads a per-key summary, the windowed rules read around the
 * file's events, and an event's findings are recorded in one batch of additions.
 */

const KEY = keys.sshKey(ED25519_FINGERPRINT);
const alice = iamUser('alice', 'AKIAEXAMPLEALICE0001');
const bob = assumedRole('Ops', 'bob');
const carol = iamUser('carol', 'AKIAEXAMPLECAROL0001');
const T0 = Date.UTC(2025, 2, 1, 10);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

let instance = 0;
/** A push of the test key at `ms`, to a new instance. */
const push = (ms: number, who: Rec = alice, extra: Rec = {}): Rec =>
  keyPush(
    { eventTime: iso(ms), userIdentity: who, ...extra },
    { instanceId: `i-0${(++instance).toString(16).padStart(16, '0')}`, instanceOSUser: 'ec2-user' },
  );

/** `count` pushes, one every `everyMs`, ending `everyMs` before `endMs`, alternating principals. */
const pushesBefore = (endMs: number, count: number, who: readonly Rec[], everyMs = 10 * 60_000): Rec[] =>
  Array.from({ length: count }, (_, i) => push(endMs - (count - i) * everyMs, who[i % who.length]));

interface Read {
  readonly pk: string;
  readonly options: PartitionRead;
  readonly items: number;
}

/** A memory store that keeps the reads of the rules phase. */
class ReadCounting extends MemoryStore {
  reads: Read[] = [];
  override async readPartition(pk: string, options: PartitionRead = {}): Promise<Record<string, unknown>[]> {
    const items = await super.readPartition(pk, options);
    this.reads.push({ pk, options, items: items.length });
    return items;
  }
  itemsRead(): number {
    return this.reads.reduce((n, r) => n + r.items, 0);
  }
}

async function ingest(
  store: MemoryStore,
  records: Rec[],
  settings: Settings = DEFAULT_SETTINGS,
  metrics = new RecordingMetrics(),
) {
  const stats = await processLogFile(
    chunks(logFile(records)),
    { source: 's3://b/k.json.gz', settings, metrics },
    store,
  );
  expect(stats.status).not.toBe('failed');
  return stats;
}

/** History in files of 200 pushes. */
async function ingestHistory(store: MemoryStore, records: Rec[], settings: Settings = DEFAULT_SETTINGS) {
  for (let i = 0; i < records.length; i += 200) await ingest(store, records.slice(i, i + 200), settings);
}

const eventIdsWith = (store: MemoryStore, rule: string): string[] =>
  store
    .partition(keys.findings(rule))
    .map((i) => String(i.eventID))
    .sort();

const listsOnEventItem = (store: MemoryStore, eventID: string, rule: string): boolean =>
  findingList(store.items.get(`${keys.event(eventID)}|EVENT`)?.findings).includes(rule);

describe('ssh-key-multi-principal reads the key summary, not its history', () => {
  it('costs a file the same reads whether the key has 160 or 1,600 earlier pushes', async () => {
    const read: number[] = [];
    // a push every 10 minutes: the last day, which the widest window reads (the pushes' source address
    // for ec2-instance-credentials-elsewhere, 12 hours), is the same in both
    for (const count of [160, 1600]) {
      const store = new ReadCounting();
      await ingestHistory(store, pushesBefore(T0, count, [alice, bob]));
      store.reads = [];
      await ingest(store, [push(T0), push(T0 + 60_000, carol), push(T0 + 120_000)]);
      // never the whole key partition: only ranges around the file's pushes
      expect(store.reads.filter((r) => r.pk === KEY && r.options.sinceMs === undefined)).toEqual([]);
      read.push(store.itemsRead());
    }
    expect(read[1]).toBe(read[0]);
  });

  it('a second principal after a long history gives every earlier push the finding once; the next file reads the summary only', async () => {
    const store = new ReadCounting();
    const history = pushesBefore(T0, 300, [alice], 60 * 60_000);
    await ingestHistory(store, history);
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).toEqual([]);
    const metrics = new RecordingMetrics();
    const turning = push(T0, bob);
    await ingest(store, [turning], DEFAULT_SETTINGS, metrics);
    const all = [...history, turning].map((r) => String(r.eventID)).sort();
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).toEqual(all);
    expect(metrics.findings.filter((r) => r === 'ssh-key-multi-principal')).toHaveLength(301);
    expect(all.every((id) => listsOnEventItem(store, id, 'ssh-key-multi-principal'))).toBe(true);

    store.reads = [];
    const next = new RecordingMetrics();
    const later = push(T0 + 5 * 3_600_000);
    await ingest(store, [later], DEFAULT_SETTINGS, next);
    expect(next.findings.filter((r) => r === 'ssh-key-multi-principal')).toHaveLength(1);
    const keyReads = store.reads.filter((r) => r.pk === KEY || r.pk.startsWith(SUMMARY_PREFIX));
    // the summary (its verdict item, two principals), and the key's pushes within two hours of the
    // new one (only itself: the others are hours before), not its 302 pushes
    expect(keyReads.map((r) => [r.pk.split('#')[0], r.options.sinceMs === undefined, r.items])).toEqual([
      ['SUMMARY', true, 3],
      ['KEY', false, 1],
    ]);
  });

  it('a lowered threshold gives the earlier pushes their finding at the next push', async () => {
    const three: Settings = {
      ...DEFAULT_SETTINGS,
      detection: { ...DEFAULT_SETTINGS.detection, multiPrincipalThreshold: 3 },
    };
    const store = new MemoryStore();
    const earlier = pushesBefore(T0, 6, [alice, bob]);
    await ingestHistory(store, earlier, three);
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).toEqual([]);
    const next = push(T0);
    await ingest(store, [next]);
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).toEqual(
      [...earlier, next].map((r) => String(r.eventID)).sort(),
    );
  });

  it('an index written before summaries existed is seeded from the key partition', async () => {
    const store = new MemoryStore();
    const earlier = pushesBefore(T0, 4, [alice]);
    await ingest(store, earlier);
    // as the previous version left it: no summary items
    for (const [k, item] of store.items) if (item.pk.startsWith(SUMMARY_PREFIX)) store.items.delete(k);
    const next = push(T0, bob);
    await ingest(store, [next]);
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).toEqual(
      [...earlier, next].map((r) => String(r.eventID)).sort(),
    );
    const values = [...store.items.values()].filter(
      (i) => i.pk.startsWith(SUMMARY_PREFIX) && i.sk.startsWith('V#'),
    );
    expect(values.map((i) => i.value).sort()).toEqual([
      'arn:aws:iam::111122223333:user/alice',
      'arn:aws:sts::111122223333:assumed-role/Ops/bob',
    ]);
  });

  it('after a principal expired, the pushes made alone get the finding when a second principal returns', async () => {
    const store = new MemoryStore();
    await ingest(store, [push(T0 - 3_600_000), push(T0 - 3_000_000, bob)]);
    // bob's value item past its TTL (the store no longer returns it)
    for (const [k, item] of store.items)
      if (item.pk.startsWith(SUMMARY_PREFIX) && String(item.value).includes('bob')) store.items.delete(k);
    const alone = push(T0);
    await ingest(store, [alone]);
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).not.toContain(alone.eventID);
    await ingest(store, [push(T0 + 3_600_000, bob)]);
    expect(eventIdsWith(store, 'ssh-key-multi-principal')).toContain(alone.eventID);
  });

  it('files ingested at the same time give the findings of files ingested one after the other', async () => {
    const records = [
      ...pushesBefore(T0, 8, [alice, bob, carol, rootUser()], 7 * 60_000),
      ...pushesBefore(T0 + 3 * 3_600_000, 5, [alice], 25 * 60_000),
    ];
    const baseline = new MemoryStore();
    await ingest(baseline, records);
    const expected = eventIdsWith(baseline, 'ssh-key-multi-principal');
    expect(expected).toHaveLength(records.length);
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(records, { minLength: records.length, maxLength: records.length }),
        fc.array(fc.integer({ min: 1, max: records.length - 1 }), { maxLength: 5 }),
        async (shuffled, cuts) => {
          const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), shuffled.length];
          const store = new MemoryStore();
          const files = bounds.slice(1).map((end, i) => shuffled.slice(bounds[i], end));
          await Promise.all(files.filter((f) => f.length > 0).map((f) => ingest(store, f)));
          expect(eventIdsWith(store, 'ssh-key-multi-principal')).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('windowed rules read around the file events', () => {
  it('a file with pushes three days apart reads their two windows, not the days between', async () => {
    const store = new ReadCounting();
    // a push every 10 minutes for three days
    await ingestHistory(store, pushesBefore(T0 + 3 * 86_400_000, 432, [alice]));
    store.reads = [];
    await ingest(store, [push(T0 + 5 * 60_000), push(T0 + 3 * 86_400_000 - 5 * 60_000)]);
    const keyReads = store.reads.filter((r) => r.pk === KEY);
    expect(keyReads).toHaveLength(2);
    for (const r of keyReads) expect((r.options.untilMs ?? 0) - (r.options.sinceMs ?? 0)).toBe(4 * 3_600_000);
    // about two hours of history on either side of each push: 24 pushes per window at most
    expect(keyReads.reduce((n, r) => n + r.items, 0)).toBeLessThanOrEqual(2 * (24 + 1));
  });
});

describe("an event's findings on its items", () => {
  it('a new event lists its stateless findings from its first write: no addition at all', async () => {
    const store = new MemoryStore();
    const root = keyPush({ eventTime: iso(T0), userIdentity: rootUser() }, { instanceOSUser: 'root' });
    const stats = await ingest(store, [root]);
    expect(stats.findingsByRule).toEqual({ 'ssh-root-identity': 1, 'ssh-root-os-user': 1 });
    expect(store.additionCalls).toBe(0);
    for (const item of [...store.items.values()].filter((i) => i.kind !== 'finding' && i.kind !== 'summary'))
      expect(findingList(item.findings)).toEqual(['ssh-root-identity', 'ssh-root-os-user']);
  });

  it("an event's stateful findings are added to all its items in one call", async () => {
    const store = new MemoryStore();
    const pushes = [push(T0), push(T0 + 60_000, bob)];
    await ingest(store, pushes);
    // both rules fire on both pushes: one call each, for all their items and both rules
    expect(store.additionCalls).toBe(2);
    for (const item of [...store.items.values()].filter((i) => i.kind !== 'finding' && i.kind !== 'summary'))
      expect(findingList(item.findings)).toEqual(['ssh-key-multi-instance', 'ssh-key-multi-principal']);
  });

  it('a redelivered event whose stored item lacks a stateless finding (settings changed) gets it added', async () => {
    const store = new MemoryStore();
    const root = keyPush({ eventTime: iso(T0) }, { instanceOSUser: 'root' });
    const none: Settings = {
      ...DEFAULT_SETTINGS,
      detection: { ...DEFAULT_SETTINGS.detection, privilegedOsUsers: [] },
    };
    await ingest(store, [root], none);
    expect(listsOnEventItem(store, String(root.eventID), 'ssh-root-os-user')).toBe(false);
    await ingest(store, [root]);
    expect(listsOnEventItem(store, String(root.eventID), 'ssh-root-os-user')).toBe(true);
  });

  it('a finding whose by-rule item failed to write is counted once, and its redelivery writes the item', async () => {
    const store = new MemoryStore();
    const putIfAbsent = store.putItemIfAbsent.bind(store);
    let failures = 1;
    store.putItemIfAbsent = async (item) => {
      if (item.pk.startsWith('FINDINGS#') && failures-- > 0) throw new Error('throttled');
      return putIfAbsent(item);
    };
    const root = keyPush({ eventTime: iso(T0), userIdentity: rootUser() }, { instanceOSUser: 'ec2-user' });
    const first = new RecordingMetrics();
    const failed = await processLogFile(
      chunks(logFile([root])),
      { source: 's3://b/k.json.gz', settings: DEFAULT_SETTINGS, metrics: first },
      store,
    );
    expect(failed.status).toBe('failed');
    expect(eventIdsWith(store, 'ssh-root-identity')).toEqual([]);
    const again = new RecordingMetrics();
    await ingest(store, [root], DEFAULT_SETTINGS, again);
    // the metric once in all, whichever delivery created the marker
    expect([...first.findings, ...again.findings]).toEqual(['ssh-root-identity']);
    expect(eventIdsWith(store, 'ssh-root-identity')).toEqual([root.eventID]);
  });
});
