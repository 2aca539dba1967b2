import { type EventItemWriter, type EventWrite, writeEventItem } from './conflicts';
import { asTrailwatchError, NotCloudTrailFileError, OutOfTimeError, type TrailwatchError } from './errors';
import { extractEvent, type IndexedEvent } from './event';
import { type FindingStore, recordFinding } from './findings';
import { buildItems, EVENT_SK, expiresAtFor, itemToEvent, keys, type TableItem } from './items';
import { isObject, type JsonObject } from './json';
import { type MetricsSink, NO_METRICS } from './metrics';
import { recordHash } from './record-hash';
import { readLogRecordBatches, type ScanSummary, type TopFields } from './record-stream';
import { type Hit, isKeyPush, type RuleId, statefulHits, statelessHits } from './rules';
import { preselect, selectRecord } from './select';
import type { Settings } from './settings';
import { TABLE_SCHEMA } from './table-schema';
import { parseTime } from './time';
import { checkCanContinue, type TimeBudget } from './time-budget';

/**
 * The processing pipeline of one log file, shared by the Lambda and the CLI. No AWS SDK here: the
 * store and the metrics are injected.
 *
 * Phase 1 streams the records: each selected event's event item is written if its eventID is free
 * (or holds the same record: a redelivery), a few at once, and only then are its index items handed
 * to the store, in batches, while reading goes on. A record that reuses the eventID of another
 * record is a conflict: none of its items are written (`conflicts.ts`). SSH key pushes are kept
 * aside. Phase 2, once everything else is stored, writes the pushes the same way (their key-index
 * items last), reads back every known push of each key (strongly consistent) and runs the rules.
 * Writing before reading makes the stateful rules independent of arrival order: of two files
 * delivered at once, at least the one that reads last sees both.
 *
 * Failed calls (anyone can make them) share a budget of index items per file (`Settings.fileItemBudget`);
 * once it is spent, such an event gets its event item only, and is counted in `overBudget`.
 */

/** Where index items go. `write` resolves once the items are durably stored, and rejects otherwise. */
export interface ItemWriter {
  write(items: readonly TableItem[]): Promise<void>;
}

/** What the pipeline needs of a store. */
export interface IndexStore extends ItemWriter, FindingStore, EventItemWriter {}

/** A record not written because another record holds its eventID. */
export interface ConflictReport {
  /** Position of the record in its file. */
  readonly index: number;
  readonly eventID: string;
  /** Content hash of this record, and of the indexed one (absent for items written before hashes). */
  readonly recordHash: string;
  readonly originalHash?: string;
  /** The file of the indexed record. */
  readonly originalSource?: string;
}

export interface FileStats {
  /** The file or object (`s3://bucket/key`, `file:///path`). */
  readonly source: string;
  status: 'indexed' | 'skipped' | 'failed';
  /** Why the file was skipped (digest, insight, …). */
  skipReason?: string;
  /** Records read (valid or not). */
  records: number;
  /** Distinct events written. */
  indexed: number;
  /** Records not indexed by rule (other sources, read-only calls, insights). */
  skipped: number;
  /** Records that could not be read or indexed (not an object, invalid JSON, no eventTime, …). */
  rejected: number;
  /** Records whose eventID was already seen in this run, with the same content. */
  duplicates: number;
  /**
   * Records that reuse the eventID of an indexed event with different content: not written, recorded
   * as conflicts (`conflictReports`).
   */
  conflicts: number;
  /** Failed calls stored without index items: the file's item budget was spent. */
  overBudget: number;
  /** Index items written. */
  items: number;
  /** SSH key pushes among the indexed events. */
  sshKeyPushes: number;
  /** Findings newly recorded (a finding already recorded by an earlier delivery is not counted). */
  findings: number;
  readonly findingsByRule: Partial<Record<RuleId, number>>;
  /** Decompressed bytes read. */
  bytes: number;
  /** The first rejections, with their reasons. */
  readonly rejections: { index: number; reason: string }[];
  /** The first conflicts, with the file of the indexed record. */
  readonly conflictReports: ConflictReport[];
  error?: TrailwatchError;
}

export interface ProcessContext {
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
  /** Items handed to the writer at once. @default 100 */
  readonly writeChunk?: number;
  /** Writes in flight per file before reading pauses (backpressure). @default 8 */
  readonly maxPendingWrites?: number;
  /** Conditional event-item writes in flight per file before reading pauses. @default 16 */
  readonly maxPendingEventWrites?: number;
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
}

const MAX_REJECTIONS_KEPT = 20;
const MAX_CONFLICTS_KEPT = 20;
/** SSH key pushes handled at once (their items written, then the rules run). */
const PUSH_SLICE = 500;
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

/** Newest pushes of one key read for the stateful rules. */
export const MAX_KEY_HISTORY = 10_000;
const RECORD_FIELDS = ['eventVersion', 'eventID', 'eventTime', 'eventSource', 'eventName', 'userIdentity'];

/** The counters of a file's stats, summed over the files of a run. */
const COUNTERS = [
  'records',
  'indexed',
  'skipped',
  'rejected',
  'duplicates',
  'conflicts',
  'overBudget',
  'items',
  'sshKeyPushes',
  'findings',
  'bytes',
] as const;
export type Counters = Pick<FileStats, (typeof COUNTERS)[number] | 'findingsByRule'>;

export function emptyCounters(): Counters {
  return {
    records: 0,
    indexed: 0,
    skipped: 0,
    rejected: 0,
    duplicates: 0,
    conflicts: 0,
    overBudget: 0,
    items: 0,
    sshKeyPushes: 0,
    findings: 0,
    bytes: 0,
    findingsByRule: {},
  };
}

/** Adds `from` into `into`. */
export function addCounters(into: Counters, from: Counters): void {
  for (const k of COUNTERS) into[k] += from[k];
  for (const [rule, n] of Object.entries(from.findingsByRule) as [RuleId, number][]) {
    into.findingsByRule[rule] = (into.findingsByRule[rule] ?? 0) + n;
  }
}

export function emptyStats(source: string): FileStats {
  return { source, status: 'indexed', ...emptyCounters(), rejections: [], conflictReports: [] };
}

function looksLikeRecord(value: JsonObject): boolean {
  return RECORD_FIELDS.some((f) => Object.hasOwn(value, f));
}

interface Push {
  readonly event: IndexedEvent;
  readonly timeMs: number;
  readonly hits: Hit[];
  readonly hash: string;
  readonly index: number;
}

/** `items` with the TTL `expiresAt` (none when undefined). */
function withTtl(items: readonly TableItem[], expiresAt: number | undefined): TableItem[] {
  const ttl = TABLE_SCHEMA.timeToLiveAttribute;
  return items.map((item) => {
    if (item[ttl] === expiresAt) return item;
    const { [ttl]: _old, ...rest } = item;
    return (expiresAt === undefined ? rest : { ...rest, [ttl]: expiresAt }) as TableItem;
  });
}

/**
 * Runs `fn` on every value, at most `limit` at once; results in the order of `values`. The first
 * failure stops it: no value is started after it.
 */
async function mapLimit<T, R>(
  values: readonly T[],
  limit: number,
  fn: (value: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(values.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < values.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(values[i] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, values.length)) }, worker));
  return out;
}

/** Counts (and keeps the first of) a record not written because its eventID holds another record. */
function countConflict(
  stats: FileStats,
  metrics: MetricsSink,
  index: number,
  write: Extract<EventWrite, { kind: 'conflict' }>,
): void {
  stats.conflicts++;
  // once per distinct conflicting record, however often its file comes
  if (write.recorded) metrics.count('EventConflicts', 1);
  if (stats.conflictReports.length >= MAX_CONFLICTS_KEPT) return;
  const c = write.conflict;
  stats.conflictReports.push({
    index,
    eventID: c.eventID,
    recordHash: c.recordHash,
    ...(c.originalHash !== undefined ? { originalHash: c.originalHash } : {}),
    ...(c.originalSource !== undefined ? { originalSource: c.originalSource } : {}),
  });
}

/** Processes one log file. Never throws: failures are in `status`/`error` of the result. */
export async function processLogFile(
  input: AsyncIterable<Uint8Array>,
  ctx: ProcessContext,
  store: IndexStore,
): Promise<FileStats> {
  const stats = emptyStats(ctx.source);
  const metrics = ctx.metrics ?? NO_METRICS;
  const now = ctx.now ?? Date.now;
  const expiresAt = expiresAtFor(now(), ctx.settings.retentionDays);
  // within one file, duplicates are remembered up to a bound (beyond it they are rewritten, which is
  // harmless: keys derive from the eventID); a run's shared set is the caller's
  const seen = ctx.seen ?? new BoundedMap<string, string>(MAX_SEEN_PER_FILE);
  const chunkSize = ctx.writeChunk ?? 100;
  const maxPending = ctx.maxPendingWrites ?? 8;
  const maxEventWrites = ctx.maxPendingEventWrites ?? 16;
  const scan: ScanSummary = { digest: false, bytes: 0, gzip: false, passed: 0 };
  const fast = ctx.preselect ?? true;

  const written: string[] = [];
  const pushes: Push[] = [];
  let buffer: TableItem[] = [];
  const pending: Promise<void>[] = [];
  let writeError: unknown;
  // index items of failed calls so far, against the file's budget
  let budgetUsed = 0;
  let budgetSpent = false;
  const eventWrites = new Set<Promise<void>>();

  /** Writes the event item; its index items go to the buffer once it is stored (or found identical). */
  const startEventWrite = (
    items: TableItem[],
    event: IndexedEvent,
    index: number,
    indexed: boolean,
  ): void => {
    const write: Promise<void> = writeEventItem(store, items[0] as TableItem, event, now(), expiresAt).then(
      (w) => {
        eventWrites.delete(write);
        if (w.kind === 'conflict') {
          countConflict(stats, metrics, index, w);
          return;
        }
        stats.indexed++;
        if (w.kind === 'created') stats.items++;
        if (!indexed) stats.overBudget++;
        else if (w.kind === 'identical') buffer.push(...withTtl(items.slice(1), w.expiresAt));
        else for (let i = 1; i < items.length; i++) buffer.push(items[i] as TableItem);
      },
      (error: unknown) => {
        eventWrites.delete(write);
        writeError ??= error;
      },
    );
    eventWrites.add(write);
  };

  const flush = async (): Promise<void> => {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    pending.push(
      store.write(batch).then(
        () => {
          stats.items += batch.length;
        },
        (error: unknown) => {
          writeError ??= error;
        },
      ),
    );
    while (pending.length >= maxPending) await pending.shift();
  };

  const detectSlice = async (): Promise<void> => {
    if (writeError !== undefined || pushes.length === 0) return;
    try {
      await detect(pushes.splice(0), ctx, store, stats, metrics, expiresAt, now, maxEventWrites);
    } catch (error) {
      writeError ??= error;
    }
  };

  const reject = (index: number, reason: string): void => {
    stats.rejected++;
    if (stats.rejections.length < MAX_REJECTIONS_KEPT) stats.rejections.push({ index, reason });
  };

  // phase 1: stream the records
  try {
    // the reader turns down what preselect skips; what it emits is parsed and selected for sure
    const keep = fast
      ? (fields: TopFields): boolean => preselect(fields, ctx.settings) !== 'skip'
      : undefined;
    for await (const batch of readLogRecordBatches(input, keep ? { keep } : {}, scan)) {
      if (writeError !== undefined) break;
      checkCanContinue(ctx.budget, ctx.source);
      for (const raw of batch) {
        // a write failed: the file fails, and is written again by its redelivery
        if (writeError !== undefined) break;
        if (raw.kind === 'invalid') {
          stats.records++;
          reject(raw.index, raw.reason);
          continue;
        }
        let record: unknown;
        try {
          record = JSON.parse(raw.bytes.toString('utf8'));
        } catch (error) {
          stats.records++;
          reject(
            raw.index,
            `not valid JSON (${error instanceof Error ? error.message.slice(0, 120) : String(error)})`,
          );
          continue;
        }
        if (!isObject(record)) {
          stats.records++;
          reject(raw.index, 'record is not a JSON object');
          continue;
        }
        if (raw.standalone && !looksLikeRecord(record)) {
          throw new NotCloudTrailFileError(
            Object.hasOwn(record, 'Records')
              ? '"Records" is not an array'
              : 'no "Records" array, and not a CloudTrail record',
          );
        }
        stats.records++;
        const selection = selectRecord(record, ctx.settings);
        if (selection === 'no-source') {
          reject(raw.index, 'missing eventSource');
          continue;
        }
        if (selection !== 'indexed') {
          stats.skipped++;
          continue;
        }
        const extraction = extractEvent(record, raw.bytes, ctx.source);
        if (!extraction.ok) {
          reject(raw.index, extraction.reason);
          continue;
        }
        const { timeMs } = extraction;
        let { event } = extraction;
        const hash = recordHash(record);
        const known = seen.get(event.eventID);
        if (known === hash) {
          stats.duplicates++;
          continue;
        }
        // another record under an eventID of this run goes to the store too: it tells the conflict
        if (known === undefined) {
          seen.set(event.eventID, hash);
          if (ctx.seen) written.push(event.eventID);
        }
        if (isKeyPush(event)) {
          const hits = statelessHits(event, ctx.settings.detection);
          event = { ...event, findings: hits.map((h) => h.rule) };
          pushes.push({ event, timeMs, hits, hash, index: raw.index });
          // a file full of pushes is handled in slices, so memory stays bounded
          if (pushes.length >= PUSH_SLICE) await detectSlice();
          continue;
        }
        const items = buildItems(
          event,
          timeMs,
          expiresAt === undefined ? { recordHash: hash } : { expiresAt, recordHash: hash },
        );
        // failed calls: index items within the file's budget, then event items only
        let indexed = true;
        if (event.errorCode !== undefined) {
          const n = items.length - 1;
          if (budgetSpent || budgetUsed + n > ctx.settings.fileItemBudget) budgetSpent = true;
          else budgetUsed += n;
          indexed = !budgetSpent;
        }
        while (eventWrites.size >= maxEventWrites) {
          // waiting for the table: stop here when time runs low, not only between chunks
          checkCanContinue(ctx.budget, ctx.source);
          await Promise.race(eventWrites);
        }
        startEventWrite(items, event, raw.index, indexed);
        if (buffer.length >= chunkSize) await flush();
      }
    }
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
  await Promise.all(eventWrites);
  if (writeError === undefined && !(stats.error instanceof OutOfTimeError)) await flush();
  await Promise.all(pending);
  stats.bytes = scan.bytes;
  // records turned down from their raw text by `keep` were counted, not emitted
  stats.records += scan.passed;
  stats.skipped += scan.passed;

  // phase 2: SSH key pushes, then the rules (salvaged pushes of a damaged file too; not when out of
  // time: the whole file comes again)
  if (!(stats.error instanceof OutOfTimeError)) await detectSlice();

  if (writeError !== undefined) {
    // Not all of this file's events are stored: let another file (or a retry) write them again.
    for (const id of written) seen.delete(id);
    stats.status = 'failed';
    stats.error ??= asTrailwatchError(writeError, ctx.source);
  }
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
  return stats;
}

async function detect(
  all: Push[],
  ctx: ProcessContext,
  store: IndexStore,
  stats: FileStats,
  metrics: MetricsSink,
  expiresAt: number | undefined,
  now: () => number,
  maxEventWrites: number,
): Promise<void> {
  // the event items first, conditionally: a push whose eventID holds another record is a conflict,
  // and is neither indexed nor judged
  const written = await mapLimit(all, maxEventWrites, async (p) => {
    // stop between conditional writes when time runs low
    checkCanContinue(ctx.budget, ctx.source);
    const [eventItem, ...indexItems] = buildItems(p.event, p.timeMs, {
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      recordHash: p.hash,
    }) as [TableItem, ...TableItem[]];
    return { p, indexItems, write: await writeEventItem(store, eventItem, p.event, now(), expiresAt) };
  });
  const pushes: Push[] = [];
  const items: TableItem[] = [];
  for (const { p, indexItems, write } of written) {
    if (write.kind === 'conflict') {
      countConflict(stats, metrics, p.index, write);
      continue;
    }
    pushes.push(p);
    stats.indexed++;
    if (write.kind === 'created') stats.items++;
    items.push(...(write.kind === 'identical' ? withTtl(indexItems, write.expiresAt) : indexItems));
  }
  // the key-index items last: a push visible in its key's partition has all its other items
  const keyItems = items.filter((i) => i.kind === 'key');
  await store.write(items.filter((i) => i.kind !== 'key'));
  await store.write(keyItems);
  stats.items += items.length;
  stats.sshKeyPushes += pushes.length;

  const record = async (event: IndexedEvent, timeMs: number, hit: Hit): Promise<void> => {
    // a finding is a few writes in a row: stop between findings when time runs low (a finding cut
    // short is completed by the redelivery, its metric raised once)
    checkCanContinue(ctx.budget, ctx.source);
    if (await recordFinding(store, event, timeMs, hit, expiresAt)) {
      stats.findings++;
      stats.findingsByRule[hit.rule] = (stats.findingsByRule[hit.rule] ?? 0) + 1;
      metrics.finding(hit.rule);
    }
  };

  const own = new Map(pushes.map((p) => [p.event.eventID, p]));
  for (const p of pushes) for (const hit of p.hits) await record(p.event, p.timeMs, hit);

  const fingerprints = new Set(
    pushes.map((p) => p.event.ssh?.fingerprint).filter((f): f is string => f !== undefined),
  );
  for (const fingerprint of fingerprints) {
    const history = (
      await store.readPartition(keys.sshKey(fingerprint), { consistent: true, limit: MAX_KEY_HISTORY })
    ).map(itemToEvent);
    const byId = new Map(history.map((e) => [e.eventID, e]));
    for (const [eventID, hits] of statefulHits(history, ctx.settings.detection)) {
      const mine = own.get(eventID);
      for (const hit of hits) {
        if (mine) {
          await record(mine.event, mine.timeMs, hit);
          continue;
        }
        // another file's push: its items list the rule only once the finding is fully recorded
        const known = byId.get(eventID);
        if (!known || known.findings.includes(hit.rule)) continue;
        const full = await readEvent(store, eventID);
        const event = full ?? known;
        const timeMs = parseTime(event.eventTime);
        if (timeMs !== undefined) await record(event, timeMs, hit);
      }
    }
  }
}

/** The full summary of an event (all IDs, for its partitions), from its event item. */
async function readEvent(store: FindingStore, eventID: string): Promise<IndexedEvent | undefined> {
  const items = await store.readPartition(keys.event(eventID), { consistent: true, limit: 10 });
  const item = items.find((i) => i.sk === EVENT_SK);
  return item ? itemToEvent(item) : undefined;
}
