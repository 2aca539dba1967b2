import type { RuleId } from './rules';

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
  | 'SshKeyPushes';

/** `SuspiciousSshKeys`: with dimension `Rule`, and the same metric with no dimension (all rules). */
export const FINDING_METRIC = 'SuspiciousSshKeys';
export const RULE_DIMENSION = 'Rule';

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
