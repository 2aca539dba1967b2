import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge';

export interface IngestQueueProps {
  /** The bucket whose new log files are announced on the queue. */
  readonly bucket: IBucket;
  /**
   * Key prefix of the announced objects.
   * @default 'AWSLogs/'
   */
  readonly prefix?: string;
  /**
   * How long a message stays invisible while the function works on it: at least six times the
   * function timeout, as AWS recommends for SQS event sources.
   * @default Duration.minutes(30)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * Receives before a message goes to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
}

/**
 * The queue the bucket announces new log files on (S3 event notifications for `AWSLogs/…json.gz`),
 * with a dead-letter queue for messages that keep failing. Both encrypted and TLS-only.
 */
export class IngestQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout ?? Duration.minutes(30),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    props.bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.queue), {
      prefix: props.prefix ?? 'AWSLogs/',
      suffix: '.json.gz',
    });

    acknowledge(
      this.deadLetterQueue.node.defaultChild as CfnResource,
      'Serverless-SQSRedrivePolicy',
      'This is the dead-letter queue: failed messages end here, to be inspected and redriven (README).',
    );
    // aws-cdk-lib's custom resource that sets bucket notifications (one per stack)
    const handler = Stack.of(this).node.children.find((c) =>
      c.node.id.startsWith('BucketNotificationsHandler'),
    );
    const role = handler?.node.tryFindChild('Role')?.node.defaultChild;
    if (role) {
      acknowledge(
        role,
        'AwsSolutions-IAM4',
        "aws-cdk-lib's BucketNotifications handler; the managed policy only lets it write its own logs.",
        'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
      );
    }
  }
}
