import type { MetricsSink, OperationalMetric } from '../../lambda/core/metrics';
import type { RuleId } from '../../lambda/core/rules';

/** A metrics sink that keeps the counts and the rules of findings, for assertions. */
export class RecordingMetrics implements MetricsSink {
  readonly counts: Partial<Record<OperationalMetric, number>> = {};
  readonly findings: RuleId[] = [];
  count(name: OperationalMetric, value: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
  finding(rule: RuleId): void {
    this.findings.push(rule);
  }
}
