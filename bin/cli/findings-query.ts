import { UsageError } from '../../lambda/core/errors';
import { type FindingLine, findingOnInstance } from '../../lambda/core/findings';
import { keys } from '../../lambda/core/items';
import { isNamedInstanceId } from '../../lambda/core/resource-ids';
import { isRuleId, RULE_IDS, RULES, SEVERITIES, type Severity } from '../../lambda/core/rules';
import type { TrailStore } from '../../lambda/core/store-port';
import { readFindings } from './findings-reader';
import { type Review, readReviews, withReview } from './reviews';

/**
 * The findings `trailwatch findings` lists and `trailwatch ui` shows, the same lines for both: of one
 * rule, of the rules of one severity (exactly that severity), about one instance (its first
 * instance, or any the event names), within a time range, newest first, each with its review.
 */

export interface FindingsFilter {
  readonly rule?: string;
  readonly severity?: Severity;
  readonly instance?: string;
}

/** The filters as typed (options of `findings`, parameters of `GET /api/findings`). */
export interface FindingsFilterInput {
  readonly rule?: string | undefined;
  readonly severity?: string | undefined;
  readonly instance?: string | undefined;
}

/** The filters of the flags. @throws UsageError naming the option (`names` maps rule, severity, instance) */
export function findingsFilter(
  flags: FindingsFilterInput,
  names: { rule: string; severity: string; instance: string } = {
    rule: '--rule',
    severity: '--severity',
    instance: '--instance',
  },
): FindingsFilter {
  if (flags.rule !== undefined && !isRuleId(flags.rule))
    throw new UsageError(`unknown rule '${flags.rule}'; rules: ${RULE_IDS.join(', ')}`, names.rule);
  const severity = flags.severity?.trim().toLowerCase();
  if (severity !== undefined && !(SEVERITIES as readonly string[]).includes(severity))
    throw new UsageError(
      `unknown severity '${flags.severity}'; severities: ${SEVERITIES.join(', ')}`,
      names.severity,
    );
  const instance = flags.instance?.trim().toLowerCase();
  if (instance !== undefined && !isNamedInstanceId(instance))
    throw new UsageError(
      `'${flags.instance}' is not an instance ID (i- followed by 8 or 17 hex digits)`,
      names.instance,
    );
  return {
    ...(flags.rule !== undefined ? { rule: flags.rule } : {}),
    ...(severity !== undefined ? { severity: severity as Severity } : {}),
    ...(instance !== undefined ? { instance } : {}),
  };
}

/**
 * The partitions that hold the wanted findings: the rule's; or those of the rules of the severity
 * (a finding's severity is its rule's); or `FINDINGS`, every rule's.
 */
export function findingPartitions(filter: FindingsFilter): string[] {
  if (filter.rule !== undefined) return [keys.findings(filter.rule)];
  if (filter.severity !== undefined)
    return RULES.filter((r) => r.severity === filter.severity).map((r) => keys.findings(r.id));
  return [keys.findings()];
}

function keepOf(filter: FindingsFilter): ((line: FindingLine) => boolean) | undefined {
  const { severity, instance } = filter;
  if (severity === undefined && instance === undefined) return undefined;
  return (line) =>
    (severity === undefined || line.severity === severity) &&
    (instance === undefined || findingOnInstance(line, instance));
}

/** A finding line with its review (`findings --json`, the API). */
export type ReviewedFindingLine = FindingLine & { readonly review: Review | null };

/** Up to `limit` finding lines of the filter, newest first, each with its review; `more` when more follow. */
export async function readFindingLines(
  store: TrailStore,
  filter: FindingsFilter,
  range: { sinceMs?: number; untilMs?: number; limit: number },
  nowMs: number,
): Promise<{ lines: ReviewedFindingLine[]; more: boolean }> {
  const keep = keepOf(filter);
  const [{ lines, more }, reviews] = await Promise.all([
    readFindings((pk, o) => store.queryPage(pk, o), {
      partitions: findingPartitions(filter),
      ...range,
      nowMs,
      ...(keep ? { keep } : {}),
    }),
    readReviews(store, nowMs),
  ]);
  return { lines: lines.map((line) => withReview(line, reviews)), more };
}
