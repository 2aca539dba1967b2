import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { QueueSendError } from '../../lambda/core/errors';
import type { QueueSender } from './backfill';

/** The region in a queue URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`), if any. */
export function queueRegion(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\//.exec(url)?.[1];
}

const ATTEMPTS = 5;

/**
 * SendMessageBatch, 10 messages a call. Entries SQS reports as failed on its side are sent again
 * with backoff (bounded); a sender fault (access denied, message too large) fails at once.
 */
export class SqsQueueSender implements QueueSender {
  constructor(
    private readonly queueUrl: string,
    private readonly client: SQSClient,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  static create(queueUrl: string, env: NodeJS.ProcessEnv, config: SQSClientConfig = {}): SqsQueueSender {
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? queueRegion(queueUrl);
    // the SDK's standard endpoint variables, read from the environment given (as for S3)
    const endpoint = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL;
    return new SqsQueueSender(
      queueUrl,
      new SQSClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}), ...config }),
    );
  }

  async send(bodies: readonly string[]): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) await this.sendBatch(bodies.slice(i, i + 10));
  }

  private async sendBatch(bodies: readonly string[]): Promise<void> {
    let entries = bodies.map((body, i) => ({ Id: String(i), MessageBody: body }));
    for (let attempt = 1; ; attempt++) {
      let failed: { Id?: string; SenderFault?: boolean; Code?: string; Message?: string }[];
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        failed = out.Failed ?? [];
      } catch (error) {
        throw new QueueSendError(`SendMessageBatch failed: ${(error as Error).message}`, this.queueUrl, {
          cause: error,
        });
      }
      if (failed.length === 0) return;
      const fault = failed.find((f) => f.SenderFault);
      if (fault || attempt >= ATTEMPTS) {
        const f = fault ?? failed[0];
        throw new QueueSendError(
          `${failed.length} message(s) not accepted${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${f?.Code ?? 'error'} ${f?.Message ?? ''}`.trim(),
          this.queueUrl,
        );
      }
      const ids = new Set(failed.map((f) => f.Id));
      entries = entries.filter((e) => ids.has(e.Id));
      await this.sleep(Math.random() * 100 * 2 ** attempt);
    }
  }
}
