import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeDeliveryFile } from './generate';
import { CACHE, json, MB, median, quick, ROOT, report, round } from './measure-common';

/**
 * P7: what a user waits for. The built CLI's whole `ingest` of a directory of delivery files (wall
 * time and peak RSS of the child process), against the same files in the same run: extraction only
 * (the same ingest code with a store that keeps nothing), DuckDB loading every record into a table,
 * and "events of instance X" answered by `trailwatch query instance`, by DuckDB on its table and by
 * `rg -z`/`zgrep` over the files.
 *
 * Size: `--e2e-mb=N` (default 64 MB in files of 16 MB; the 1 GB took 920 s of ingest;
 * `--quick`: 4 MB in files of 2 MB, 3 questions, numbers reported but not judged).
 */

const sizeArg = process.argv.find((a) => a.startsWith('--e2e-mb='));
const SIZE_MB = quick ? 4 : sizeArg ? Number(sizeArg.slice('--e2e-mb='.length)) : 64;
if (!(SIZE_MB > 0)) throw new Error(`--e2e-mb: expected a size in MB, got '${sizeArg}'`);
const FILE_MB = quick ? 2 : 16;
const QUESTIONS = quick ? 3 : 20;
const CLI = join(ROOT, 'dist', 'bin', 'trailwatch.js');

interface Files {
  dir: string;
  files: string[];
  bytes: number;
  records: number;
}

/** The delivery files (distinct seeds, so distinct instances), generated once into .bench/. */
async function deliveryFiles(): Promise<Files> {
  const count = Math.max(1, Math.round(SIZE_MB / FILE_MB));
  // the manifest beside the directory: ingest reads every file in it
  const dir = join(CACHE, `e2e-${count}x${FILE_MB}MB`);
  const manifest = `${dir}.json`;
  if (!existsSync(manifest)) {
    if (!json) console.error(`  (generating ${count} files of ${FILE_MB} MB in ${dir})`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let bytes = 0;
    let records = 0;
    for (let i = 0; i < count; i++) {
      const name = `123456789012_CloudTrail_us-east-1_20250301T${String(i).padStart(4, '0')}Z_bench.json.gz`;
      const out = await writeDeliveryFile(join(dir, name), FILE_MB * MB, 1000 + i);
      bytes += out.bytes;
      records += out.records;
    }
    writeFileSync(manifest, JSON.stringify({ bytes, records }));
  }
  const { bytes, records } = JSON.parse(readFileSync(manifest, 'utf8')) as { bytes: number; records: number };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => join(dir, f));
  return { dir, files, bytes, records };
}

// Loaded with `node -r` into each measured child: its own peak RSS (/proc/self/status VmHWM, as P2;
// elsewhere the largest RSS sampled) written to $TW_BENCH_HWM when it exits, however it exits.
const HWM_PRELOAD = `
const fs = require('node:fs');
let sampled = 0;
setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 5).unref();
process.on('exit', () => {
  let kb;
  try { kb = Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch { kb = Math.round(sampled / 1024); }
  fs.writeFileSync(process.env.TW_BENCH_HWM, String(kb));
});
`;

// Extraction only: the CLI's own ingest code (discovery, files at once, gunzip, pipeline), cold in
// its own process like the CLI, with a store that keeps nothing.
const EXTRACT_CHILD = `
const { discoverFiles, ingestFiles } = require(${JSON.stringify(join(ROOT, 'dist', 'bin', 'cli', 'ingest.js'))});
const { DEFAULT_SETTINGS } = require(${JSON.stringify(join(ROOT, 'dist', 'lambda', 'core', 'settings.js'))});
const store = { write: async () => {}, putItem: async () => {}, putItemIfAbsent: async () => true, createItem: async () => ({ created: true }), addToStringSet: async () => {}, addToStringSets: async () => {}, readPartition: async () => [] };
(async () => {
  const { files } = await discoverFiles([process.argv[1]]);
  const stats = await ingestFiles(files, { settings: DEFAULT_SETTINGS, concurrency: 4, store });
  process.stdout.write(JSON.stringify({ records: stats.reduce((n, s) => n + s.records, 0), indexed: stats.reduce((n, s) => n + s.indexed, 0) }));
})();
`;

interface Run {
  ms: number;
  peakMB: number;
  stdout: string;
}

/** A plain node child (no TypeScript loader from NODE_OPTIONS): its wall time and peak RSS. */
function timedNode(args: string[], work: string): Run {
  const hwm = join(work, 'hwm');
  rmSync(hwm, { force: true });
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  const t = performance.now();
  const run = spawnSync(process.execPath, ['-r', join(work, 'hwm.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * MB,
    env: { ...env, TW_BENCH_HWM: hwm },
  });
  const ms = performance.now() - t;
  if (run.status !== 0) throw new Error(`P7: ${args.join(' ')} failed (${run.status}): ${run.stderr}`);
  return { ms, peakMB: Number(readFileSync(hwm, 'utf8')) / 1024, stdout: run.stdout };
}

interface BenchRecord {
  readOnly?: boolean;
  errorCode?: string;
  eventSource?: string;
  requestParameters?: { instanceId?: unknown; instancesSet?: { items?: { instanceId?: unknown }[] } } | null;
}

/** The instances the questions ask about: subjects of EC2 mutations and key pushes in the first file. */
function instanceQuestions(first: string, n: number): string[] {
  const { Records } = JSON.parse(gunzipSync(readFileSync(first)).toString('utf8')) as {
    Records: BenchRecord[];
  };
  const ids = new Set<string>();
  for (const r of Records) {
    if (r.readOnly !== false || r.errorCode !== undefined) continue;
    if (r.eventSource !== 'ec2.amazonaws.com' && r.eventSource !== 'ec2-instance-connect.amazonaws.com')
      continue;
    const id = r.requestParameters?.instanceId ?? r.requestParameters?.instancesSet?.items?.[0]?.instanceId;
    if (typeof id === 'string' && id.startsWith('i-')) ids.add(id);
  }
  const all = [...ids].sort();
  if (all.length < n) throw new Error(`P7: only ${all.length} instances to ask about in ${first}`);
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)] as string);
}

interface Peer {
  loadMs: number;
  rows: number;
  queryMs: number[];
  answers: number[];
}

/** DuckDB (`@duckdb/node-api`, dev dependency of the bench): every record as a JSON row, then the questions. */
async function duckdb(files: Files, ids: string[], work: string): Promise<Peer | string> {
  let api: typeof import('@duckdb/node-api');
  try {
    api = await import('@duckdb/node-api');
  } catch (error) {
    return `@duckdb/node-api unavailable: ${(error as Error).message.split('\n')[0]}`;
  }
  const t = performance.now();
  const instance = await api.DuckDBInstance.create(join(work, 'duck.db'));
  const con = await instance.connect();
  const glob = join(files.dir, '*.json.gz').replace(/'/g, "''");
  await con.run(
    `CREATE TABLE records AS SELECT unnest(Records) AS rec FROM read_json('${glob}', ` +
      `columns = {Records: 'JSON[]'}, maximum_object_size = ${1024 * MB})`,
  );
  await con.run('CHECKPOINT');
  const loadMs = performance.now() - t;
  const rows = Number((await con.runAndReadAll('SELECT count(*) FROM records')).getRows()[0]?.[0]);
  const queryMs: number[] = [];
  const answers: number[] = [];
  for (const id of ids) {
    const q = performance.now();
    const found = await con.runAndReadAll('SELECT rec FROM records WHERE contains(rec::VARCHAR, $1)', [id]);
    answers.push(found.getRows().length);
    queryMs.push(performance.now() - q);
  }
  con.closeSync();
  instance.closeSync();
  return { loadMs, rows, queryMs, answers };
}

/** `rg -z` when installed, else `zgrep`: the records mentioning the instance, straight from the files. */
function grepPeer(
  files: Files,
  ids: string[],
): { tool: string; queryMs: number[]; answers: number[] } | string {
  const has = (cmd: string): boolean => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
  const tool = has('rg') ? 'rg -z' : has('zgrep') ? 'zgrep' : undefined;
  if (!tool) return 'neither rg nor zgrep is installed';
  const queryMs: number[] = [];
  const answers: number[] = [];
  for (const id of ids) {
    const args =
      tool === 'rg -z' ? ['-z', '-o', '-F', '--', id, files.dir] : ['-o', '-F', '--', id, ...files.files];
    const t = performance.now();
    const run = spawnSync(tool === 'rg -z' ? 'rg' : 'zgrep', args, { encoding: 'utf8', maxBuffer: 64 * MB });
    queryMs.push(performance.now() - t);
    // one line per occurrence (a record names its instance in its request and its response)
    answers.push(run.stdout.split('\n').filter(Boolean).length);
  }
  return { tool, queryMs, answers };
}

/** trailwatch's lookup in-process (the store's own read, no process start) for each question. */
async function inProcessLookups(db: string, ids: string[]): Promise<number[]> {
  const { openStore } = require(
    join(ROOT, 'dist', 'bin', 'cli', 'store.js'),
  ) as typeof import('../../bin/cli/store');
  const { lookupPartition } = require(
    join(ROOT, 'dist', 'lambda', 'core', 'lookup.js'),
  ) as typeof import('../../lambda/core/lookup');
  const opened = await openStore({ db });
  try {
    const ms: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      await opened.store.readPartition(lookupPartition('instance', id));
      ms.push(performance.now() - t);
    }
    return ms;
  } finally {
    await opened.close();
  }
}

export async function p7(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('P7 needs the build: run npm run build (npm run bench does)');
  const files = await deliveryFiles();
  const work = mkdtempSync(join(tmpdir(), 'trailwatch-p7-'));
  try {
    writeFileSync(join(work, 'hwm.js'), HWM_PRELOAD);
    const db = join(work, 'db');
    const ids = instanceQuestions(files.files[0] as string, QUESTIONS);
    const extract = timedNode(['-e', EXTRACT_CHILD, files.dir], work);
    const ingest = timedNode([CLI, 'ingest', files.dir, '--db', db, '--json'], work);
    const summary = JSON.parse(ingest.stdout) as { records: number; indexed: number; items: number };
    const cli = ids.map((id) => {
      const run = timedNode([CLI, 'query', 'instance', id, '--db', db, '--json'], work);
      return { ms: run.ms, events: run.stdout.split('\n').filter(Boolean).length };
    });
    const lookupMs = await inProcessLookups(db, ids);
    const duck = await duckdb(files, ids, work);
    const grep = grepPeer(files, ids);
    reportAll({ files, ids, extract, ingest, summary, cli, lookupMs, duck, grep });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface Measured {
  files: Files;
  ids: string[];
  extract: Run;
  ingest: Run;
  summary: { records: number; indexed: number; items: number };
  cli: { ms: number; events: number }[];
  lookupMs: number[];
  duck: Peer | string;
  grep: ReturnType<typeof grepPeer>;
}

/** A peer that could not be measured here (not installed, failed): said, and counted as not passing. */
function unavailablePeer(peer: string, why: string, details: Record<string, unknown>): void {
  report({
    id: 'P7',
    name: `${peer} peer: ${why}`,
    value: Number.NaN,
    unit: '',
    target: 'measured',
    pass: false,
    details,
  });
}

function reportAll(m: Measured): void {
  const mb = m.files.bytes / MB;
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const cliMs = m.cli.map((c) => c.ms);
  const size = `${round(mb)} MB (${m.files.files.length} files)`;
  const details = {
    uncompressedMB: round(mb),
    files: m.files.files.length,
    records: m.files.records,
    indexed: m.summary.indexed,
    items: m.summary.items,
    extractionOnly: {
      seconds: round(m.extract.ms / 1000),
      MBps: round(mb / (m.extract.ms / 1000)),
      peakRssMB: round(m.extract.peakMB),
    },
    ingest: {
      seconds: round(m.ingest.ms / 1000),
      MBps: round(mb / (m.ingest.ms / 1000)),
      peakRssMB: round(m.ingest.peakMB),
    },
    questions: m.ids.length,
    trailwatchQuery: {
      cliMedianMs: round(median(cliMs)),
      cliTotalMs: round(sum(cliMs)),
      inProcessMedianMs: round(median(m.lookupMs)),
      events: m.cli.map((c) => c.events),
    },
    duckdb:
      typeof m.duck === 'string'
        ? m.duck
        : {
            loadSeconds: round(m.duck.loadMs / 1000),
            rows: m.duck.rows,
            queryMedianMs: round(median(m.duck.queryMs)),
            queryTotalMs: round(sum(m.duck.queryMs)),
            records: m.duck.answers,
          },
    grep:
      typeof m.grep === 'string'
        ? m.grep
        : {
            tool: m.grep.tool,
            medianMs: round(median(m.grep.queryMs)),
            totalMs: round(sum(m.grep.queryMs)),
            occurrences: m.grep.answers,
          },
  };
  const ratio = m.extract.ms / m.ingest.ms;
  report({
    id: 'P7',
    name: `end-to-end ingest (CLI) throughput vs extraction only, ${size}`,
    value: ratio,
    unit: 'x',
    target: '>= 0.4',
    pass: ratio >= 0.4,
    details,
  });
  report({
    id: 'P7',
    name: `peak RSS of the whole ingest (CLI), ${size}`,
    value: m.ingest.peakMB,
    unit: 'MB',
    target: '<= 300',
    pass: m.ingest.peakMB <= 300,
    details,
  });
  const twAnswerMs = m.ingest.ms + sum(cliMs);
  if (typeof m.duck === 'string') {
    unavailablePeer('DuckDB', m.duck, details);
  } else {
    const vsLoad = m.ingest.ms / m.duck.loadMs;
    report({
      id: 'P7',
      name: 'ingest wall time vs DuckDB loading the same files',
      value: vsLoad,
      unit: 'x',
      target: '<= 1',
      pass: vsLoad <= 1,
      details,
    });
    const vsQuery = median(m.lookupMs) / median(m.duck.queryMs);
    report({
      id: 'P7',
      name: `events of instance X: lookup in-process vs DuckDB on its table (median of ${m.ids.length})`,
      value: vsQuery,
      unit: 'x',
      target: '<= 1',
      pass: vsQuery <= 1,
      details,
    });
    const vsDuckN = twAnswerMs / (m.duck.loadMs + sum(m.duck.queryMs));
    report({
      id: 'P7',
      name: `files to ${m.ids.length} answers: ingest + CLI queries vs DuckDB load + queries`,
      value: vsDuckN,
      unit: 'x',
      target: 'reported',
      pass: true,
      details,
    });
  }
  if (typeof m.grep === 'string') {
    unavailablePeer('grep', m.grep, details);
  } else {
    const perQuestion = median(cliMs) / median(m.grep.queryMs);
    report({
      id: 'P7',
      name: `events of instance X: trailwatch query (CLI) vs ${m.grep.tool} over the files (median)`,
      value: perQuestion,
      unit: 'x',
      target: 'reported',
      pass: true,
      details,
    });
    const vsGrepN = twAnswerMs / sum(m.grep.queryMs);
    report({
      id: 'P7',
      name: `files to ${m.ids.length} answers: ingest + CLI queries vs ${m.grep.tool} ${m.ids.length} times`,
      value: vsGrepN,
      unit: 'x',
      target: 'reported',
      pass: true,
      details,
    });
  }
}
