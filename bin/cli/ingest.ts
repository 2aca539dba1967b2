import { createReadStream, type ReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
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
import { type LocalFile, readError } from './discover';
import type { Interrupt } from './interrupt';
import {
  ANY_TIME,
  FileTurns,
  inTurn,
  NotActedOnError,
  readAhead,
  type Turn,
} from './reader-threads/read-ahead';
import { ReaderThreads, readerThreadsFor } from './reader-threads/threads';

export { type Discovery, discoverFiles, discoveryWarnings, displayPath, type LocalFile } from './discover';

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
  // with reader threads, one file more is started than acted on: it is read ahead, and files are
  // acted on in their turns (./reader-threads/read-ahead.ts); on the main thread, as they come
  const turns = classifier ? new FileTurns(options.concurrency) : undefined;
  const started = classifier ? options.concurrency + 1 : options.concurrency;
  try {
    await mapLimit(files, started, async (file, index) => {
      const turn = turns?.turn(index) ?? ANY_TIME;
      await inTurn(turn, async () => {
        if (!stopped() && (await done?.has(file))) {
          await turn.take();
          totals.alreadyDone++;
          options.onAlreadyDone?.(file);
        } else if (stopped()) {
          // not started after the interrupt (which may have come while the markers were read)
          await turn.take();
          totals.left++;
        } else {
          const read = classifier ? readAhead(classifier, turn, () => !stopped()) : undefined;
          await ingestCounted(file, { ...options, classifier: read, turn }, seen, totals);
        }
      });
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
  if (stats.error instanceof NotActedOnError) {
    // read ahead, but its turn came after the interrupt: not started
    totals.left++;
    return;
  }
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
