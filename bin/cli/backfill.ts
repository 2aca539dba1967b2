import {
  asTrailwatchError,
  StoreUnavailableError,
  StoreWriteError,
  TrailwatchError,
  UsageError,
} from '../../lambda/core/errors';
import { doneFiles, fileFolderPartition, fileMarkerItem, isDone } from '../../lambda/core/file-markers';
import { type ObjectReader, objectCreatedMessage } from '../../lambda/core/notification';
import {
  addCounters,
  BoundedMap,
  type Counters,
  emptyCounters,
  emptyStats,
  type FileStats,
  processLogFile,
} from '../../lambda/core/pipeline';
import {
  findLogObjects,
  type LayoutFilter,
  type ListStats,
  type LogObject,
  type ObjectLister,
} from '../../lambda/core/s3-layout';
import type { Settings } from '../../lambda/core/settings';
import type { EventStore } from '../../lambda/store/event-store';

/**
 * `trailwatch backfill`: the log files of a bucket, found by walking the CloudTrail key layout
 * (lambda/core/s3-layout.ts), either processed here with bounded concurrency or announced to the
 * deployed ingest queue (`--queue`). Files already done (a marker per file, written once all its
 * items are stored, by a backfill or by the deployed function) are skipped, so a run that was
 * interrupted is simply run again.
 */

/** Sends message bodies to a queue, at most 10 at a time; resolves once all are accepted. */
export interface QueueSender {
  send(bodies: readonly string[]): Promise<void>;
}

export interface BackfillOptions {
  readonly bucket: string;
  readonly filter: LayoutFilter;
  readonly settings: Settings;
  /** Files processed (or message batches sent) at once. */
  readonly concurrency: number;
  readonly lister: ObjectLister;
  /** The store: items go there (local processing), and file markers are read from it. */
  readonly store?: EventStore;
  /** Local processing reads objects with this. */
  readonly reader?: ObjectReader;
  /** `--queue`: announce the files to the ingest queue instead of processing them here. */
  readonly queue?: QueueSender;
  /** Process (or announce) files even when marked done. */
  readonly reprocess?: boolean;
  readonly now?: () => number;
  /** After each file (processed, failed, already done or announced). */
  readonly onProgress?: (progress: BackfillProgress) => void;
  /** A file that failed or had rejected records. */
  readonly onFile?: (source: string, stats: FileStats) => void;
}

export interface BackfillProgress {
  /** Log files found so far. */
  listed: number;
  /** The listing is complete: `listed` is the total. */
  listingDone: boolean;
  alreadyDone: number;
  processed: number;
  failed: number;
  /** Processed files that turned out not to hold records (digest files under a log name). */
  filesSkipped: number;
  announced: number;
  records: number;
  indexed: number;
  bytes: number;
  findings: number;
}

export interface BackfillResult {
  readonly progress: BackfillProgress;
  /** The counters of the files processed, summed (not kept per file: a backfill can be millions). */
  readonly totals: Counters;
  readonly listing: ListStats;
  /**
   * What stopped the run before its end: the listing failed, the queue refused messages, or the
   * store could not be written (then every further file would fail the same way). Files already
   * done stay done; running again resumes.
   */
  readonly error?: TrailwatchError;
}

/** Markers of the folders seen last (a listing goes folder by folder, in key order). */
const FOLDERS_CACHED = 64;
/** Event IDs remembered across files to count duplicates (bounded: a backfill can be millions). */
const SEEN_ACROSS_FILES = 200_000;

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  const { store, reader, queue } = options;
  if (!queue && (!store || !reader))
    throw new UsageError('processing here needs a store and a reader', 'backfill');
  const now = options.now ?? Date.now;
  const progress: BackfillProgress = {
    listed: 0,
    listingDone: false,
    alreadyDone: 0,
    processed: 0,
    failed: 0,
    filesSkipped: 0,
    announced: 0,
    records: 0,
    indexed: 0,
    bytes: 0,
    findings: 0,
  };
  const listing: ListStats = { listCalls: 0, objectsSeen: 0 };
  const totals = emptyCounters();
  const seen = new BoundedMap<string, string>(SEEN_ACROSS_FILES);
  const folders = new Map<string, Promise<Map<string, number | undefined>>>();
  const report = (): void => options.onProgress?.({ ...progress });
  let failure: unknown;

  const doneIn = (key: string): Promise<Map<string, number | undefined>> => {
    const pk = fileFolderPartition(options.bucket, key);
    let done = folders.get(pk);
    if (!done) {
      if (folders.size >= FOLDERS_CACHED) folders.delete(folders.keys().next().value as string);
      done = store
        ? store.readPartition(pk, { consistent: true }).then((items) => doneFiles(items, options.settings))
        : Promise.resolve(new Map());
      folders.set(pk, done);
    }
    return done;
  };

  const processOne = async (object: LogObject): Promise<void> => {
    const source = `s3://${options.bucket}/${object.key}`;
    let stats: FileStats;
    try {
      const body = await (reader as ObjectReader).read(options.bucket, object.key);
      stats = await processLogFile(
        body,
        { source, settings: options.settings, seen, now },
        store as EventStore,
      );
      if (stats.status !== 'failed') {
        await (store as EventStore).putItem(
          fileMarkerItem({ bucket: options.bucket, ...object }, stats, options.settings, now()),
        );
      }
    } catch (error) {
      stats = emptyStats(source);
      stats.status = 'failed';
      stats.error = asTrailwatchError(error, source);
    }
    addCounters(totals, stats);
    // a store that cannot be written fails every file alike: stop, and let a rerun resume
    if (stats.error instanceof StoreWriteError || stats.error instanceof StoreUnavailableError)
      failure ??= stats.error;
    if (stats.status === 'skipped') progress.filesSkipped++;
    if (stats.status === 'failed') progress.failed++;
    else progress.processed++;
    progress.records += stats.records;
    progress.indexed += stats.indexed;
    progress.bytes += stats.bytes;
    progress.findings += stats.findings;
    if (stats.error || stats.rejected > 0) options.onFile?.(source, stats);
    report();
  };

  let batch: string[] = [];
  const flushQueue = async (): Promise<void> => {
    if (batch.length === 0) return;
    const bodies = batch;
    batch = [];
    await (queue as QueueSender).send(bodies);
    progress.announced += bodies.length;
    report();
  };

  // a small pool: at most `concurrency` files (or message batches) in flight, listing runs ahead;
  // a task that fails (a queue that refuses messages) stops the run
  const running = new Set<Promise<void>>();
  const launch = async (task: () => Promise<void>): Promise<void> => {
    while (running.size >= Math.max(1, options.concurrency)) await Promise.race(running);
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        failure ??= error;
      })
      .finally(() => running.delete(p));
    running.add(p);
  };

  try {
    for await (const object of findLogObjects(options.lister, options.filter, listing)) {
      if (failure !== undefined) break;
      progress.listed++;
      if (!options.reprocess && store && isDone(await doneIn(object.key), object.key, object.size)) {
        progress.alreadyDone++;
        report();
        continue;
      }
      if (queue) {
        batch.push(objectCreatedMessage(options.bucket, object, now()));
        if (batch.length === 10) await launch(flushQueue);
      } else {
        await launch(() => processOne(object));
      }
    }
    if (failure === undefined) {
      progress.listingDone = true;
      if (queue) await launch(flushQueue);
    }
  } catch (error) {
    failure ??= error;
  }
  // what was started finishes (and is marked), whatever stopped the listing
  await Promise.all(running);
  report();
  return {
    progress,
    totals,
    listing,
    ...(failure !== undefined
      ? {
          error:
            failure instanceof TrailwatchError
              ? failure
              : asTrailwatchError(failure, `s3://${options.bucket}`),
        }
      : {}),
  };
}
