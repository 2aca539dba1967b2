import { asTrailwatchError, type TrailwatchError } from './errors';
import { fileMarkerItem } from './file-markers';
import type { FileStats } from './file-stats';
import type { TableItem } from './items';
import type { MetricsSink } from './metrics';
import { type FlowLimits, type IndexStore, processLogFile } from './pipeline';
import type { RecordClassifier } from './record-classifier';
import type { Settings } from './settings';
import { checkCanStart, type TimeBudget } from './time-budget';

/**
 * One log file, however it came (the Lambda's S3 notification, `backfill`, `ingest`): read it,
 * process it, and once every item of it is stored, write its marker (so that a backfill skips it).
 * The one place that does so; the callers only say where the file is and what to make of the
 * outcome (log lines and metrics, progress, exit codes).
 */

/** A log file to process. */
export interface LogFile {
  /** `s3://bucket/key` or `file:///path`: the source in items and messages. */
  readonly source: string;
  /** Opens the file for reading (once). */
  open(): Promise<AsyncIterable<Uint8Array>>;
  /** Called once processing is over (or the file could not be processed), e.g. to close a stream. */
  close?(): void;
  /**
   * The file's marker, written once all its items are stored. S3 objects have one (`s3LogFile`);
   * local files have none yet (a resumable ingest would give them one).
   */
  marker?(stats: FileStats, nowMs: number): TableItem;
}

export interface ProcessObjectDeps {
  readonly store: IndexStore;
  readonly settings: Settings;
  readonly metrics?: MetricsSink;
  /** The invocation's time: a file is not started, or is abandoned, when it runs low. */
  readonly budget?: TimeBudget;
  /** Clock, for TTLs and markers. @default Date.now */
  readonly now?: () => number;
  /** eventIDs written in this run (duplicates across files counted once). */
  readonly seen?: Map<string, string>;
  /** What of a file may be in flight between its reader and the store. @default the pipeline's */
  readonly flow?: FlowLimits;
  /** Reads and classifies the records. @default on this thread */
  readonly classifier?: RecordClassifier;
}

/**
 * What became of a file: the pipeline's account (`stats`, whose `status` and `error` say whether
 * it failed), and `error` when the file failed outside the pipeline: not started (out of time), not
 * readable, or its marker not written (then `stats` is there too).
 */
export type ObjectResult =
  | { readonly stats: FileStats; readonly error?: undefined }
  | { readonly stats?: FileStats; readonly error: TrailwatchError };

/** Reads, processes and marks one log file. Never throws: failures are in the result. */
export async function processObject(file: LogFile, deps: ProcessObjectDeps): Promise<ObjectResult> {
  let stats: FileStats | undefined;
  try {
    checkCanStart(deps.budget, file.source);
    const body = await file.open();
    stats = await processLogFile(
      body,
      {
        source: file.source,
        settings: deps.settings,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        ...(deps.budget ? { budget: deps.budget } : {}),
        ...(deps.now ? { now: deps.now } : {}),
        ...(deps.seen ? { seen: deps.seen } : {}),
        ...(deps.classifier ? { classifier: deps.classifier } : {}),
        ...deps.flow,
      },
      deps.store,
    );
    // every item of the file is stored: mark it done
    if (stats.status !== 'failed' && file.marker)
      await deps.store.putItem(file.marker(stats, (deps.now ?? Date.now)()));
    return { stats };
  } catch (error) {
    return { ...(stats ? { stats } : {}), error: asTrailwatchError(error, file.source) };
  } finally {
    file.close?.();
  }
}

/** Reads an object as a stream of chunks. */
export interface ObjectReader {
  read(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>>;
}

/** A log file in S3: read with `reader`, marked in its folder's partition (`file-markers.ts`). */
export function s3LogFile(
  reader: ObjectReader,
  object: { readonly bucket: string; readonly key: string; readonly size?: number },
  settings: Settings,
): LogFile {
  return {
    source: `s3://${object.bucket}/${object.key}`,
    open: () => reader.read(object.bucket, object.key),
    marker: (stats, nowMs) => fileMarkerItem(object, stats, settings, nowMs),
  };
}
