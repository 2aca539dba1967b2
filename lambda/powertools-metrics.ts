import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  findingMetricsOf,
  IMMEDIATE_METRICS,
  METRICS_NAMESPACE,
  type MetricsSink,
  type OperationalMetric,
  RULE_DIMENSION,
} from './core/metrics';
import { RULES, type Rule, type RuleId } from './core/rules';

/**
 * Metrics as CloudWatch Embedded Metric Format log lines, through Powertools Metrics. No `service`
 * dimension: the alarms watch the metrics exactly as CONTRACT names them (namespace `Trailwatch`,
 * `Findings` and `SuspiciousSshKeys` by `Rule` and with no dimension, operational metrics with no
 * dimension).
 */
export function createMetrics(): Metrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'trailwatch' });
  metrics.clearDefaultDimensions();
  return metrics;
}

export class PowertoolsMetricsSink implements MetricsSink {
  /** Findings are published on their own, not with the buffered operational counts. */
  private findings: Metrics | undefined;

  /** @param rules the rules whose family decides the metrics of a finding (tests add their own) */
  constructor(
    private readonly metrics: Metrics,
    private readonly rules: readonly Rule[] = RULES,
  ) {}

  /**
   * Buffered, published with `metrics.publishStoredMetrics()` at the end of the invocation; those of
   * `IMMEDIATE_METRICS` (conflicts, counted once ever) are published at once.
   */
  count(name: OperationalMetric, value: number): void {
    if (!IMMEDIATE_METRICS.has(name)) {
      this.metrics.addMetric(name, MetricUnit.Count, value);
      return;
    }
    const single = this.metrics.singleMetric();
    single.clearDefaultDimensions();
    single.addMetric(name, MetricUnit.Count, value);
  }

  /**
   * Published at once, so a later crash cannot lose it: two EMF lines, one with dimension `Rule`
   * and one with none, each holding `Findings` (and `SuspiciousSshKeys` for an SSH key rule).
   */
  finding(rule: RuleId): void {
    const names = findingMetricsOf(rule, this.rules);
    this.findings ??= createMetrics();
    this.findings.addDimension(RULE_DIMENSION, rule);
    for (const name of names) this.findings.addMetric(name, MetricUnit.Count, 1);
    this.findings.publishStoredMetrics();
    for (const name of names) this.findings.addMetric(name, MetricUnit.Count, 1);
    this.findings.publishStoredMetrics();
  }
}
