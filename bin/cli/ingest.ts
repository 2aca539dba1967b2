import { createReadStream, type Dirent, promises as fs, type ReadStream, type Stats } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputReadError, type TrailwatchError } from '../../lambda/core/errors';
import {
  doneLocalFiles,
  isLocalDone,
  type LocalFileIdentity,
  localFileMarkerItem,
  localFolderPartition,
} from '../../lambda/core/file-markers';
import {
  addCounters,
  addFile,
  emptyTotals,
  type FileStats,
  failedStats,
  type RunTotals,
} from '../../lambda/core/file-stats';
import { BoundedMap, type FlowLimits, type IndexStore } from '../../lambda/core/pipeline';
import { mapLimit } from '../../lambda/core/pool';
import { type LogFile, processObject } from '../../lambda/core/process-object';
import type { RecordClassifier } from '../../lambda/core/record-classifier';
import { RULE_IDS } from '../../lambda/core/rules';
import type { Settings } from '../../lambda/core/settings';
import type { Interrupt } from './interrupt';
import { FileTurns, readAhead, type Turn } from './reader-threads/read-ahead';
import { ReaderThreads, readerThreadsFor } from './reader-threads/threads';

/** A local file to ingest: `display` is how the user named it, `path` is absolute. */
export interface LocalFile {
  readonly display: string;
  readonly path: string;
  readonly size: number;
  /** Modification time (ms): with the path and the size, what its marker knows it by. */
  readonly mtimeMs: number;
}

export interface Discovery {
  readonly files: LocalFile[];
  /** Paths that could not be read at all (missing, permission denied). */
  readonly errors: TrailwatchError[];
  /** Files in directories that are not log files (other extensions, digest and insight folders). */
  readonly ignored: number;
  /** Each directory named, with what was found below it (for the warnings of `discoveryWarnings`). */
  readonly directories: readonly DirectoryFound[];
}

/** A directory named on the command line: its log files, and the other files passed over. */
export interface DirectoryFound {
  /** As the user named it. */
  readonly display: string;
  logFiles: number;
  /** Files not named `.json` or `.json.gz` (digest and Insights folders not counted). */
  otherFiles: number;
  /** The first of them (a name the user can give to ingest it). */
  example?: string;
}

const LOG_FILE = /\.json(\.gz)?$/i;
/** Names of files that may well be logs under another name (named in the warning first). */
const LOG_LIKE = /json|\.gz$|\.log$|\.txt$/i;
const SKIPPED_DIRS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);

/**
 * Expands the PATH arguments: files are taken as given (whatever their name: the content decides),
 * directories are walked recursively for `.json` and `.json.gz` files, in sorted order. Symbolic
 * links below them are followed (a tree of links to the logs is read as the logs): a directory is
 * walked once however many links lead to it (a link to one of its own parents is no loop), a file read
 * once; a broken link named as a log file is an error naming it.
 */
export async function discoverFiles(paths: readonly string[], cwd = process.cwd()): Promise<Discovery> {
  const files: LocalFile[] = [];
  const errors: TrailwatchError[] = [];
  const directories: DirectoryFound[] = [];
  let ignored = 0;
  // directories walked and files taken, by device and inode
  const seen = new Set<string>();
  const firstTime = (stat: { dev: number; ino: number }): boolean => {
    const id = `${stat.dev}:${stat.ino}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  };

  const passOver = (name: string, shown: string, found: DirectoryFound): void => {
    ignored++;
    found.otherFiles++;
    // the example: rather a file that looks like a log (x.ndjson) than a README
    if (found.example === undefined || (LOG_LIKE.test(name) && !LOG_LIKE.test(basename(found.example))))
      found.example = shown;
  };

  const walk = async (dir: string, display: string, found: DirectoryFound): Promise<void> => {
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
      const isLink = entry.isSymbolicLink();
      if (!isLink && !entry.isDirectory() && !(entry.isFile() && LOG_FILE.test(entry.name))) {
        passOver(entry.name, shown, found);
        continue;
      }
      let stat: Stats;
      try {
        // a link's target; a directory's own identity, so that a link to it does not walk it again
        stat = await fs.stat(full);
      } catch (error) {
        if (!isLink || LOG_FILE.test(entry.name)) errors.push(readError(shown, error));
        else passOver(entry.name, shown, found);
        continue;
      }
      if (stat.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) ignored++;
        else if (firstTime(stat)) await walk(full, shown, found);
      } else if (stat.isFile() && LOG_FILE.test(entry.name)) {
        if (firstTime(stat)) {
          files.push(localFile(shown, full, stat));
          found.logFiles++;
        }
      } else passOver(entry.name, shown, found);
    }
  };

  for (const p of paths) {
    const abs = resolve(cwd, p);
    let stat: Stats;
    try {
      stat = await fs.stat(abs);
    } catch (error) {
      errors.push(readError(p, error));
      continue;
    }
    // a directory or file named twice (or reached already through a link) is read once
    if (!firstTime(stat)) continue;
    if (stat.isDirectory()) {
      const found: DirectoryFound = { display: p, logFiles: 0, otherFiles: 0 };
      directories.push(found);
      await walk(abs, p, found);
    } else files.push(localFile(p, abs, stat));
  }
  return { files, errors, ignored, directories };
}

function localFile(display: string, path: string, stat: { size: number; mtimeMs: number }): LocalFile {
  return { display, path, size: stat.size, mtimeMs: stat.mtimeMs };
}

/**
 * Warnings on what the directories named held: none of the log files looked for (an empty
 * directory, a wrong one), or other files passed over (`.ndjson`, `.jsonl`, `.log`: named one by
 * one, they are read, whatever their name).
 */
export function discoveryWarnings(discovery: Discovery): string[] {
  const lines: string[] = [];
  for (const d of discovery.directories) {
    if (d.logFiles === 0)
      lines.push(`trailwatch: warning: ${d.display}: no log files (.json, .json.gz) in this directory`);
    if (d.otherFiles > 0)
      lines.push(
        `trailwatch: warning: ${d.display}: ignored: ${d.otherFiles} file(s) not named .json or .json.gz, e.g. ${d.example}; name a file to ingest it`,
      );
  }
  return lines;
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
  /**
   * Mark each file done once all its items are stored, and skip the files marked done with the
   * same size and modification time (lambda/core/file-markers.ts), unless `reprocess`.
   */
  readonly markFiles?: boolean;
  /** With `markFiles`: read the files marked done too (and mark them again). */
  readonly reprocess?: boolean;
  /** Ctrl-C: no file is started after it, those being read are abandoned unmarked. */
  readonly interrupt?: Interrupt;
  /** Called as each file finishes (progress, messages); not for a file abandoned by the interrupt. */
  readonly onFile?: (file: LocalFile, stats: FileStats) => void;
  /** Called for each file skipped as done already. */
  readonly onAlreadyDone?: (file: LocalFile) => void;
  /** Threads that read and classify the files (0: the main thread). @default `readerThreadsFor(concurrency)` */
  readonly readerThreads?: number;
}

/** A run's totals, and the files it did not read: done already, abandoned, not started. */
export interface IngestTotals extends RunTotals {
  /** Files marked done by an earlier run, skipped. */
  alreadyDone: number;
  /** Files abandoned part-way by an interrupt (unmarked; their counters are in the totals). */
  interrupted: number;
  /** Files not started because of an interrupt. */
  left: number;
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
export async function ingestFiles(
  files: readonly LocalFile[],
  options: IngestOptions,
): Promise<IngestTotals> {
  const seen = new BoundedMap<string, string>(SEEN_ACROSS_FILES);
  const totals: IngestTotals = { ...emptyTotals(), alreadyDone: 0, interrupted: 0, left: 0 };
  const done =
    options.markFiles && !options.reprocess ? new LocalDoneFiles(options.store, options.settings) : undefined;
  const stopped = (): boolean => options.interrupt?.interrupted === true;
  const threads = options.readerThreads ?? readerThreadsFor(options.concurrency);
  const classifier = threads > 0 ? new ReaderThreads(threads) : undefined;
  // with reader threads, one file more is started than acted on: it is read ahead (./reader-threads/read-ahead.ts)
  const turns = new FileTurns(options.concurrency);
  const started = classifier ? options.concurrency + 1 : options.concurrency;
  try {
    await mapLimit(files, started, async (file, index) => {
      const turn = turns.turn(index);
      try {
        if (!stopped() && (await done?.has(file))) {
          await turn.take();
          totals.alreadyDone++;
          options.onAlreadyDone?.(file);
        } else if (stopped()) {
          // not started after the interrupt (which may have come while the markers were read)
          await turn.take();
          totals.left++;
        } else {
          const read = classifier ? readAhead(classifier, turn) : undefined;
          await ingestCounted(file, { ...options, classifier: read, turn }, seen, totals);
        }
      } finally {
        // a file's turn is taken in file order, whatever became of it
        await turn.take();
        turn.release();
      }
    });
  } finally {
    await classifier?.close();
  }
  return inRuleOrder(totals);
}

/** The options of a file's run: the run's reader threads, the file's turn to be acted on. */
interface RunOptions extends IngestOptions {
  readonly classifier: RecordClassifier | undefined;
  readonly turn: Turn;
}

/** Ingests one file and counts it: done or failed, or abandoned by the interrupt. */
async function ingestCounted(
  file: LocalFile,
  options: RunOptions,
  seen: Map<string, string>,
  totals: IngestTotals,
): Promise<void> {
  const stats = await ingestOne(file, options, seen);
  // a file that failed before its records were read reports in its turn too
  await options.turn.take();
  if (options.interrupt?.abandoned(stats)) {
    // what it wrote is counted; the file is neither done nor failed: it is read again next time
    totals.interrupted++;
    addCounters(totals, stats);
    return;
  }
  addFile(totals, stats);
  options.onFile?.(file, stats);
}

/** The counts by rule in the registry's order, whatever order the files ended in (a stable summary). */
function inRuleOrder<T extends RunTotals>(totals: T): T {
  const byRule = totals.findingsByRule;
  const ordered = RULE_IDS.filter((rule) => byRule[rule] !== undefined).map((rule) => [rule, byRule[rule]]);
  return { ...totals, findingsByRule: Object.fromEntries(ordered) };
}

async function ingestOne(
  file: LocalFile,
  options: RunOptions,
  seen: Map<string, string>,
): Promise<FileStats> {
  const source = fileSource(file.path);
  const marker = options.markFiles ? { url: source, size: file.size, mtimeMs: file.mtimeMs } : undefined;
  const result = await processObject(localLogFile(file, source, marker, options.settings), {
    store: options.store,
    settings: options.settings,
    seen,
    flow: options.flow ?? ingestFlow(options.concurrency),
    ...(options.interrupt ? { budget: options.interrupt.budget } : {}),
    ...(options.classifier ? { classifier: options.classifier } : {}),
  });
  // not opened: named as the user typed it, with the reason
  if (result.error) {
    if (options.interrupt?.abandoned(result)) return failedStats(source, result.error);
    return failedStats(source, readError(file.display, result.error.cause));
  }
  const { stats } = result;
  if (stats.error)
    // name the file as the user typed it rather than as a file:// URL
    stats.error =
      stats.error.source === stats.source
        ? stats.error.withSource(file.display, { replace: true })
        : stats.error;
  return stats;
}

/** A local file as the pipeline reads it, marked done (when asked) once all its items are stored. */
function localLogFile(
  file: LocalFile,
  source: string,
  marker: LocalFileIdentity | undefined,
  settings: Settings,
): LogFile {
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
    ...(marker ? { marker: (stats, nowMs) => localFileMarkerItem(marker, stats, settings, nowMs) } : {}),
  };
}

/** Markers of the local files done, read a directory at a time (the last few directories kept). */
class LocalDoneFiles {
  private readonly folders = new Map<string, Promise<ReturnType<typeof doneLocalFiles>>>();

  constructor(
    private readonly store: IndexStore,
    private readonly settings: Settings,
  ) {}

  async has(file: LocalFile): Promise<boolean> {
    const identity = { url: fileSource(file.path), size: file.size, mtimeMs: file.mtimeMs };
    return isLocalDone(await this.folder(identity.url), identity);
  }

  private folder(url: string): Promise<ReturnType<typeof doneLocalFiles>> {
    const pk = localFolderPartition(url);
    let done = this.folders.get(pk);
    if (!done) {
      // files come directory by directory (sorted): a few directories are enough
      if (this.folders.size >= 16) this.folders.delete(this.folders.keys().next().value as string);
      done = this.store
        .readPartition(pk, { consistent: true })
        .then((items) => doneLocalFiles(items, this.settings));
      this.folders.set(pk, done);
    }
    return done;
  }
}

/** Shortest readable name of a path for messages. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
