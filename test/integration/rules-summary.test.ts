import type { PartitionRead } from '../../lambda/core/findings';
import { itemToFinding } from '../../lambda/core/findings';
import { keys } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { SUMMARY_VERDICT_SK, summaryPartition } from '../../lambda/core/rules';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import type { EventStore } from '../../lambda/store/event-store';
import { type LocalDynamo, startDynalite, storeAt } from '../helpers/dynalite';
import { assumedRole, chunks, ED25519_FINGERPRINT, keyPush, logFile, type Rec } from '../helpers/records';

/**
 * ssh-key-multi-principal on the DynamoDB path (EventStore on dynalite): a file reads the key's
 * summary in one Query, its verdict item first (it sorts after every value, and the read is newest
 * first), whatever the number of principals, and never the key's whole partition once the verdict
 * item says the earlier pushes have their finding.
 */

const KEY = keys.sshKey(ED25519_FINGERPRINT);
const T0 = Date.UTC(2025, 2, 1, 10);
const push = (minute: number, session: string): Rec =>
  keyPush(
    {
      eventTime: new Date(T0 + minute * 60_000).toISOString().replace('.000Z', 'Z'),
      userIdentity: assumedRole('Ops', session),
    },
    { instanceId: `i-0${minute.toString(16).padStart(16, '0')}`, instanceOSUser: 'ec2-user' },
  );

describe('ssh-key-multi-principal reads a summary through the store (dynalite)', () => {
  let dynamo: LocalDynamo;
  let store: EventStore;
  const reads: { pk: string; options: PartitionRead; items: Record<string, unknown>[] }[] = [];

  beforeAll(async () => {
    dynamo = await startDynalite();
    store = await storeAt(dynamo.endpoint, { tableName: 'rules-summary' });
    const read = store.readPartition.bind(store);
    store.readPartition = async (pk, options = {}) => {
      const items = await read(pk, options);
      reads.push({ pk, options, items });
      return items;
    };
  });
  afterAll(() => dynamo.close());

  const ingest = (records: Rec[]) =>
    processLogFile(
      chunks(logFile(records)),
      { source: 's3://b/k.json.gz', settings: DEFAULT_SETTINGS },
      store,
    );

  it('with more principals than a read holds, the verdict item comes first and no whole partition is read', async () => {
    // 105 principals, then 3 more files
    const first = await ingest(Array.from({ length: 105 }, (_, i) => push(i, `user-${i}`)));
    expect(first.findingsByRule['ssh-key-multi-principal']).toBe(105);
    for (const minute of [200, 400, 600]) {
      reads.length = 0;
      const stats = await ingest([push(minute, 'user-0')]);
      expect(stats.findingsByRule['ssh-key-multi-principal']).toBe(1);
      const summary = reads.filter((r) => r.pk === summaryPartition('ssh-key-multi-principal', KEY));
      expect(summary).toHaveLength(1);
      expect(summary[0]?.items).toHaveLength(101);
      expect(summary[0]?.items[0]?.sk).toBe(SUMMARY_VERDICT_SK);
      expect(reads.filter((r) => r.pk === KEY && r.options.sinceMs === undefined)).toEqual([]);
    }
    const { items } = await store.query(keys.findings('ssh-key-multi-principal'), { limit: 1 });
    expect(itemToFinding(items[0] ?? {}).detail).toMatch(/^key pushed by 100 or more principals: /);
  });
});
