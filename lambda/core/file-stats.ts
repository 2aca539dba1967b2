import type { EventWrite } from './conflicts';
import type { TrailwatchError } from './errors';
import type { MetricsSink } from './metrics';
import type { RuleId } from './rules';

/**
 * What processing a file came to (`FileStats`), and the one counter type: a file's counters, summed
 * over the files of a run (`RunTotals`: the CLI's summaries, backfill's progress).
 */

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

const MAX_REJECTIONS_KEPT = 20;
const MAX_CONFLICTS_KEPT = 20;

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

/** The files of a run and their counters, summed. */
export interface RunTotals extends Counters {
  /** Files processed or failed. */
  files: number;
  filesFailed: number;
  /** Files processed that turned out to hold no records (digest files). */
  filesSkipped: number;
}

export function emptyTotals(): RunTotals {
  return { files: 0, filesFailed: 0, filesSkipped: 0, ...emptyCounters() };
}

/** Counts one file's outcome into a run's totals. */
export function addFile(totals: RunTotals, stats: FileStats): void {
  totals.files++;
  if (stats.status === 'failed') totals.filesFailed++;
  if (stats.status === 'skipped') totals.filesSkipped++;
  addCounters(totals, stats);
}

export function emptyStats(source: string): FileStats {
  return { source, status: 'indexed', ...emptyCounters(), rejections: [], conflictReports: [] };
}

/** The stats of a file that failed before (or after) the pipeline had its say: nothing counted. */
export function failedStats(source: string, error: TrailwatchError): FileStats {
  return { ...emptyStats(source), status: 'failed', error };
}

/** Counts (and keeps the first of) a record that could not be read or indexed. */
export function countRejection(stats: FileStats, index: number, reason: string): void {
  stats.rejected++;
  if (stats.rejections.length < MAX_REJECTIONS_KEPT) stats.rejections.push({ index, reason });
}

/** Counts (and keeps the first of) a record not written because its eventID holds another record. */
export function countConflict(
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
