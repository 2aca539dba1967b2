import { ArnFormat, type CfnResource, Duration, Lazy, Stack, Token } from 'aws-cdk-lib';
import {
  Alarm,
  CfnAlarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type OperationalMetric } from '../../lambda/core/metrics';
import { acknowledge } from '../acknowledge';
import { findingWidgets, ruleAlarms, TABLE_PLACEHOLDER } from './rule-alarms';

export interface MonitoringProps {
  readonly function: IFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /**
   * E-mail address subscribed to the alarm topic (it must confirm the subscription).
   * @default no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Alarm when no log file was processed for this long (a stopped or deleted trail is an attack signal).
   * @default Duration.minutes(120)
   */
  readonly noLogFilesFor?: Duration;
  /**
   * The table the rule alarms' descriptions name in the command that lists the findings.
   * @default the placeholder `<TableName>` (the stack output)
   */
  readonly tableName?: string;
}

function metric(name: OperationalMetric, period: Duration): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName: name, statistic: 'Sum', period });
}

/** An alarm notifies the topic but has no fixed name, so the policies cannot name its ARN. */
export class UnnamedAlarmError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnnamedAlarmError';
  }
}

/** Sids of the statements that let CloudWatch alarms publish to the encrypted topic. */
export const ALARM_PUBLISH_SIDS = {
  /** In the topic policy: sns:Publish. */
  topic: 'CloudWatchAlarmsPublish',
  /** In the key policy: kms:Decrypt and kms:GenerateDataKey* (SNS encrypts with the publisher's rights). */
  key: 'CloudWatchAlarmsUseKey',
} as const;

/**
 * One SNS topic (KMS-encrypted, TLS-only) that every alarm notifies: one alarm per rule of `RULES`
 * (./rule-alarms.ts), and operational alarms (dead letters, function errors, no log file processed,
 * event conflicts). Plus a dashboard of findings by rule and by severity, files, events, errors and
 * queue depth.
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  /** One per rule, in `RULES` order. */
  readonly ruleAlarms: Alarm[];
  readonly deadLetterAlarm: Alarm;
  readonly errorAlarm: Alarm;
  readonly noLogFilesAlarm: Alarm;
  readonly conflictAlarm: Alarm;
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const key = new Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'trailwatch alarm topic encryption',
    });
    this.topic = new Topic(this, 'Topic', {
      displayName: 'trailwatch alarms',
      masterKey: key,
      enforceSSL: true,
    });
    // enforceSSL gives the topic a policy of its own (a Deny without TLS), which replaces SNS's
    // default policy: nothing would let CloudWatch publish. Allow it, for this stack's alarms only
    // (confused deputy: the account and the exact ARNs of the alarms, listed at synthesis), and let
    // it use the key the same way (SNS encrypts a message with the publisher's rights on the key).
    const cloudwatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    const fromTheseAlarms = {
      StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
      ArnLike: { 'aws:SourceArn': Lazy.list({ produce: () => this.alarmArns() }) },
    };
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: ALARM_PUBLISH_SIDS.topic,
        principals: [cloudwatch],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromTheseAlarms,
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: ALARM_PUBLISH_SIDS.key,
        principals: [cloudwatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: fromTheseAlarms,
      }),
    );
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      acknowledge(
        subscription.node.defaultChild as CfnResource,
        'Serverless-SNSRedrivePolicy',
        'An e-mail that cannot be delivered is lost to SNS, not to the operator: every alarm stays in ALARM state in CloudWatch and on the dashboard.',
      );
    }
    const notify = new SnsAction(this.topic);

    const five = Duration.minutes(5);
    this.ruleAlarms = ruleAlarms(this, props.tableName);
    for (const alarm of this.ruleAlarms) alarm.addAlarmAction(notify);

    this.deadLetterAlarm = new Alarm(this, 'DeadLetters', {
      alarmName: 'trailwatch dead-letter queue not empty',
      alarmDescription:
        'Log files failed all their retries and were not indexed. Inspect and redrive the dead-letter queue (README: Operations).',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: five,
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.errorAlarm = new Alarm(this, 'FunctionErrors', {
      alarmName: 'trailwatch ingest function errors',
      alarmDescription: 'The ingest function failed (whole batches, timeouts, crashes). See its log group.',
      metric: props.function.metricErrors({ period: five, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const quiet = props.noLogFilesFor ?? Duration.minutes(120);
    this.noLogFilesAlarm = new Alarm(this, 'NoLogFiles', {
      alarmName: 'trailwatch no log file processed',
      alarmDescription: `No CloudTrail log file was processed for ${quiet.toMinutes()} minutes: the trail may be stopped or deleted, or delivery is broken.`,
      metric: metric('FilesProcessed', quiet),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.conflictAlarm = new Alarm(this, 'EventConflicts', {
      alarmName: 'trailwatch event conflicts',
      alarmDescription:
        'A log record reused the eventID of an indexed event with different content (a forged or corrupt log file); it was not written. The function log names both files (search for "reuse the eventID"); trailwatch event <eventID> --table <TableName> shows it.',
      metric: metric('EventConflicts', five),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const a of [this.deadLetterAlarm, this.errorAlarm, this.noLogFilesAlarm, this.conflictAlarm])
      a.addAlarmAction(notify);

    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(1) });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []): GraphWidget =>
      new GraphWidget({ title, left, right, width: 12, height: 6 });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# trailwatch\nFindings: \`trailwatch findings --table ${props.tableName ?? TABLE_PLACEHOLDER}\` (\`--rule ID\`, \`--severity high\`). Alarms notify the topic in the stack output \`AlarmTopicArn\`.`,
        width: 24,
        height: 2,
      }),
    );
    for (const row of findingWidgets({ sshKeyPushes: metric('SshKeyPushes', five) }))
      this.dashboard.addWidgets(...row);
    this.dashboard.addWidgets(
      graph('Log files', [
        metric('FilesProcessed', five),
        metric('FilesFailed', five),
        metric('FilesDeferred', five),
      ]),
      graph(
        'Records',
        [metric('RecordsRead', five), metric('EventsIndexed', five), metric('RecordsRejected', five)],
        [metric('EventConflicts', five), metric('EventsOverBudget', five), metric('ObjectsRefused', five)],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Ingest function',
        [props.function.metricErrors({ period: five }), props.function.metricThrottles({ period: five })],
        [props.function.metricDuration({ period: five, statistic: 'p99' })],
      ),
      graph(
        'Queues',
        [
          props.queue.metricApproximateNumberOfMessagesVisible({
            period: five,
            statistic: 'Maximum',
            label: 'waiting',
          }),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
            period: five,
            statistic: 'Maximum',
            label: 'dead letters',
          }),
        ],
        [
          new MathExpression({
            expression: 'age / 60',
            usingMetrics: {
              age: props.queue.metricApproximateAgeOfOldestMessage({ period: five, statistic: 'Maximum' }),
            },
            label: 'oldest message (minutes)',
            period: five,
          }),
        ],
      ),
    );
  }

  /**
   * The ARNs of the stack's alarms that notify the topic, built from their names (the key policy
   * cannot reference the alarms: they depend on the topic, which depends on the key).
   * @throws UnnamedAlarmError for such an alarm without a fixed name: its ARN would be unknown
   */
  private alarmArns(): string[] {
    const stack = Stack.of(this);
    const topic = JSON.stringify(stack.resolve(this.topic.topicArn));
    const arns: string[] = [];
    for (const alarm of stack.node.findAll()) {
      if (!(alarm instanceof CfnAlarm)) continue;
      const actions = [alarm.alarmActions, alarm.okActions, alarm.insufficientDataActions];
      if (!actions.some((a) => JSON.stringify(stack.resolve(a ?? [])).includes(topic))) continue;
      const name = alarm.alarmName;
      if (name === undefined || Token.isUnresolved(name))
        throw new UnnamedAlarmError(
          `${alarm.node.path}: an alarm that notifies the alarm topic needs a fixed alarmName (its ARN goes in the topic and key policies)`,
        );
      arns.push(
        stack.formatArn({
          service: 'cloudwatch',
          resource: 'alarm',
          resourceName: name,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      );
    }
    return arns;
  }
}
