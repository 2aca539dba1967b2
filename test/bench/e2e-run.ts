import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeDeliveryFile } from './generate';
import { CACHE, json, MB } from './measure-common';

/** The generator's first second (its default). */
const T0 = Date.UTC(2025, 2, 1);

/** What the P7 bench runs on and how it times a child: the delivery files, and a node child's wall time and peak RSS. */

export interface Files {
  dir: string;
  files: string[];
  bytes: number;
  records: number;
}

/**
 * `count` delivery files of `fileMB` (distinct seeds, so distinct instances), generated once into
 * .bench/. Each file's records span the same three hours and more (the many accounts and regions of
 * an organization trail, every file of the same hours: a dense history for the rules), unless
 * `inTimeOrder`: then each file begins where the one before ends (one account's month of files).
 */
export async function deliveryFiles(count: number, fileMB: number, inTimeOrder = false): Promise<Files> {
  // the manifest beside the directory: ingest reads every file in it
  const dir = join(CACHE, `e2e-${count}x${fileMB}MB${inTimeOrder ? '-in-time-order' : ''}`);
  const manifest = `${dir}.json`;
  if (!existsSync(manifest)) {
    if (!json) console.error(`  (generating ${count} files of ${fileMB} MB in ${dir})`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let bytes = 0;
    let records = 0;
    for (let i = 0; i < count; i++) {
      const name = `123456789012_CloudTrail_us-east-1_20250301T${String(i).padStart(4, '0')}Z_bench.json.gz`;
      // the generator writes a record a second
      const start = inTimeOrder ? T0 + records * 1000 : undefined;
      const out = await writeDeliveryFile(join(dir, name), fileMB * MB, 1000 + i, true, start);
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
// elsewhere the largest RSS sampled) and the CPU time of all its threads (user + system), written to
// $TW_BENCH_HWM as JSON when it exits, however it exits.
const HWM_PRELOAD = `
const fs = require('node:fs');
let sampled = 0;
setInterval(() => { sampled = Math.max(sampled, process.memoryUsage().rss); }, 5).unref();
process.on('exit', () => {
  let kb;
  try { kb = Number(/VmHWM:\\s+(\\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]); } catch { kb = Math.round(sampled / 1024); }
  const cpu = process.cpuUsage();
  fs.writeFileSync(process.env.TW_BENCH_HWM, JSON.stringify({ kb, cpuMs: (cpu.user + cpu.system) / 1000 }));
});
`;

export interface Run {
  ms: number;
  peakMB: number;
  /** CPU time of the child's threads, user + system. */
  cpuMs: number;
  stdout: string;
  stderr: string;
  status: number;
}

/**
 * A timer of plain node children (no TypeScript loader from NODE_OPTIONS), each measured for its
 * wall time and peak RSS; a child exiting with a status not in `ok` fails the bench.
 */
export function nodeTimer(work: string): (args: string[], ok?: number[]) => Run {
  const preload = join(work, 'hwm.js');
  writeFileSync(preload, HWM_PRELOAD);
  return (args, ok = [0]) => {
    const hwm = join(work, 'hwm');
    rmSync(hwm, { force: true });
    const { NODE_OPTIONS: _loader, ...env } = process.env;
    const t = performance.now();
    const run = spawnSync(process.execPath, ['-r', preload, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * MB,
      env: { ...env, TW_BENCH_HWM: hwm },
    });
    const ms = performance.now() - t;
    const status = run.status ?? -1;
    if (!ok.includes(status)) throw new Error(`P7: ${args.join(' ')} failed (${status}): ${run.stderr}`);
    const { kb, cpuMs } = JSON.parse(readFileSync(hwm, 'utf8')) as { kb: number; cpuMs: number };
    return {
      ms,
      peakMB: kb / 1024,
      cpuMs,
      stdout: run.stdout,
      stderr: run.stderr,
      status,
    };
  };
}

interface BenchRecord {
  readOnly?: boolean;
  errorCode?: string;
  eventSource?: string;
  requestParameters?: { instanceId?: unknown; instancesSet?: { items?: { instanceId?: unknown }[] } } | null;
}

/** The instances the questions ask about: subjects of EC2 mutations and key pushes in the first file. */
export function instanceQuestions(first: string, n: number): string[] {
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
