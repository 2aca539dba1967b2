import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * What the Lambda service hands a function: a context, and SQS events as the event source mapping
 * builds them from queue messages. (The shapes of the aws-lambda type definitions, not an AWS API.)
 */
export function lambdaContext(timeoutMs = 300_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'trailwatch-ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:trailwatch-ingest',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/trailwatch-ingest',
    logStreamName: '2026/11/24/[$LATEST]test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function sqsRecord(body: string, receiveCount = 1): SQSRecord {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:trailwatch-ingest',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...bodies: string[]): SQSEvent {
  return { Records: bodies.map((b) => sqsRecord(b)) };
}

/** The body of an S3 event notification for new objects, with keys URL-encoded as S3 writes them. */
export function s3Notification(bucket: string, ...objects: { key: string; size?: number }[]): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-east-1',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:AROAEXAMPLE:regionalDeliverySession' },
      requestParameters: { sourceIPAddress: '192.0.2.1' },
      responseElements: { 'x-amz-request-id': 'EXAMPLE', 'x-amz-id-2': 'EXAMPLE' },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'trailwatch',
        bucket: { name: bucket, ownerIdentity: { principalId: 'EXAMPLE' }, arn: `arn:aws:s3:::${bucket}` },
        object: {
          key: encodeURIComponent(o.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
          size: o.size ?? 1234,
          eTag: 'abc',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    })),
  });
}

/** The message S3 sends when notifications are set up. */
export function s3TestEvent(bucket: string): string {
  return JSON.stringify({
    Service: 'Amazon S3',
    Event: 's3:TestEvent',
    Time: new Date().toISOString(),
    Bucket: bucket,
    RequestId: 'X',
    HostId: 'Y',
  });
}

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A JSON document the function wrote to stdout: an EMF metrics document or a log line. */
export type LogDocument = Record<string, unknown>;

/**
 * Runs the handler, returning its response, the EMF documents and the log lines it wrote (stdout and
 * stderr are captured, so a test run stays quiet).
 */
export async function invoke(
  handler: SqsHandler,
  event: SQSEvent,
  context: Context = lambdaContext(),
): Promise<{ response: SQSBatchResponse; emf: LogDocument[]; logs: LogDocument[] }> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    lines.push(String(chunk));
    return true;
  };
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    const response = await handler(event, context);
    const docs = lines
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogDocument);
    return { response, emf: docs.filter((d) => '_aws' in d), logs: docs.filter((d) => !('_aws' in d)) };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** The `Findings` metrics of EMF documents (every rule's): the rule, or `(all)` for the total. */
export function findingMetrics(emf: LogDocument[]): string[] {
  return emf.filter((d) => d.Findings !== undefined).map((d) => (d.Rule as string | undefined) ?? '(all)');
}

/** The sum of one metric over EMF documents (a metric added several times is an array of values). */
export function metricSum(emf: LogDocument[], name: string): number {
  let sum = 0;
  for (const d of emf) {
    const v = d[name];
    for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'number') sum += x;
  }
  return sum;
}
