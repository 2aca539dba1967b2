import { BatchWriter, FailedCallBudget, type ItemWriter } from './batch-writer';
import { againstSeen, type Classified } from './classify';
import type { EventItemWriter } from './conflicts';
import { Detector } from './detector';
import { asTrailwatchError, OutOfTimeError } from './errors';
import { countRejection, emptyStats, type FileStats } from './file-stats';
import type { FindingStore } from './findings';
import { expiresAtFor } from './items';
import { type MetricsSink, NO_METRICS } from './metrics';
import { IN_PROCESS, type RecordClassifier } from './record-classifier';
import type { ScanSummary } from './record-stream';
import type { Settings } from './settings';
import { checkCanContinue, type TimeBudget } from './time-budget';

export type { ItemWriter } from './batch-writer';
export { MAX_KEY_HISTORY } from './detector';
export {
  addCounters,
  type ConflictReport,
  type Counters,
  emptyCounters,
  emptyStats,
  type FileStats,
} from './file-stats';

/**
 * The processing pipeline of one log file, shared by the Lambda and the CLI. No AWS SDK here: the
 * store and the metrics are injected. Three parts, each with its own state:
 *
 * - `classify.ts` says what each record is (rejected, skipped, a duplicate, an event with its
 *   items, an SSH key push): pure;
 * - `batch-writer.ts` writes the events while reading goes on: each event item only if its eventID
 *   is free (or holds the same record), then its index items in batches, with backpressure. A
 *   record that reuses the eventID of another record is a conflict: none of its items are written
 *   (`conflicts.ts`);
 * - `detector.ts`, once everything else is stored, writes the SSH key pushes the same way and runs
 *   the rules on every known push of each key.
 *
 * Failed calls (anyone can make them) share a budget of index items per file (`Settings.fileItemBudget`);
 * once it is spent, such an event gets its event item only, and is counted in `overBudget`.
 */

/** What the pipeline needs of a store. */
export interface IndexStore extends ItemWriter, FindingStore, EventItemWriter {}

/**
 * How much of one file may be in flight between its reader and the store: a file's memory is about
 * `readAheadBytes` of decompressed text plus the items of its pending writes (at most
 * `maxPendingEventWrites` events and `maxPendingWrites` × `writeChunk` index items, plus the chunk
 * being filled). The reader waits while the writes are full (backpressure), gunzip while the text is.
 */
export interface FlowLimits {
  /** Items handed to the writer at once. @default 100 */
  readonly writeChunk?: number;
  /** Writes in flight per file before reading pauses (backpressure). @default 8 */
  readonly maxPendingWrites?: number;
  /** Conditional event-item writes in flight per file before reading pauses. @default 16 */
  readonly maxPendingEventWrites?: number;
  /** Decompressed bytes held ready ahead of the reader. @default 8 MiB */
  readonly readAheadBytes?: number;
}

export interface ProcessContext extends FlowLimits {
  readonly source: string;
  readonly settings: Settings;
  /** Clock, for TTLs. @default Date.now */
  readonly now?: () => number;
  /**
   * eventIDs already written in this run, with the content hash of their record (shared by the files
   * of one run so duplicates across files are counted once). A record whose hash differs goes to the
   * store, which tells a conflict. Duplicate writes would be harmless anyway.
   */
  readonly seen?: Map<string, string>;
  /** @default no metrics */
  readonly metrics?: MetricsSink;
  /**
   * Decide from the raw text, before any JSON.parse, which records to skip (the fields the reader
   * picked out while splitting). `false` parses every record: the straightforward path the
   * differential tests compare against. @default true
   */
  readonly preselect?: boolean;
  /** The invocation's time: the file is abandoned (status failed, OutOfTimeError) when it runs low. */
  readonly budget?: TimeBudget;
  /** Reads and classifies the records (on this thread, or on others). @default IN_PROCESS */
  readonly classifier?: RecordClassifier;
}

/** eventIDs remembered per file for duplicates. */
const MAX_SEEN_PER_FILE = 100_000;

/** A map that forgets everything once it holds `limit` entries. */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly limit: number) {
    super();
  }
  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}

/** One file's run: its stats, its writer and detector, and the eventIDs it added to the run's set. */
interface FileRun {
  readonly ctx: ProcessContext;
  readonly stats: FileStats;
  readonly writer: BatchWriter;
  readonly detector: Detector;
  // within one file, duplicates are remembered up to a bound (beyond it they are rewritten, which is
  // harmless: keys derive from the eventID); a run's shared set is the caller's
  readonly seen: Map<string, string>;
  /** eventIDs this file added to the caller's set: forgotten again if the file fails. */
  readonly added: string[];
  readonly expiresAt: number | undefined;
}

/** Processes one log file. Never throws: failures are in `status`/`error` of the result. */
export async function processLogFile(
  input: AsyncIterable<Uint8Array>,
  ctx: ProcessContext,
  store: IndexStore,
): Promise<FileStats> {
  const run = startRun(ctx, store);
  const { stats, writer, detector } = run;
  const scan: ScanSummary = { digest: false, bytes: 0, gzip: false, passed: 0 };
  try {
    await readRecords(input, run, scan);
    if (scan.digest) {
      stats.status = 'skipped';
      stats.skipReason = 'CloudTrail digest file';
    }
  } catch (error) {
    stats.status = 'failed';
    stats.error = asTrailwatchError(error, ctx.source);
  }
  // writes already sent are waited for; when out of time, the buffered index items are not sent:
  // the whole file comes again, and finds its event items stored (identical)
  const outOfTime = stats.error instanceof OutOfTimeError;
  await writer.finish(!outOfTime && detector.failure === undefined);
  stats.bytes = scan.bytes;
  // records turned down from their raw text by `keep` were counted, not emitted
  stats.records += scan.passed;
  stats.skipped += scan.passed;
  // the SSH key pushes, then the rules (salvaged pushes of a damaged file too; not when out of
  // time: the whole file comes again)
  if (!outOfTime && writer.failure === undefined) await detector.run();
  const failure = writer.failure ?? detector.failure;
  if (failure !== undefined) {
    // Not all of this file's events are stored: let another file (or a retry) write them again.
    for (const id of run.added) run.seen.delete(id);
    stats.status = 'failed';
    stats.error ??= asTrailwatchError(failure.error, ctx.source);
  }
  countMetrics(ctx.metrics ?? NO_METRICS, stats);
  return stats;
}

function startRun(ctx: ProcessContext, store: IndexStore): FileRun {
  const stats = emptyStats(ctx.source);
  const metrics = ctx.metrics ?? NO_METRICS;
  const now = ctx.now ?? Date.now;
  const expiresAt = expiresAtFor(now(), ctx.settings.retentionDays);
  const maxPendingEventWrites = ctx.maxPendingEventWrites ?? 16;
  const failedCallBudget = new FailedCallBudget(ctx.settings.fileItemBudget);
  const writer = new BatchWriter(store, {
    stats,
    metrics,
    now,
    expiresAt,
    failedCallBudget,
    writeChunk: ctx.writeChunk ?? 100,
    maxPendingWrites: ctx.maxPendingWrites ?? 8,
    maxPendingEventWrites,
    // waiting for the table: stop here when time runs low, not only between chunks
    beforeWait: () => checkCanContinue(ctx.budget, ctx.source),
  });
  const detector = new Detector(store, {
    settings: ctx.settings,
    source: ctx.source,
    stats,
    metrics,
    now,
    expiresAt,
    maxPendingEventWrites,
    failedCallBudget,
    ...(ctx.budget ? { budget: ctx.budget } : {}),
  });
  const seen = ctx.seen ?? new BoundedMap<string, string>(MAX_SEEN_PER_FILE);
  return { ctx, stats, writer, detector, seen, added: [], expiresAt };
}

/** Phase 1: streams the records, each classified and acted on; stops at the first failed write. */
async function readRecords(input: AsyncIterable<Uint8Array>, run: FileRun, scan: ScanSummary): Promise<void> {
  const { ctx, writer, detector } = run;
  const failed = (): boolean => writer.failure !== undefined || detector.failure !== undefined;
  const request = {
    settings: ctx.settings,
    source: ctx.source,
    expiresAt: run.expiresAt,
    preselect: ctx.preselect ?? true,
    ...(ctx.readAheadBytes !== undefined ? { readAheadBytes: ctx.readAheadBytes } : {}),
  };
  for await (const { indexes, results } of (ctx.classifier ?? IN_PROCESS).classify(input, request, scan)) {
    if (failed()) break;
    checkCanContinue(ctx.budget, ctx.source);
    for (let i = 0; i < results.length; i++) {
      // a write failed: the file fails, and is written again by its redelivery
      if (failed()) break;
      const index = indexes[i] as number;
      const wait = act(run, againstSeen(results[i] as (typeof results)[number], run.seen), index);
      if (wait) await wait;
    }
  }
}

/** Counts a classified record, and hands an event to the writer or a push to the detector. */
function act(run: FileRun, c: Classified, index: number): Promise<void> | undefined {
  const { stats } = run;
  stats.records++;
  switch (c.kind) {
    case 'reject':
      countRejection(stats, index, c.reason);
      return undefined;
    case 'skip':
      stats.skipped++;
      return undefined;
    case 'duplicate':
      stats.duplicates++;
      return undefined;
  }
  // another record under an eventID of this run goes to the store too: it tells the conflict
  const event = c.kind === 'push' ? c.push.event : c.event;
  if (c.firstSeen) {
    run.seen.set(event.eventID, c.kind === 'push' ? c.push.hash : c.hash);
    if (run.ctx.seen) run.added.push(event.eventID);
  }
  if (c.kind === 'event') return run.writer.add(c.items, c.event, index);
  // a file full of pushes is handled in slices, so memory stays bounded
  if (run.detector.add(c.push) && run.writer.failure === undefined) return run.detector.run();
  return undefined;
}

function countMetrics(metrics: MetricsSink, stats: FileStats): void {
  metrics.count('RecordsRead', stats.records);
  metrics.count('RecordsRejected', stats.rejected);
  metrics.count('EventsIndexed', stats.indexed);
  metrics.count('SshKeyPushes', stats.sshKeyPushes);
  if (stats.overBudget > 0) metrics.count('EventsOverBudget', stats.overBudget);
  metrics.count(
    stats.error instanceof OutOfTimeError
      ? 'FilesDeferred'
      : stats.status === 'failed'
        ? 'FilesFailed'
        : 'FilesProcessed',
    1,
  );
}
