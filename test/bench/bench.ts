/**
 * `npm run bench` (add `-- --json` for one JSON object per measurement, `-- --quick` for a small
 * smoke run whose numbers are reported but not judged): measurements of the pipeline taken side by
 * side in one run, reported as ratios against their targets. Absolute times depend on the machine;
 * ratios are what is compared. Exit code 1 when a target is missed.
 *
 * P1 extraction throughput (file → index items, no store) against the naive baseline
 *    (gunzipSync + JSON.parse + filter) and against gunzip alone.
 * P2 peak memory (RSS) while processing files of growing size, each in a fresh process.
 * P3 store write throughput on dynalite, against a raw BatchWriteItem loop and one PutItem per event.
 * P4 item sizes (p50/p99/max) and write units per indexed event on the real corpus.
 * P6 the Lambda bundle size, and its module init time against a bare import of the SDK clients.
 *
 * `-- --only P1,P3` runs some of them.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { buildSync } from 'esbuild';
import { dynamoItemSize, itemToEvent, type TableItem } from '../../lambda/core/items';
import { type IndexStore, processLogFile } from '../../lambda/core/pipeline';
import { selectRecord } from '../../lambda/core/select';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { createDocumentClient, EventStore } from '../../lambda/store/event-store';
import { chunks } from '../helpers/records';
import { MemoryStore } from '../helpers/writer';
import { deliveryText, writeDeliveryFile } from './generate';

const ROOT = join(__dirname, '..', '..');
const CACHE = join(ROOT, '.bench');
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
/** `--only P1,P3`: run some of the measurements. */
const onlyArg = process.argv.find((a) => a.startsWith('--only'));
const only = onlyArg
  ? new Set(
      (onlyArg.includes('=')
        ? onlyArg.slice(onlyArg.indexOf('=') + 1)
        : (process.argv[process.argv.indexOf(onlyArg) + 1] ?? '')
      )
        .toUpperCase()
        .split(','),
    )
  : undefined;
const wanted = (id: string): boolean => only === undefined || only.has(id);
const MB = 1024 * 1024;

interface Measurement {
  id: string;
  name: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
  details?: Record<string, unknown>;
}
const results: Measurement[] = [];

function report(m: Measurement): void {
  results.push(m);
  // a --quick run is a smoke test of the machinery on small files: it says so in every line
  if (json) console.log(JSON.stringify(quick ? { ...m, smoke: true } : m));
  else
    console.error(
      `  ${m.id} ${m.name}: ${round(m.value)} ${m.unit} (target ${m.target}) ${m.pass ? 'PASS' : 'FAIL'}`,
    );
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** A store that keeps nothing: the pipeline's own work, without a database. */
const NO_STORE: IndexStore = {
  write: async () => undefined,
  putItem: async () => undefined,
  putItemIfAbsent: async () => true,
  createItem: async () => ({ created: true }),
  addToStringSet: async () => undefined,
  readPartition: async () => [],
};

/* ------------------------------------------------------------------ P1 */

/** The built pipeline (dist/), as the CLI runs it and close to the Lambda's bundle. */
function built(): { processLogFile: typeof processLogFile } {
  const path = join(ROOT, 'dist', 'lambda', 'core', 'pipeline.js');
  if (!existsSync(path))
    throw new Error('the benchmark needs the build: run npm run build (npm run bench does)');
  return require(path) as { processLogFile: typeof processLogFile };
}

async function p1(): Promise<void> {
  const size = quick ? 8 * MB : 64 * MB;
  const { text, records } = deliveryText(size);
  const gz = gzipSync(text);
  const pipeline = built();
  const methods: Record<string, () => Promise<unknown>> = {
    gunzip: async () => gunzipSync(gz),
    naive: async () =>
      (JSON.parse(gunzipSync(gz).toString('utf8')) as { Records: Record<string, unknown>[] }).Records.filter(
        (r) => selectRecord(r, DEFAULT_SETTINGS) === 'indexed',
      ),
    trailwatch: () =>
      pipeline.processLogFile(chunks(gz, MB), { source: 'bench', settings: DEFAULT_SETTINGS }, NO_STORE),
  };
  const times: Record<string, number[]> = { gunzip: [], naive: [], trailwatch: [] };
  // the first rounds warm the JIT up (a Lambda container processes file after file); then measure
  const warmup = quick ? 2 : 4;
  const rounds = quick ? 3 : 7;
  for (let round = 0; round < warmup + rounds; round++) {
    for (const [name, run] of Object.entries(methods)) {
      const t = performance.now();
      await run();
      if (round >= warmup) times[name]?.push(performance.now() - t);
    }
  }
  const mbps = (name: string): number => text.length / MB / (median(times[name] ?? []) / 1000);
  const details = {
    fileMB: round(text.length / MB),
    records,
    gunzipMBps: round(mbps('gunzip')),
    naiveMBps: round(mbps('naive')),
    trailwatchMBps: round(mbps('trailwatch')),
    warmup,
    rounds,
  };
  const vsNaive = mbps('trailwatch') / mbps('naive');
  const vsGunzip = mbps('trailwatch') / mbps('gunzip');
  report({
    id: 'P1',
    name: 'extraction throughput vs naive (gunzipSync + JSON.parse + filter)',
    value: vsNaive,
    unit: 'x',
    target: '>= 2',
    pass: vsNaive >= 2,
    details,
  });
  report({
    id: 'P1',
    name: 'extraction throughput vs gunzip alone',
    value: vsGunzip,
    unit: 'x',
    target: '>= 0.35',
    pass: vsGunzip >= 0.35,
    details,
  });
}

/* ------------------------------------------------------------------ P2 */

// Peak RSS of the child itself: /proc/self/status VmHWM (ru_maxrss would include the parent's peak
// at fork time on Linux); elsewhere, the largest RSS sampled while it runs.
const RSS_CHILD = `
const { createReadStream, readFileSync } = require('node:fs');
let sampled = 0;
const timer = setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 5);
function peakKB() {
  try { return Number(/VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]); } catch { return Math.round(sampled / 1024); }
}
const { processLogFile } = require(${JSON.stringify(join(ROOT, 'dist', 'lambda', 'core', 'pipeline.js'))});
const { DEFAULT_SETTINGS } = require(${JSON.stringify(join(ROOT, 'dist', 'lambda', 'core', 'settings.js'))});
const store = { write: async () => {}, putItem: async () => {}, putItemIfAbsent: async () => true, createItem: async () => ({ created: true }), addToStringSet: async () => {}, readPartition: async () => [] };
(async () => {
  const before = peakKB();
  const stats = await processLogFile(createReadStream(process.argv[1], { highWaterMark: 1 << 20 }), { source: 'bench', settings: DEFAULT_SETTINGS }, store);
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ maxRssKB: peakKB(), baseRssKB: before, records: stats.records, indexed: stats.indexed, status: stats.status }));
})();
`;

async function p2(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'lambda', 'core', 'pipeline.js')))
    throw new Error('P2 needs the build: run npm run build');
  mkdirSync(CACHE, { recursive: true });
  const sizes = quick ? [8, 32] : [64, 256, 1024];
  const peaks: Record<string, number> = {};
  const base: Record<string, number> = {};
  for (const sizeMB of sizes) {
    const file = join(CACHE, `delivery-${sizeMB}MB.json.gz`);
    if (!existsSync(file)) {
      if (!json) console.error(`  (generating ${file})`);
      await writeDeliveryFile(file, sizeMB * MB);
    }
    // a plain node process (no TypeScript loader inherited through NODE_OPTIONS) running the build
    const { NODE_OPTIONS: _loader, ...env } = process.env;
    const run = spawnSync(process.execPath, ['-e', RSS_CHILD, file], {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
      env,
    });
    if (run.status !== 0) throw new Error(`P2 child failed: ${run.stderr}`);
    const out = JSON.parse(run.stdout) as {
      maxRssKB: number;
      baseRssKB: number;
      records: number;
      status: string;
    };
    if (out.status !== 'indexed')
      throw new Error(`P2: the ${sizeMB} MB file was not indexed (${out.status})`);
    peaks[`${sizeMB}MB`] = round(out.maxRssKB / 1024);
    base[`${sizeMB}MB`] = round(out.baseRssKB / 1024);
  }
  // growth between the two largest files: below some size the heap is still growing to its working
  // size (V8 sizes its young generation up as it runs), whatever the file
  const largest = `${sizes[sizes.length - 1]}MB`;
  const smaller = `${sizes[sizes.length - 2]}MB`;
  const peak = peaks[largest] as number;
  const growth = peak / (peaks[smaller] as number);
  report({
    id: 'P2',
    name: `peak RSS processing a ${largest} (uncompressed) file`,
    value: peak,
    unit: 'MB',
    target: '<= 256',
    pass: peak <= 256,
    details: { peakRssMB: peaks, rssAfterLoadingMB: base },
  });
  report({
    id: 'P2',
    name: `peak RSS growth from a ${smaller} to a ${largest} file`,
    value: growth,
    unit: 'x',
    target: '<= 1.25 (flat)',
    pass: growth <= 1.25,
    details: { peakRssMB: peaks },
  });
}

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

async function p3(): Promise<void> {
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

/* ------------------------------------------------------------------ P4 */

function corpusFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? corpusFiles(join(dir, e.name))
      : /\.json(\.gz)?$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

async function p4(): Promise<void> {
  const shared = join(ROOT, '..', 'shared', 'corpus', 'real');
  const dir = existsSync(shared) ? shared : join(ROOT, 'test', 'fixtures', 'cloudtrail');
  const store = new MemoryStore();
  const seen = new Map<string, string>();
  // a realistic S3 source, as the Lambda records it
  const source =
    's3://trailwatch-logs-123456789012-us-east-1/AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/01/123456789012_CloudTrail_us-east-1_20250301T1000Z_AbCdEfGhIjKlMnOp.json.gz';
  let events = 0;
  for (const file of corpusFiles(dir)) {
    const stats = await processLogFile(
      createReadStream(file),
      { source, settings: DEFAULT_SETTINGS, seen },
      store,
    );
    events += stats.indexed;
  }
  const items = [...store.items.values()].filter((i: TableItem) => i.kind !== 'finding');
  const sizes = items.map((i) => dynamoItemSize(i)).sort((a, b) => a - b);
  const at = (q: number): number => sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))] as number;
  const wcu = sizes.reduce((n, s) => n + Math.ceil(s / 1024), 0) / events;
  const details = {
    corpus: dir,
    events,
    items: items.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sizes[sizes.length - 1],
    writeUnitsPerEvent: round(wcu),
    itemsPerEvent: round(items.length / events),
  };
  report({
    id: 'P4',
    name: 'item size p99 on the real corpus',
    value: at(0.99),
    unit: 'bytes',
    target: '<= 1024',
    pass: at(0.99) <= 1024,
    details,
  });
  report({
    id: 'P4',
    name: 'write units per indexed event',
    value: wcu,
    unit: 'WCU',
    target: 'reported',
    pass: true,
    details,
  });
}

/* ------------------------------------------------------------------ P6 */

function p6(): void {
  const out = join(CACHE, 'bundle');
  mkdirSync(out, { recursive: true });
  // as NodejsFunction bundles it (lib/constructs/ingest-function.ts)
  buildSync({
    entryPoints: [join(ROOT, 'lambda', 'handler.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    outfile: join(out, 'index.js'),
    logLevel: 'silent',
  });
  const bundleBytes = statSync(join(out, 'index.js')).size;
  report({
    id: 'P6',
    name: 'Lambda bundle size (minified)',
    value: bundleBytes / MB,
    unit: 'MB',
    target: '<= 1',
    pass: bundleBytes <= MB,
    details: { bytes: bundleBytes },
  });

  // as the function runs: NODE_OPTIONS as the stack sets it (which also drops the TypeScript loader)
  const env = {
    ...process.env,
    NODE_OPTIONS: '--enable-source-maps',
    TABLE_NAME: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const time = (code: string): number => {
    const t = performance.now();
    const run = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`P6 child failed: ${run.stderr}`);
    return performance.now() - t;
  };
  const bare =
    "require('@aws-sdk/client-dynamodb'); require('@aws-sdk/lib-dynamodb'); require('@aws-sdk/client-s3');";
  const ours = `require(${JSON.stringify(join(out, 'index.js'))});`;
  const runs = quick ? 5 : 15;
  const bareMs: number[] = [];
  const oursMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    bareMs.push(time(bare));
    oursMs.push(time(ours));
  }
  const ratio = median(oursMs) / median(bareMs);
  report({
    id: 'P6',
    name: 'module init time vs a bare import of the SDK clients (process start to loaded)',
    value: ratio,
    unit: 'x',
    target: '<= 1.3',
    pass: ratio <= 1.3,
    details: { bundleInitMs: round(median(oursMs)), bareSdkInitMs: round(median(bareMs)), runs },
  });
}

/* ------------------------------------------------------------------ main */

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (!json)
    console.error(`trailwatch bench${quick ? ' (quick)' : ''}: ratios measured side by side in this run`);
  if (wanted('P1')) await p1();
  if (wanted('P2')) await p2();
  if (wanted('P3')) await p3();
  if (wanted('P4')) await p4();
  if (wanted('P6')) p6();
  if (!json) {
    const rows = results.map((r) => [
      r.id,
      r.name,
      `${round(r.value)} ${r.unit}`,
      r.target,
      r.pass ? 'PASS' : 'FAIL',
    ]);
    const widths = [0, 1, 2, 3, 4].map((c) =>
      Math.max(
        ...[['id', 'measurement', 'value', 'target', 'result'], ...rows].map((r) => String(r[c]).length),
      ),
    );
    const line = (r: (string | number)[]): string =>
      r
        .map((v, c) => String(v).padEnd(widths[c] as number))
        .join('  ')
        .trimEnd();
    console.log(line(['id', 'measurement', 'value', 'target', 'result']));
    for (const r of rows) console.log(line(r));
  }
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'last-run.json'), `${JSON.stringify(results, null, 2)}\n`);
  // --quick is a smoke run of the machinery on small files: its numbers are reported, not judged
  process.exitCode = quick || results.every((r) => r.pass) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
