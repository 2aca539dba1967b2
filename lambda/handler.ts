import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { UsageError } from './core/errors';
import { logLocationFromEnv, type NotificationDeps, processNotification } from './core/notification';
import { settingsFromEnv } from './core/settings';
import { type TimeBudget, timeBudgetFromEnv } from './core/time-budget';
import { createMetrics, PowertoolsMetricsSink } from './powertools-metrics';
import { S3ObjectReader } from './s3-objects';
import { EventStore } from './store/event-store';

/**
 * The ingest function: SQS messages announcing CloudTrail log files → the pipeline. It only adapts
 * the event: each message is processed by `processNotification`, and messages that failed are
 * reported back (partial batch response) so SQS redelivers them, then dead-letters them. Messages
 * are taken one at a time, and not started when the invocation's time runs low.
 *
 * Configuration (set by the stack): `TABLE_NAME`, `TRAILWATCH_LOG_BUCKET` (the only bucket whose
 * objects it reads: announced objects of others are refused) and `TRAILWATCH_LOG_KEY_PREFIX` (the
 * trail's key prefix, optional), the `TRAILWATCH_*` settings. A missing or invalid one fails the
 * invocation, naming the variable, before any message is looked at (the function-errors alarm).
 */

/** Environment variable naming the table (set by the stack). */
export const TABLE_ENV = 'TABLE_NAME';

const logger = new Logger({ serviceName: 'trailwatch' });
const metrics = createMetrics();
const processor = new BatchProcessor(EventType.SQS);

let deps: NotificationDeps | undefined;

/**
 * Built on first use (not at import), so that a misconfiguration fails the invocation with a message
 * that says what to fix.
 */
function dependencies(): NotificationDeps {
  if (deps) return deps;
  const tableName = process.env[TABLE_ENV];
  if (!tableName) throw new UsageError('is not set: the function needs the name of its table', TABLE_ENV);
  deps = {
    logLocation: logLocationFromEnv(process.env),
    reader: new S3ObjectReader(),
    store: new EventStore({ tableName }),
    settings: settingsFromEnv(process.env),
    metrics: new PowertoolsMetricsSink(metrics),
    log: logger,
  };
  return deps;
}

async function recordHandler(
  record: SQSRecord,
  configured: NotificationDeps,
  budget: TimeBudget,
): Promise<void> {
  logger.appendKeys({ messageId: record.messageId, receiveCount: record.attributes.ApproximateReceiveCount });
  try {
    await processNotification(record.body, { ...configured, budget });
  } catch (error) {
    // the message goes back to the queue; after maxReceiveCount attempts, to the dead-letter queue
    logger.error('message failed', { error: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    logger.removeKeys(['messageId', 'receiveCount']);
  }
}

export async function handler(event: SQSEvent, context: Context): Promise<SQSBatchResponse> {
  logger.addContext(context);
  try {
    let configured: NotificationDeps;
    let budget: TimeBudget;
    try {
      configured = dependencies();
      budget = timeBudgetFromEnv(() => context.getRemainingTimeInMillis(), process.env);
    } catch (error) {
      logger.error('misconfigured: no message processed', {
        error: error instanceof UsageError ? error.describe() : String(error),
      });
      throw error;
    }
    // one message after the other: memory stays that of one file, and the messages left when time
    // runs low are not started (failed for redelivery) instead of the invocation timing out
    return await processPartialResponse(
      event,
      (record: SQSRecord) => recordHandler(record, configured, budget),
      processor,
      {
        context,
        processInParallel: false,
        // a batch whose every message failed is reported like any other (the messages are
        // redelivered); failing the invocation would only add a function error to the alarms
        throwOnFullBatchFailure: false,
      },
    );
  } finally {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
