import { createReadStream, type Dirent, promises as fs, type ReadStream } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputReadError, type TrailwatchError } from '../../lambda/core/errors';
import {
  addFile,
  emptyTotals,
  type FileStats,
  failedStats,
  type RunTotals,
} from '../../lambda/core/file-stats';
import { BoundedMap, type FlowLimits, type IndexStore } from '../../lambda/core/pipeline';
import { mapLimit } from '../../lambda/core/pool';
import { type LogFile, processObject } from '../../lambda/core/process-object';
import { RULE_IDS } from '../../lambda/core/rules';
import type { Settings } from '../../lambda/core/settings';

/** A local file to ingest: `display` is how the user named it, `path` is absolute. */
export interface LocalFile {
  readonly display: string;
  readonly path: string;
  readonly size: number;
}

export interface Discovery {
  readonly files: LocalFile[];
  /** Paths that could not be read at all (missing, permission denied). */
  readonly errors: TrailwatchError[];
  /** Files in directories that are not log files (other extensions, digest and insight folders). */
  readonly ignored: number;
}

const LOG_FILE = /\.json(\.gz)?$/i;
const SKIPPED_DIRS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);

/**
 * Expands the PATH arguments: files are taken as given (whatever their name: the content decides),
 * directories are walked recursively for `.json` and `.json.gz` files, in sorted order.
 */
export async function discoverFiles(paths: readonly string[], cwd = process.cwd()): Promise<Discovery> {
  const files: LocalFile[] = [];
  const errors: TrailwatchError[] = [];
  let ignored = 0;

  const walk = async (dir: string, display: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      errors.push(readError(display, error));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const shown = join(display, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) ignored++;
        else await walk(full, shown);
      } else if (entry.isFile() && LOG_FILE.test(entry.name)) {
        try {
          files.push({ display: shown, path: full, size: (await fs.stat(full)).size });
        } catch (error) {
          errors.push(readError(shown, error));
        }
      } else {
        ignored++;
      }
    }
  };

  for (const p of paths) {
    const abs = resolve(cwd, p);
    let stat: Awaited<ReturnType<typeof fs.stat>>;
    try {
      stat = await fs.stat(abs);
    } catch (error) {
      errors.push(readError(p, error));
      continue;
    }
    if (stat.isDirectory()) await walk(abs, p);
    else files.push({ display: p, path: abs, size: stat.size });
  }
  return { files: dedupeFiles(files), errors, ignored };
}

function dedupeFiles(files: LocalFile[]): LocalFile[] {
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(f.path) && seen.add(f.path));
}

function readError(display: string, error: unknown): InputReadError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : ((error as Error).message ?? String(error));
  return new InputReadError(reason, display, { cause: error });
}

/** The source URL recorded in items for a local file. */
export function fileSource(path: string): string {
  return pathToFileURL(path).href;
}

/** Decompressed text held ready ahead of the readers, in all (at least 1 MiB per file). */
const READ_AHEAD_TOTAL = 16 * 1024 * 1024;

/** What of each file may be in flight when `concurrency` files are processed at once. */
export function ingestFlow(concurrency: number): FlowLimits {
  return { readAheadBytes: Math.max(1024 * 1024, Math.floor(READ_AHEAD_TOTAL / concurrency)) };
}

export interface IngestOptions {
  readonly settings: Settings;
  readonly concurrency: number;
  readonly store: IndexStore;
  /** What of each file may be in flight between its reader and the store. @default `ingestFlow(concurrency)` */
  readonly flow?: FlowLimits;
  /** Called as each file finishes (progress, messages). */
  readonly onFile?: (file: LocalFile, stats: FileStats) => void;
}

/**
 * Event IDs remembered across the files of a run to count duplicates: bounded, as backfill's (a run
 * can hold millions of events; an event whose ID was forgotten goes to the store, which finds it
 * identical: harmless, counted as indexed rather than as a duplicate).
 */
export const SEEN_ACROSS_FILES = 200_000;

/**
 * Processes local files with bounded concurrency; duplicates across files are counted once. Memory
 * does not grow with the number of files: each file's stats go to `onFile` and into the totals,
 * and are not kept.
 */
export async function ingestFiles(files: readonly LocalFile[], options: IngestOptions): Promise<RunTotals> {
  const seen = new BoundedMap<string, string>(SEEN_ACROSS_FILES);
  const totals = emptyTotals();
  await mapLimit(files, options.concurrency, async (file) => {
    const stats = await ingestOne(file, options, seen);
    addFile(totals, stats);
    options.onFile?.(file, stats);
  });
  return inRuleOrder(totals);
}

/** The counts by rule in the registry's order, whatever order the files ended in (a stable summary). */
function inRuleOrder(totals: RunTotals): RunTotals {
  const byRule = totals.findingsByRule;
  const ordered = RULE_IDS.filter((rule) => byRule[rule] !== undefined).map((rule) => [rule, byRule[rule]]);
  return { ...totals, findingsByRule: Object.fromEntries(ordered) };
}

async function ingestOne(
  file: LocalFile,
  options: IngestOptions,
  seen: Map<string, string>,
): Promise<FileStats> {
  const source = fileSource(file.path);
  const result = await processObject(localLogFile(file, source), {
    store: options.store,
    settings: options.settings,
    seen,
    flow: options.flow ?? ingestFlow(options.concurrency),
  });
  // not opened: named as the user typed it, with the reason
  if (result.error) return failedStats(source, readError(file.display, result.error.cause));
  const { stats } = result;
  if (stats.error)
    // name the file as the user typed it rather than as a file:// URL
    stats.error =
      stats.error.source === stats.source
        ? stats.error.withSource(file.display, { replace: true })
        : stats.error;
  return stats;
}

/** A local file as the pipeline reads it; no marker yet (every run reads every file). */
function localLogFile(file: LocalFile, source: string): LogFile {
  let stream: ReadStream | undefined;
  return {
    source,
    open: async () => {
      const opening = createReadStream(file.path, { highWaterMark: 1024 * 1024 });
      stream = opening;
      await new Promise<void>((ok, fail) => {
        opening.once('open', () => ok());
        opening.once('error', fail);
      });
      return opening;
    },
    close: () => stream?.destroy(),
  };
}

/** Shortest readable name of a path for messages. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
