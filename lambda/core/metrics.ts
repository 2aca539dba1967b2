import { ruleById } from './rule-lookup';
import type { Rule, RuleId } from './rules';

/** CloudWatch namespace of every trailwatch metric (CONTRACT "CloudWatch"). */
export const METRICS_NAMESPACE = 'Trailwatch';

/** The operational metrics (all counts, no dimension). */
export type OperationalMetric =
  | 'FilesProcessed'
  | 'FilesFailed'
  /** Files not started, or abandoned part-way, because the invocation ran out of time (redelivered). */
  | 'FilesDeferred'
  | 'RecordsRead'
  | 'RecordsRejected'
  | 'EventsIndexed'
  | 'SshKeyPushes'
  /**
   * A record reuses the eventID of an indexed event with different content (forgery, or a corrupt
   * copy): it is not written. Once per distinct conflicting record (eventID and content), when its
   * conflict item is first recorded; published at once, like findings.
   */
  | 'EventConflicts'
  /** An announced object of another bucket, or outside the trail's key prefix: not read, acknowledged. */
  | 'ObjectsRefused'
  /** Failed calls stored without index items: their file spent its item budget. */
  | 'EventsOverBudget';

/** Operational metrics published the moment they are counted (a later crash cannot lose them). */
export const IMMEDIATE_METRICS: ReadonlySet<OperationalMetric> = new Set(['EventConflicts']);

/** `Findings`: every rule's findings, with dimension `Rule`, and the same metric with no dimension (all rules). */
export const FINDINGS_METRIC = 'Findings';
/** `SuspiciousSshKeys`: the findings of the SSH key rules (family `ssh-key`) only, by `Rule` and in total. */
export const SSH_KEY_FINDINGS_METRIC = 'SuspiciousSshKeys';
export type FindingMetric = typeof FINDINGS_METRIC | typeof SSH_KEY_FINDINGS_METRIC;
export const RULE_DIMENSION = 'Rule';

/**
 * The metrics a newly recorded finding of a rule adds 1 to, each with dimension `Rule` and with no
 * dimension (CONTRACT "CloudWatch"): `Findings` for every rule (an ID no rule has too), and
 * `SuspiciousSshKeys` for the rules of family `ssh-key`.
 */
export function findingMetricsOf(rule: string, rules?: readonly Rule[]): readonly FindingMetric[] {
  return ruleById(rule, rules)?.family === 'ssh-key' ? SSH_KEY_RULE_METRICS : ANY_RULE_METRICS;
}

const ANY_RULE_METRICS: readonly FindingMetric[] = [FINDINGS_METRIC];
const SSH_KEY_RULE_METRICS: readonly FindingMetric[] = [FINDINGS_METRIC, SSH_KEY_FINDINGS_METRIC];

/**
 * Where the pipeline reports what it did. The Lambda sends these to CloudWatch (EMF through
 * Powertools Metrics); the CLI writes none.
 */
export interface MetricsSink {
  count(name: OperationalMetric, value: number): void;
  /** A finding was newly recorded: emit at once, so that a later crash cannot lose it. */
  finding(rule: RuleId): void;
}

export const NO_METRICS: MetricsSink = {
  count: () => undefined,
  finding: () => undefined,
};
