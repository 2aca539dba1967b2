import { availableParallelism, cpus } from 'node:os';
import type { GrepPeer, Peer } from './e2e-peers';
import type { Files, Run } from './e2e-run';
import { MB, median, report, round } from './measure-common';

/** The P7 rows (and P2 of the whole ingest): every figure a ratio to a peer measured in the same run. */

export interface EndToEnd {
  files: Files;
  ids: string[];
  /** ./ingest-null-store.js: the CLI's ingest code with a store that keeps nothing. */
  extract: Run;
  /** The CLI's whole ingest and its questions (absent with --e2e-extract-only). */
  whole?: {
    ingest: Run;
    summary: { records: number; indexed: number; items: number };
    cli: { ms: number; events: number }[];
    lookupMs: number[];
  };
  duck: Peer | string;
  grep: GrepPeer | string;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** A peer that could not be measured here (not installed, failed, not run): said, and counted as not passing. */
function unavailable(id: string, what: string, why: string, details: Record<string, unknown>): void {
  report({
    id,
    name: `${what}: ${why}`,
    value: Number.NaN,
    unit: '',
    target: 'measured',
    pass: false,
    details,
  });
}

function processFigures(run: Run, mb: number): Record<string, number> {
  return {
    seconds: round(run.ms / 1000),
    cpuSeconds: round(run.cpuMs / 1000),
    MBps: round(mb / (run.ms / 1000)),
    peakRssMB: round(run.peakMB),
  };
}

function detailsOf(m: EndToEnd): Record<string, unknown> {
  const mb = m.files.bytes / MB;
  const { whole, duck, grep } = m;
  return {
    uncompressedMB: round(mb),
    // the ratio to DuckDB's load depends on the machine (docs/performance.md, "The same bench on
    // another machine kind"): which one measured it
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism() },
    files: m.files.files.length,
    records: m.files.records,
    extractionOnly: { ...processFigures(m.extract, mb), ...JSON.parse(m.extract.stdout) },
    ingest: whole
      ? { ...processFigures(whole.ingest, mb), ...whole.summary }
      : 'not run (--e2e-extract-only)',
    questions: m.ids.length,
    trailwatchQuery: whole && {
      cliMedianMs: round(median(whole.cli.map((c) => c.ms))),
      cliTotalMs: round(sum(whole.cli.map((c) => c.ms))),
      inProcessMedianMs: round(median(whole.lookupMs)),
      events: whole.cli.map((c) => c.events),
    },
    duckdb:
      typeof duck === 'string'
        ? duck
        : {
            loadSeconds: round(duck.loadMs / 1000),
            loadCpuSeconds: round(duck.loadCpuMs / 1000),
            processSeconds: round(duck.run.ms / 1000),
            peakRssMB: round(duck.run.peakMB),
            rows: duck.rows,
            queryMedianMs: round(median(duck.queryMs)),
            queryTotalMs: round(sum(duck.queryMs)),
            records: duck.answers,
          },
    grep:
      typeof grep === 'string'
        ? grep
        : {
            tool: grep.tool,
            asked: grep.queryMs.length,
            medianMs: round(median(grep.queryMs)),
            totalMs: round(sum(grep.queryMs)),
            occurrences: grep.answers,
          },
  };
}

export function reportEndToEnd(m: EndToEnd): void {
  const details = detailsOf(m);
  const size = `${round(m.files.bytes / MB)} MB (${m.files.files.length} files)`;
  const n = m.ids.length;
  const { whole, duck, grep } = m;
  if (whole) {
    const ratio = m.extract.ms / whole.ingest.ms;
    const peak = whole.ingest.peakMB;
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
      id: 'P2',
      name: `peak RSS of the whole ingest (CLI), ${size}`,
      value: peak,
      unit: 'MB',
      target: '<= 300',
      pass: peak <= 300,
      details,
    });
  } else unavailable('P7', 'whole ingest (CLI)', 'not run (--e2e-extract-only)', details);
  if (typeof duck === 'string') unavailable('P7', 'DuckDB peer', duck, details);
  else reportDuck(m, duck, n, details);
  if (typeof grep === 'string') unavailable('P7', 'grep peer', grep, details);
  else if (whole) {
    const cliMs = whole.cli.map((c) => c.ms);
    reported(
      `events of instance X: trailwatch query (CLI) vs ${grep.tool} over the files (median)`,
      median(cliMs) / median(grep.queryMs),
      details,
    );
    // grep answers each question with the same whole scan: N answers take N times its median
    const asked = grep.queryMs.length;
    reported(
      `files to ${n} answers: ingest + CLI queries vs ${grep.tool} ${n} times` +
        (asked < n ? ` (${asked} asked, ${n} × their median)` : ''),
      (whole.ingest.ms + sum(cliMs)) / (asked < n ? n * median(grep.queryMs) : sum(grep.queryMs)),
      details,
    );
  }
}

function reported(name: string, value: number, details: Record<string, unknown>): void {
  report({ id: 'P7', name, value, unit: 'x', target: 'reported', pass: true, details });
}

function reportDuck(m: EndToEnd, duck: Peer, n: number, details: Record<string, unknown>): void {
  reported(
    'extraction only (store that keeps nothing) wall time vs DuckDB loading the same files',
    m.extract.ms / duck.loadMs,
    details,
  );
  const { whole } = m;
  if (!whole) return;
  const vsLoad = whole.ingest.ms / duck.loadMs;
  report({
    id: 'P7',
    name: 'ingest wall time vs DuckDB loading the same files',
    value: vsLoad,
    unit: 'x',
    target: '<= 1',
    pass: vsLoad <= 1,
    details,
  });
  // the wall-time gap split: how much is work, how much is DuckDB's use of every core
  reported(
    'ingest CPU time (all threads) vs DuckDB loading the same files',
    whole.ingest.cpuMs / duck.loadCpuMs,
    details,
  );
  const vsQuery = median(whole.lookupMs) / median(duck.queryMs);
  report({
    id: 'P7',
    name: `events of instance X: lookup in-process vs DuckDB on its table (median of ${n})`,
    value: vsQuery,
    unit: 'x',
    target: '<= 1',
    pass: vsQuery <= 1,
    details,
  });
  reported(
    `files to ${n} answers: ingest + CLI queries vs DuckDB load + queries`,
    (whole.ingest.ms + sum(whole.cli.map((c) => c.ms))) / (duck.loadMs + sum(duck.queryMs)),
    details,
  );
}
