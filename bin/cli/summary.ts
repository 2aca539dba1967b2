import type { Counters, FileStats, RunTotals } from '../../lambda/core/file-stats';
import { RULE_IDS, type RuleId } from '../../lambda/core/rules';
import type { Settings } from '../../lambda/core/settings';
import { clean } from './output';

/** What the summaries of `ingest` and `backfill` share: totals, per-file messages, the exit code. */

/** A run's files and counters, summed (the one counter type of the pipeline). */
export type Totals = RunTotals;

const REJECTIONS_SHOWN = 3;

/** The messages on one file: its error, rejected and conflicting records, events beyond its budget. */
export function fileMessages(display: string, stats: FileStats): string[] {
  const lines: string[] = [];
  if (stats.error) lines.push(`trailwatch: ${clean(stats.error.describe())}`);
  for (const r of stats.rejections.slice(0, REJECTIONS_SHOWN)) {
    lines.push(`trailwatch: ${clean(display)}: record #${r.index} rejected: ${clean(r.reason)}`);
  }
  if (stats.rejected > REJECTIONS_SHOWN) {
    lines.push(
      `trailwatch: ${clean(display)}: … and ${stats.rejected - REJECTIONS_SHOWN} more rejected record(s)`,
    );
  }
  for (const c of stats.conflictReports.slice(0, REJECTIONS_SHOWN)) {
    lines.push(
      `trailwatch: ${clean(display)}: record #${c.index} conflicts with the indexed event ${clean(c.eventID)}` +
        ` (from ${clean(c.originalSource ?? 'an unknown file')}): same eventID, other content; not indexed` +
        ` (see: trailwatch event ${clean(c.eventID)})`,
    );
  }
  if (stats.conflicts > REJECTIONS_SHOWN) {
    lines.push(
      `trailwatch: ${clean(display)}: … and ${stats.conflicts - REJECTIONS_SHOWN} more conflicting record(s)`,
    );
  }
  if (stats.overBudget > 0) {
    lines.push(
      `trailwatch: ${clean(display)}: ${stats.overBudget} failed call(s) beyond the file's item budget: stored without index items (trailwatch event ID shows them)`,
    );
  }
  return lines;
}

/**
 * Exit code 1 ("some input failed") for failed files, rejected records and conflicts: a record that
 * reuses the eventID of another with other content is forged or corrupt, and was not indexed. Events
 * beyond a file's item budget are stored (without index items): counted, not a failure.
 */
export function inputFailed(totals: Totals): boolean {
  return totals.filesFailed > 0 || totals.rejected > 0 || totals.conflicts > 0;
}

/** Summary lines on conflicts and on events beyond a file's item budget, when there are. */
export function conflictsAndBudget(totals: Counters, settings: Settings): string[] {
  const lines: string[] = [];
  if (totals.conflicts > 0)
    lines.push(
      `  conflicts: ${totals.conflicts} record(s) reuse the eventID of an indexed event with other content: not indexed (trailwatch event ID shows them)`,
    );
  if (totals.overBudget > 0)
    lines.push(
      `  item budget: ${totals.overBudget} failed call(s) beyond their file's ${settings.fileItemBudget} index items: stored without index items`,
    );
  return lines;
}

/** The summary line on SSH key pushes and new findings, by rule. */
export function findingsLine(totals: Counters): string {
  return (
    `  SSH key pushes: ${totals.sshKeyPushes}; new findings: ${totals.findings}${describeByRule(totals.findingsByRule)}` +
    (totals.findings > 0 ? ' (list them: trailwatch findings)' : '')
  );
}

function describeByRule(byRule: Partial<Record<RuleId, number>>): string {
  const parts = RULE_IDS.filter((r) => byRule[r]).map((r) => `${r} ${byRule[r]}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}
