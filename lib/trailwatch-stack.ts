import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { EventTable } from './constructs/event-table';
import { IngestFunction } from './constructs/ingest-function';
import { IngestQueue } from './constructs/ingest-queue';
import { Monitoring } from './constructs/monitoring';
import { TrailLogs } from './constructs/trail-logs';
import { checkLogsKeyRegion, functionEnvironment, readSettings, type TrailwatchSettings } from './settings';

export interface TrailwatchStackProps extends StackProps {
  /**
   * Settings; read from the CDK context (`trailwatch:*`) when absent.
   * @default readSettings(this.node)
   */
  readonly settings?: TrailwatchSettings;
}

/**
 * trailwatch: a trail and its bucket (or an existing trail's bucket), the queue the bucket announces
 * log files on, the function that indexes them, the index table, and alarms on one topic.
 */
export class TrailwatchStack extends Stack {
  constructor(scope: Construct, id: string, props: TrailwatchStackProps = {}) {
    super(scope, id, props);
    const settings = props.settings ?? readSettings(this.node);
    checkLogsKeyRegion(settings, this.region);

    const logs = new TrailLogs(this, 'TrailLogs', {
      ...(settings.existingBucketName ? { existingBucketName: settings.existingBucketName } : {}),
      organizationTrail: settings.organizationTrail,
      ...(settings.organizationId ? { organizationId: settings.organizationId } : {}),
      ebsDataEvents: settings.ebsDataEvents,
      logWriterPrincipalArns: settings.logWriterPrincipalArns,
      ...(settings.objectLockMode
        ? { objectLock: { mode: settings.objectLockMode, days: settings.objectLockDays } }
        : {}),
      ...(settings.logsKmsKeyArn ? { logsKmsKeyArn: settings.logsKmsKeyArn } : {}),
      createLogsKmsKey: settings.createLogsKmsKey,
      ...(settings.managementAccountId ? { managementAccountId: settings.managementAccountId } : {}),
    });
    const events = new EventTable(this, 'Events');
    const timeout = Duration.minutes(5);
    const ingest = new IngestQueue(this, 'Ingest', {
      bucket: logs.bucket,
      ...(logs.ownBucketArn ? { ownBucketArn: logs.ownBucketArn } : {}),
      logKeyPrefix: settings.logKeyPrefix,
      senderArns: settings.queueSenderArns,
      visibilityTimeout: Duration.minutes(timeout.toMinutes() * 6),
    });
    const fn = new IngestFunction(this, 'Indexer', {
      bucket: logs.bucket,
      logKeyPrefix: settings.logKeyPrefix,
      ...(logs.logsKeyArn ? { logsKeyArn: logs.logsKeyArn } : {}),
      queue: ingest.queue,
      table: events.table,
      timeout,
      maxConcurrency: settings.maxConcurrency,
      environment: functionEnvironment(settings),
    });
    const monitoring = new Monitoring(this, 'Monitoring', {
      function: fn.function,
      queue: ingest.queue,
      deadLetterQueue: ingest.deadLetterQueue,
      noLogFilesFor: Duration.minutes(settings.noLogFilesAlarmMinutes),
      tableName: events.table.tableName,
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    });

    new CfnOutput(this, 'TableName', {
      value: events.table.tableName,
      description: 'The index table (trailwatch --table)',
    });
    new CfnOutput(this, 'BucketName', {
      value: logs.bucket.bucketName,
      description: 'Where CloudTrail log files are delivered',
    });
    new CfnOutput(this, 'QueueUrl', {
      value: ingest.queue.queueUrl,
      description: 'Queue announcing new log files',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: ingest.deadLetterQueue.queueUrl,
      description: 'Messages that failed all retries',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: monitoring.topic.topicArn,
      description: 'SNS topic every alarm notifies',
    });
    new CfnOutput(this, 'FunctionName', {
      value: fn.function.functionName,
      description: 'The ingest function',
    });
    if (logs.trailArn)
      new CfnOutput(this, 'TrailArn', {
        value: logs.trailArn,
        description: 'The trail this stack created',
      });
  }
}
