import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { QueueSendError } from '../../lambda/core/errors';
import { type Backoff, sleep as realSleep, sendAll } from '../../lambda/core/retry';
import type { QueueSender } from './backfill';

/** The region in a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`), if any. */
export function queueRegion(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//.exec(url)?.[1];
}

/**
 * Whole requests (throttling, server errors, network) are retried by the SDK's standard strategy,
 * set here once; the entries an answer reports failed are sent again by `sendAll`
 * (lambda/core/retry.ts, as the store's UnprocessedItems), 5 sends in all, waits of up to 200 ms,
 * 400 ms, … with full jitter.
 */
const SDK_RETRIES: SQSClientConfig = { retryMode: 'standard', maxAttempts: 3 };
const FAILED_ENTRIES: Backoff = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5000 };

type Entry = { Id: string; MessageBody: string };
type FailedEntry = { Id?: string; SenderFault?: boolean; Code?: string; Message?: string };

/**
 * SendMessageBatch, 10 messages a call. Entries SQS reports as failed on its side are sent again
 * with backoff (bounded); a sender fault (access denied, message too large) fails at once.
 */
export class SqsQueueSender implements QueueSender {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient,
    private readonly sleep: (ms: number) => Promise<void> = realSleep,
  ) {}

  static create(queueUrl: string, env: NodeJS.ProcessEnv, config: SQSClientConfig = {}): SqsQueueSender {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? queueRegion(queueUrl);
    // the SDK's standard endpoint variables, read from the environment given (as for S3)
    const endpoint = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL;
    return new SqsQueueSender(
      queueUrl,
      new SQSClient({
        ...SDK_RETRIES,
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        ...config,
      }),
    );
  }

  async send(bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) await this.sendBatch(bodies.slice(i, i + 10));
  }

  private async sendBatch(bodies: readonly string[]): Promise<void> {
    let failed: FailedEntry[] = [];
    let attempts = 0;
    const send = async (entries: readonly Entry[]): Promise<readonly Entry[]> => {
      attempts++;
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: [...entries] }),
        );
        failed = out.Failed ?? [];
      } catch (error) {
        throw new QueueSendError(`SendMessageBatch failed: ${(error as Error).message}`, this.queueUrl, {
          cause: error,
        });
      }
      const fault = failed.find((f) => f.SenderFault);
      if (fault) throw this.notAccepted(failed, fault, attempts);
      const ids = new Set(failed.map((f) => f.Id));
      return entries.filter((e) => ids.has(e.Id));
    };
    const entries = bodies.map((body, i) => ({ Id: String(i), MessageBody: body }));
    const unsent = await sendAll(entries, send, { ...FAILED_ENTRIES, sleep: this.sleep });
    if (unsent) throw this.notAccepted(failed, failed[0], unsent.attempts);
  }

  private notAccepted(
    failed: readonly FailedEntry[],
    f: FailedEntry | undefined,
    attempts: number,
  ): QueueSendError {
    return new QueueSendError(
      `${failed.length} message(s) not accepted${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${f?.Code ?? 'error'} ${f?.Message ?? ''}`.trim(),
      this.queueUrl,
    );
  }
}
