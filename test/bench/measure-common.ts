import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexStore, processLogFile } from '../../lambda/core/pipeline';

/** What every measurement shares: the command line, the results and how they are reported. */

export const ROOT = join(__dirname, '..', '..');
export const CACHE = join(ROOT, '.bench');
export const json = process.argv.includes('--json');
export const quick = process.argv.includes('--quick');
/** `--only P1,P3`: run some of the measurements. */
export const onlyArg = process.argv.find((a) => a.startsWith('--only'));
export const only = onlyArg
  ? new Set(
      (onlyArg.includes('=')
        ? onlyArg.slice(onlyArg.indexOf('=') + 1)
        : (process.argv[process.argv.indexOf(onlyArg) + 1] ?? '')
      )
        .toUpperCase()
        .split(','),
    )
  : undefined;
export const wanted = (id: string): boolean => only === undefined || only.has(id);
export const MB = 1024 * 1024;

export interface Measurement {
  id: string;
  name: string;
  value: number;
  unit: string;
  target: string;
  pass: boolean;
  details?: Record<string, unknown>;
}
export const results: Measurement[] = [];

export function report(m: Measurement): void {
  results.push(m);
  // a --quick run is a smoke test of the machinery on small files: it says so in every line
  if (json) console.log(JSON.stringify(quick ? { ...m, smoke: true } : m));
  else
    console.error(
      `  ${m.id} ${m.name}: ${round(m.value)} ${m.unit} (target ${m.target}) ${m.pass ? 'PASS' : 'FAIL'}`,
    );
}

export function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** A store that keeps nothing: the pipeline's own work, without a database. */
export const NO_STORE: IndexStore = {
  write: async () => undefined,
  putItem: async () => undefined,
  putItemIfAbsent: async () => true,
  createItem: async () => ({ created: true }),
  addToStringSet: async () => undefined,
  addToStringSets: async () => undefined,
  readPartition: async () => [],
};

/* ------------------------------------------------------------------ P1 */

/** The built pipeline (dist/), as the CLI runs it and close to the Lambda's bundle. */
export function built(): { processLogFile: typeof processLogFile } {
  const path = join(ROOT, 'dist', 'lambda', 'core', 'pipeline.js');
  if (!existsSync(path))
    throw new Error('the benchmark needs the build: run npm run build (npm run bench does)');
  return require(path) as { processLogFile: typeof processLogFile };
}
