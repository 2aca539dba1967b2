import { type Content, type ContentContext, classifyContent } from './classify';
import { type RecordText, readLogRecordBatches, type ScanSummary, type TopFields } from './record-stream';
import { preselect, preselectNeedsEventName } from './select';
import type { Settings } from './settings';

/**
 * The reading side of the pipeline as a port: a file's bytes in, its records classified by content
 * (`classifyContent`) out, in batches, in file order. The pipeline (`pipeline.ts`) acts on each
 * record: the run's eventIDs (duplicates), the writes and the rules stay with it. In the process
 * (`IN_PROCESS`, the Lambda) or on other threads (the CLI: bin/cli/reader-threads), whose answers
 * are the same.
 */

/** What a classifier needs to know of a file, beside its bytes; plain data (it may cross threads). */
export interface ClassifyRequest extends ContentContext {
  /** Skip records from their raw text before any JSON.parse (`ProcessContext.preselect`). */
  readonly preselect: boolean;
  /** Decompressed bytes held ready ahead of the reader. @default the reader's */
  readonly readAheadBytes?: number;
}

/** The records completed by one decompressed chunk: `results[i]` is the record at `indexes[i]`. */
export interface ClassifiedBatch {
  readonly indexes: readonly number[];
  readonly results: readonly Content[];
}

export interface RecordClassifier {
  /**
   * The file's records, classified, in batches. `scan` is filled in as the file is read.
   * @throws what the reader throws (DecompressionError, MalformedLogFileError,
   *   NotCloudTrailFileError, an error of `input`) after yielding every record read before it
   */
  classify(
    input: AsyncIterable<Uint8Array>,
    request: ClassifyRequest,
    scan: ScanSummary,
  ): AsyncIterable<ClassifiedBatch>;
}

/** The scan options of a request: the preselection from the raw text, the read-ahead. */
export function scanOptions(request: ClassifyRequest): {
  keep?: (fields: TopFields, text: RecordText) => boolean;
  eventNameFor?: (eventSource: string) => boolean;
  readAheadBytes?: number;
} {
  const settings: Settings = request.settings;
  return {
    // the reader turns down what preselect skips; what it emits is parsed and selected for sure
    ...(request.preselect
      ? {
          keep: (fields: TopFields, text: RecordText): boolean =>
            preselect(fields, settings, text) !== 'skip',
          eventNameFor: preselectNeedsEventName,
        }
      : {}),
    ...(request.readAheadBytes !== undefined ? { readAheadBytes: request.readAheadBytes } : {}),
  };
}

/**
 * Reads and classifies a file on the calling thread. A record that makes the file unreadable (a
 * standalone object that is not a record) ends it: the records before it are yielded first.
 */
export async function* classifyInProcess(
  input: AsyncIterable<Uint8Array>,
  request: ClassifyRequest,
  scan: ScanSummary,
): AsyncGenerator<ClassifiedBatch> {
  for await (const batch of readLogRecordBatches(input, scanOptions(request), scan)) {
    const indexes: number[] = [];
    const results: Content[] = [];
    let failure: { error: unknown } | undefined;
    for (const raw of batch) {
      try {
        results.push(classifyContent(raw, request));
      } catch (error) {
        failure = { error };
        break;
      }
      indexes.push(raw.index);
    }
    if (results.length > 0) yield { indexes, results };
    if (failure) throw failure.error;
  }
}

/** The classifier of the calling thread. */
export const IN_PROCESS: RecordClassifier = { classify: classifyInProcess };
