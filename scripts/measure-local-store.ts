/**
 * `npx tsx scripts/measure-local-store.ts [--items=N]`: the embedded store's candidates side by side in
 * one run on this machine (docs/architecture.md "The local store"): the previous embedded store
 * (dynalite on LevelDB, in this process, through the AWS SDK and loopback HTTP, with the iterator
 * fix) and the SQLite local store (bin/cli/local-store, in this process). The same items (index
 * items of about 700 bytes over 5,000 partitions), the same calls an ingest makes: writes in chunks
 * of 100, once-writes of event items, string-set additions, and reads of a partition's 50 newest.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalStore } from '../bin/cli/local-store/open';
import { EVENT_SK, keys, type TableItem } from '../lambda/core/items';
import type { TrailStore } from '../lambda/core/store-port';
import { createDocumentClient, EventStore } from '../lambda/store/event-store';
import { startDynalite } from '../test/helpers/dynalite';

const itemsArg = process.argv.find((a) => a.startsWith('--items='));
const ITEMS = itemsArg ? Number(itemsArg.slice('--items='.length)) : 100_000;
const PARTITIONS = 5000;
const ONCE = Math.round(ITEMS / 7);
const READS = 5000;

function indexItem(i: number): TableItem {
  const p = i % PARTITIONS;
  return {
    pk: `INSTANCE#i-${String(p).padStart(17, '0')}`,
    sk: `${new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString()}#${i.toString(16).padStart(8, '0')}-4b1d-9c2e-7f00aa55e${i % 1000}`,
    kind: 'instance',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'StartInstances',
    awsRegion: 'eu-west-1',
    accountId: '123456789012',
    readOnly: false,
    sourceIPAddress: `198.51.100.${i % 250}`,
    userAgent:
      'aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/ec2.start-instances',
    principal: {
      type: 'AssumedRole',
      arn: `arn:aws:sts::123456789012:assumed-role/Deployer/user${i % 40}@example.com`,
      accessKeyId: `ASIA${String(i).padStart(16, '0')}`,
    },
    instanceIds: [`i-${String(p).padStart(17, '0')}`],
    expiresAt: 1_900_000_000,
  };
}

type Timings = Record<string, number>;

async function measure(store: TrailStore): Promise<Timings> {
  const rate = (n: number, ms: number): number => Math.round(n / (ms / 1000));
  const items = Array.from({ length: ITEMS }, (_, i) => indexItem(i));
  let t = performance.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < items.length; i += 100) {
    writes.push(store.write(items.slice(i, i + 100)));
    if (writes.length >= 8) await writes.shift();
  }
  await Promise.all(writes);
  const out: Timings = { 'writes, items/s': rate(ITEMS, performance.now() - t) };
  t = performance.now();
  const once = Array.from({ length: ONCE }, (_, i) => ({
    ...indexItem(i),
    pk: keys.event(`e${i}`),
    sk: EVENT_SK,
  }));
  for (let i = 0; i < once.length; i += 16)
    await Promise.all(once.slice(i, i + 16).map((e) => store.createItem(e)));
  out['once-writes (16 at once), items/s'] = rate(ONCE, performance.now() - t);
  t = performance.now();
  for (let i = 0; i < READS; i += 8)
    await Promise.all(
      items
        .slice(i, i + 8)
        .map((it) => store.addToStringSet(it.pk, it.sk, 'findings', ['ssh-key-multi-instance'])),
    );
  out['set additions (8 at once), /s'] = rate(READS, performance.now() - t);
  t = performance.now();
  for (let i = 0; i < READS; i++) await store.query(indexItem(i).pk, { limit: 50 });
  out['reads of 50 newest, one at a time, /s'] = rate(READS, performance.now() - t);
  return out;
}

async function previousStore(dir: string): Promise<{ store: TrailStore; close(): Promise<void> }> {
  const dynamo = await startDynalite({ path: join(dir, 'dynamodb') });
  const client = createDocumentClient({
    endpoint: dynamo.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const store = new EventStore({ tableName: 'trailwatch', client });
  await store.createTableIfMissing();
  return {
    store,
    close: async () => {
      client.destroy();
      await dynamo.close();
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'trailwatch-measure-store-'));
  try {
    const results: Record<string, Timings> = {};
    for (const [name, open] of [
      ['dynalite (LevelDB, SDK + HTTP, in process)', () => previousStore(join(dir, 'a'))],
      ['SQLite local store (in process)', () => openLocalStore(join(dir, 'b'))],
    ] as const) {
      const opened = await open();
      try {
        results[name] = await measure(opened.store);
      } finally {
        await opened.close();
      }
    }
    console.log(
      `${ITEMS} items over ${PARTITIONS} partitions, ${ONCE} once-writes, ${READS} additions and reads`,
    );
    console.table(results);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
