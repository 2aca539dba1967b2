import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { selectRecord } from '../../lambda/core/select';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { chunks } from '../helpers/records';
import { deliveryText, writeDeliveryFile } from './generate';
import { built, CACHE, json, MB, median, NO_STORE, quick, ROOT, report, round } from './measure-common';

/** P1 extraction throughput, and P2 peak memory while processing files of growing size. */

export async function p1(): Promise<void> {
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
const store = { write: async () => {}, putItem: async () => {}, putItemIfAbsent: async () => true, createItem: async () => ({ created: true }), addToStringSet: async () => {}, addToStringSets: async () => {}, readPartition: async () => [] };
(async () => {
  const before = peakKB();
  const stats = await processLogFile(createReadStream(process.argv[1], { highWaterMark: 1 << 20 }), { source: 'bench', settings: DEFAULT_SETTINGS }, store);
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ maxRssKB: peakKB(), baseRssKB: before, records: stats.records, indexed: stats.indexed, status: stats.status }));
})();
`;

export async function p2(): Promise<void> {
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
