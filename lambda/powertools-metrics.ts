import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  FINDING_METRIC,
  IMMEDIATE_METRICS,
  METRICS_NAMESPACE,
  type MetricsSink,
  type OperationalMetric,
  RULE_DIMENSION,
} from './core/metrics';
import type { RuleId } from './core/rules';

/**
 * Metrics as CloudWatch Embedded Metric Format log lines, through Powertools Metrics. No `service`
 * dimension: the alarms watch the metrics exactly as CONTRACT names them (namespace `Trailwatch`,
 * `SuspiciousSshKeys` by `Rule` and with no dimension, operational metrics with no dimension).
 */
export function createMetrics(): Metrics {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'trailwatch' });
  metrics.clearDefaultDimensions();
  return metrics;
}

export class PowertoolsMetricsSink implements MetricsSink {
  constructor(private readonly metrics: Metrics) {}

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

  /** Published at once (two EMF lines: by rule, and all rules), so a later crash cannot lose it. */
  finding(rule: RuleId): void {
    const byRule = this.metrics.singleMetric();
    byRule.clearDefaultDimensions();
    byRule.addDimension(RULE_DIMENSION, rule);
    byRule.addMetric(FINDING_METRIC, MetricUnit.Count, 1);
    const total = this.metrics.singleMetric();
    total.clearDefaultDimensions();
    total.addMetric(FINDING_METRIC, MetricUnit.Count, 1);
  }
}
