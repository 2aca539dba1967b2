import {
  asTrailwatchError,
  StoreUnavailableError,
  StoreWriteError,
  TrailwatchError,
  UsageError,
} from '../../lambda/core/errors';
import { doneFiles, fileFolderPartition, isDone } from '../../lambda/core/file-markers';
import {
  addCounters,
  addFile,
  emptyTotals,
  type FileStats,
  failedStats,
  type RunTotals,
} from '../../lambda/core/file-stats';
import { objectCreatedMessage } from '../../lambda/core/notification';
import { BoundedMap } from '../../lambda/core/pipeline';
import { Pool } from '../../lambda/core/pool';
import { type ObjectReader, processObject, s3LogFile } from '../../lambda/core/process-object';
import {
  findLogObjects,
  type LayoutFilter,
  type ListStats,
  type LogObject,
  type ObjectLister,
} from '../../lambda/core/s3-layout';
import type { Settings } from '../../lambda/core/settings';
import type { TrailStore } from '../../lambda/core/store-port';
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
  readonly store?: TrailStore;
  /** Local processing reads objects with this. */
  readonly reader?: ObjectReader;
  /** `--queue`: announce the files to the ingest queue instead of processing them here. */
  readonly queue?: QueueSender;
  /** Process (or announce) files even when marked done. */
  readonly reprocess?: boolean;
  readonly now?: () => number;
  /**
   * Ctrl-C: the listing stops, no file (or message batch) is started after it, files being read are
   * abandoned unmarked (read again by the next run).
   */
  readonly interrupt?: Interrupt;
  /** After each file (processed, failed, already done or announced). */
  readonly onProgress?: (progress: BackfillProgress) => void;
  /** A file that failed or had rejected records. */
  readonly onFile?: (source: string, stats: FileStats) => void;
  /**
   * Files read on reader threads and acted on (their items written, their rules run) `atOnce` at a
   * time, in listing order, while up to `concurrency` are open (their downloads begun, each waiting
   * with its first bytes): for the embedded store, whose calls answer at once, so that files acted on
   * together would only compete for the main thread and its heap (`localBackfill`, below). Without
   * it, or with no threads, `concurrency` files are read and acted on at once on the main thread.
   */
  readonly inTurns?: { readonly atOnce: number; readonly readerThreads: number };
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
  /** Files abandoned part-way by an interrupt (unmarked: the next run reads them). */
  interrupted: number;
  records: number;
  indexed: number;
  bytes: number;
  findings: number;
}

export interface BackfillResult {
  readonly progress: BackfillProgress;
  /** The files processed and their counters, summed (not kept per file: a backfill can be millions). */
  readonly totals: RunTotals;
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
/** Messages a SendMessageBatch call takes. */
const MESSAGES_PER_CALL = 10;

/**
 * Backfilling into the embedded store: one file acted on at a time, as `ingest` (commands/ingest.ts,
 * `DEFAULT_INGEST_CONCURRENCY`), its records read on a reader thread, while the next files' downloads
 * are begun. The benchmark's 1 GB (64 files of 16 MB) from s3rver took 17.7 s and 316 MB acting on
 * 8 files at once on the main thread (docs/performance.md, "Backfill into the embedded store").
 * `TRAILWATCH_READER_THREADS=0` reads on the main thread, 8 files at once, as before (a measurement's
 * baseline).
 */
export function localBackfill(env: NodeJS.ProcessEnv = process.env): BackfillOptions['inTurns'] {
  return { atOnce: 1, readerThreads: Math.min(1, readerThreadsFor(1, env)) };
}

export async function backfill(options: BackfillOptions): Promise<BackfillResult> {
  if (!options.queue && (!options.store || !options.reader))
    throw new UsageError('processing here needs a store and a reader', 'backfill');
  const run = new BackfillRun(options);
  await run.walk();
  return run.result();
}

/**
 * One backfill: the listing runs ahead while at most `concurrency` files (or message batches) are
 * in flight (a pool); what fails the run as a whole (the listing, a queue that refuses messages, a
 * store that cannot be written) stops it, and what was started finishes.
 */
class BackfillRun {
  private readonly now: () => number;
  private readonly totals = emptyTotals();
  private readonly listing: ListStats = { listCalls: 0, objectsSeen: 0 };
  private readonly counts = { listed: 0, listingDone: false, alreadyDone: 0, announced: 0, interrupted: 0 };
  private readonly seen = new BoundedMap<string, string>(SEEN_ACROSS_FILES);
  private readonly done: DoneFiles | undefined;
  private readonly pool: Pool;
  /** The reader threads and the files' turns to be acted on (`inTurns`), when asked for. */
  private readonly threads: ReaderThreads | undefined;
  private readonly turns: FileTurns | undefined;
  /** Files handed to the pool so far: the next one's index (its turn). */
  private started = 0;
  private messages: string[] = [];
  private stopped: { readonly error: unknown } | undefined;

  constructor(private readonly options: BackfillOptions) {
    this.now = options.now ?? Date.now;
    const inTurns = options.queue || !options.inTurns?.readerThreads ? undefined : options.inTurns;
    this.threads = inTurns ? new ReaderThreads(inTurns.readerThreads) : undefined;
    this.turns = inTurns ? new FileTurns(inTurns.atOnce) : undefined;
    // one file more than acted on, at least: the next file is read while the last one's rules run
    this.pool = new Pool(inTurns ? Math.max(options.concurrency, inTurns.atOnce + 1) : options.concurrency);
    const { store } = options;
    this.done =
      store && !options.reprocess ? new DoneFiles(store, options.bucket, options.settings) : undefined;
  }

  private get failure(): { readonly error: unknown } | undefined {
    return this.stopped ?? this.pool.failure;
  }

  /** Nothing more is started: the run failed, or was interrupted. */
  private get halted(): boolean {
    return this.failure !== undefined || this.options.interrupt?.interrupted === true;
  }

  async walk(): Promise<void> {
    try {
      for await (const object of findLogObjects(this.options.lister, this.options.filter, this.listing)) {
        if (this.halted) break;
        this.counts.listed++;
        if (await this.done?.has(object)) {
          this.counts.alreadyDone++;
          this.report();
        } else if (this.options.queue) {
          this.messages.push(objectCreatedMessage(this.options.bucket, object, this.now()));
          if (this.messages.length === MESSAGES_PER_CALL) await this.pool.start(() => this.announce());
        } else {
          const turn = this.turns?.turn(this.started) ?? ANY_TIME;
          this.started++;
          await this.pool.start(() => inTurn(turn, () => this.process(object, turn)));
        }
      }
      if (!this.halted) {
        this.counts.listingDone = true;
        if (this.options.queue) await this.pool.start(() => this.announce());
      }
    } catch (error) {
      this.stopped ??= { error };
    }
    // what was started finishes (and is marked), whatever stopped the listing
    await this.pool.drain();
    await this.threads?.close();
    this.report();
  }

  result(): BackfillResult {
    const failure = this.failure?.error;
    return {
      progress: this.progress(),
      totals: this.totals,
      listing: this.listing,
      ...(failure !== undefined
        ? {
            error:
              failure instanceof TrailwatchError
                ? failure
                : asTrailwatchError(failure, `s3://${this.options.bucket}`),
          }
        : {}),
    };
  }

  private async process(object: LogObject, turn: Turn): Promise<void> {
    const { bucket, settings, store, reader, interrupt } = this.options;
    // a slot handed over after the interrupt starts nothing
    if (interrupt?.interrupted) return;
    const file = s3LogFile(reader as ObjectReader, { bucket, ...object }, settings);
    const classifier = this.threads && readAhead(this.threads, turn, () => !interrupt?.interrupted);
    const { stats, error } = await processObject(file, {
      store: store as TrailStore,
      settings,
      seen: this.seen,
      now: this.now,
      ...(interrupt ? { budget: interrupt.budget } : {}),
      ...(classifier ? { classifier } : {}),
    });
    // counted in listing order
    await turn.take();
    const outcome = error ? failedStats(file.source, error) : stats;
    // read ahead, but its turn came after the interrupt: not started, as a file after it
    if (outcome.error instanceof NotActedOnError) return;
    if (interrupt?.abandoned(outcome)) {
      // neither done nor failed: what it wrote is counted, and the next run reads it again
      this.counts.interrupted++;
      addCounters(this.totals, outcome);
      this.report();
      return;
    }
    addFile(this.totals, outcome);
    // a store that cannot be written fails every file alike: stop, and let a rerun resume
    if (outcome.error instanceof StoreWriteError || outcome.error instanceof StoreUnavailableError)
      this.stopped ??= { error: outcome.error };
    if (outcome.error || outcome.rejected > 0) this.options.onFile?.(file.source, outcome);
    this.report();
  }

  private async announce(): Promise<void> {
    if (this.messages.length === 0 || this.options.interrupt?.interrupted) return;
    const bodies = this.messages;
    this.messages = [];
    await (this.options.queue as QueueSender).send(bodies);
    this.counts.announced += bodies.length;
    this.report();
  }

  private progress(): BackfillProgress {
    const t = this.totals;
    return {
      ...this.counts,
      processed: t.files - t.filesFailed,
      failed: t.filesFailed,
      filesSkipped: t.filesSkipped,
      records: t.records,
      indexed: t.indexed,
      bytes: t.bytes,
      findings: t.findings,
    };
  }

  private report(): void {
    this.options.onProgress?.(this.progress());
  }
}

/** The files marked done, read one folder partition at a time (the last few folders kept). */
class DoneFiles {
  private readonly folders = new Map<string, Promise<Map<string, number | undefined>>>();

  constructor(
    private readonly store: TrailStore,
    private readonly bucket: string,
    private readonly settings: Settings,
  ) {}

  async has(object: LogObject): Promise<boolean> {
    return isDone(await this.folder(object.key), object.key, object.size);
  }

  private folder(key: string): Promise<Map<string, number | undefined>> {
    const pk = fileFolderPartition(this.bucket, key);
    let done = this.folders.get(pk);
    if (!done) {
      if (this.folders.size >= FOLDERS_CACHED)
        this.folders.delete(this.folders.keys().next().value as string);
      done = this.store
        .readPartition(pk, { consistent: true })
        .then((items) => doneFiles(items, this.settings));
      this.folders.set(pk, done);
    }
    return done;
  }
}
