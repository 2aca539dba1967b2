import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  GraphWidget,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import {
  FINDINGS_METRIC,
  type FindingMetric,
  METRICS_NAMESPACE,
  RULE_DIMENSION,
  SSH_KEY_FINDINGS_METRIC,
} from '../../lambda/core/metrics';
import { RULES, type Rule, SEVERITIES, type Severity } from '../../lambda/core/rules';

/**
 * The alarms and dashboard graphs of the rules, all derived from `RULES`: a rule added there gets its
 * alarm, its line on its severity's graph and its part of the severity's sum, with nothing to add here.
 */

/** Where `Findings` and `SuspiciousSshKeys` are counted over: the alarms' period. */
export const FINDINGS_PERIOD = Duration.minutes(5);

/** The table named in alarm descriptions when the construct is not told the real one. */
export const TABLE_PLACEHOLDER = '<TableName>';

/** The longest title an alarm description quotes (CloudWatch allows 1,024 characters in all). */
const TITLE_MAX = 300;

export function findingMetric(
  name: FindingMetric,
  rule?: string,
  period: Duration = FINDINGS_PERIOD,
): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    statistic: 'Sum',
    period,
    ...(rule ? { dimensionsMap: { [RULE_DIMENSION]: rule } } : {}),
  });
}

/** `trailwatch <rule id> (<severity>)`: what fired, in the notification's subject. */
export function ruleAlarmName(rule: Pick<Rule, 'id' | 'severity'>): string {
  return `trailwatch ${rule.id} (${rule.severity})`;
}

/** What fired (severity, title, rule, technique) and the command that lists its findings. */
export function ruleAlarmDescription(
  rule: Pick<Rule, 'id' | 'severity' | 'title' | 'attack'>,
  tableName: string = TABLE_PLACEHOLDER,
): string {
  const title = rule.title.length > TITLE_MAX ? `${rule.title.slice(0, TITLE_MAX - 1)}…` : rule.title;
  return (
    `${capitalized(rule.severity)} severity: ${title} (rule ${rule.id}, MITRE ATT&CK ${rule.attack}). ` +
    `List its findings: trailwatch findings --rule ${rule.id} --table ${tableName}`
  );
}

function capitalized(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * One alarm per rule on its `Findings` (Sum >= 1 over 5 minutes, missing data not breaching), in
 * `RULES` order; the caller adds the action.
 */
export function ruleAlarms(scope: Construct, tableName?: string, rules: readonly Rule[] = RULES): Alarm[] {
  return rules.map(
    (rule) =>
      new Alarm(scope, `Rule-${rule.id}`, {
        alarmName: ruleAlarmName(rule),
        alarmDescription: ruleAlarmDescription(rule, tableName),
        metric: findingMetric(FINDINGS_METRIC, rule.id),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
  );
}

/** The rules of each severity, highest first, severities without rules left out. */
export function rulesBySeverity(rules: readonly Rule[] = RULES): [Severity, Rule[]][] {
  return [...SEVERITIES]
    .reverse()
    .map((s): [Severity, Rule[]] => [s, rules.filter((r) => r.severity === s)])
    .filter(([, list]) => list.length > 0);
}

/**
 * The dashboard rows of the findings: a graph per severity with its rules' `Findings` (a line per
 * rule); then the findings by severity (a sum per severity) with the total, and the SSH key pushes
 * with `SuspiciousSshKeys`.
 */
export function findingWidgets(
  extra: { sshKeyPushes: IMetric },
  rules: readonly Rule[] = RULES,
): IWidget[][] {
  const groups = rulesBySeverity(rules);
  const width = Math.max(6, Math.floor(24 / Math.max(1, groups.length)));
  const perSeverity = groups.map(
    ([severity, list]) =>
      new GraphWidget({
        title: `${capitalized(severity)} severity findings by rule`,
        left: list.map((r) => findingMetric(FINDINGS_METRIC, r.id).with({ label: r.id })),
        width,
        height: 6,
      }),
  );
  const sums = groups.map(
    ([severity, list]) =>
      new MathExpression({
        expression: `SUM([${list.map((_, i) => `${severity}${i}`).join(',')}])`,
        usingMetrics: Object.fromEntries(
          list.map((r, i) => [`${severity}${i}`, findingMetric(FINDINGS_METRIC, r.id)]),
        ),
        label: severity,
        period: FINDINGS_PERIOD,
      }),
  );
  return [
    perSeverity,
    [
      new GraphWidget({
        title: 'Findings by severity',
        left: sums,
        right: [findingMetric(FINDINGS_METRIC).with({ label: 'findings (all rules)' })],
        width: 12,
        height: 6,
      }),
      new GraphWidget({
        title: 'SSH key pushes and their findings',
        left: [extra.sshKeyPushes],
        right: [
          findingMetric(SSH_KEY_FINDINGS_METRIC).with({ label: 'SSH key findings (all SSH key rules)' }),
        ],
        width: 12,
        height: 6,
      }),
    ],
  ];
}
