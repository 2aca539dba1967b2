import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { itemToEvent } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';
import { chunks } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';
import { deliveryText } from './generate';
import { MB, quick, ROOT, report, round } from './measure-common';

/** P3 store write throughput on dynalite. */

/* ------------------------------------------------------------------ P3 */

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function p3(): Promise<void> {
  // dynalite in its own process, as a database server would be
  const port = await freePort();
  const server: ChildProcess = spawn(
    process.execPath,
    ['-e', `require('dynalite')({ createTableMs: 0 }).listen(${port}, '127.0.0.1')`],
    { cwd: ROOT, stdio: 'ignore' },
  );
  try {
    const endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 100; i++) {
      try {
        await fetch(endpoint);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const client = createDocumentClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const events = quick ? 200 : 1500;
    // items of real-looking events: the selected events of a generated file
    const memory = new MemoryStore();
    const generated = deliveryText(quick ? 4 * MB : 24 * MB).text;
    await processLogFile(chunks(generated), { source: 'bench', settings: DEFAULT_SETTINGS }, memory);
    const all = [...memory.items.values()];
    const eventItems = all.filter((i) => i.kind === 'event').slice(0, events);
    const ids = new Set(eventItems.map((i) => itemToEvent(i).eventID));
    const items = all.filter((i) => i.kind !== 'finding' && ids.has(itemToEvent(i).eventID));
    // the same events as a log file, for the whole write path (event items conditional, one at a
    // time, index items in batches once their event item is stored)
    const selected = (
      JSON.parse(generated.toString('utf8')) as { Records: { eventID?: string }[] }
    ).Records.filter((r) => r.eventID !== undefined && ids.has(r.eventID));
    const logText = Buffer.from(JSON.stringify({ Records: selected }));
    const table = async (name: string): Promise<EventStore> => {
      const store = new EventStore({ tableName: name, client });
      await store.createTableIfMissing();
      return store;
    };
    // warm dynalite up (its JIT and LevelDB) before anything is timed
    await (await table('bench-warmup')).write(items);

    const rawLoop = async (name: string): Promise<number> => {
      const t = performance.now();
      for (let i = 0; i < items.length; i += 25) {
        let requests = items
          .slice(i, i + 25)
          .map((Item) => ({ PutRequest: { Item: Item as Record<string, unknown> } }));
        while (requests.length > 0) {
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [name]: requests } }));
          requests = (out.UnprocessedItems?.[name] ?? []) as typeof requests;
        }
      }
      return performance.now() - t;
    };
    const putEach = async (name: string): Promise<number> => {
      const t = performance.now();
      for (const item of items)
        await client.send(new PutCommand({ TableName: name, Item: item as Record<string, unknown> }));
      return performance.now() - t;
    };
    await table('bench-raw');
    const rawMs = await rawLoop('bench-raw');
    const ours = await table('bench-ours');
    const t = performance.now();
    await ours.write(items);
    const oursMs = performance.now() - t;
    await table('bench-put');
    const putMs = await putEach('bench-put');
    const pipelineStore = await table('bench-pipeline');
    const tp = performance.now();
    const indexed = await processLogFile(
      chunks(logText),
      { source: 'bench', settings: DEFAULT_SETTINGS },
      pipelineStore,
    );
    const pipelineMs = performance.now() - tp;
    if (indexed.indexed !== eventItems.length)
      throw new Error(`P3: the pipeline indexed ${indexed.indexed} of ${eventItems.length} events`);
    client.destroy();

    const itemsPerSec = (ms: number): number => items.length / (ms / 1000);
    const details = {
      events: eventItems.length,
      items: items.length,
      trailwatchItemsPerSec: round(itemsPerSec(oursMs)),
      rawBatchLoopItemsPerSec: round(itemsPerSec(rawMs)),
      putItemPerEventItemsPerSec: round(itemsPerSec(putMs)),
      trailwatchEventsPerSec: round(eventItems.length / (oursMs / 1000)),
      pipelineEventsPerSec: round(eventItems.length / (pipelineMs / 1000)),
      pipelineRequests: pipelineStore.metrics.requests,
    };
    const vsRaw = rawMs / oursMs;
    const vsPut = putMs / oursMs;
    report({
      id: 'P3',
      name: 'store write throughput vs a raw BatchWriteItem loop (same items)',
      value: vsRaw,
      unit: 'x',
      target: '>= 0.9',
      pass: vsRaw >= 0.9,
      details,
    });
    report({
      id: 'P3',
      name: 'indexing a file (conditional event items, batched index items) vs a raw BatchWriteItem loop of its items',
      value: rawMs / pipelineMs,
      unit: 'x',
      target: 'reported',
      pass: true,
      details,
    });
    report({
      id: 'P3',
      name: 'store write throughput vs one PutItem per item (same items)',
      value: vsPut,
      unit: 'x',
      target: '>= 5',
      pass: vsPut >= 5,
      details,
    });
  } finally {
    server.kill();
  }
}
