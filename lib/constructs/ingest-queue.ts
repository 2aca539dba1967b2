import { type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, type CfnBucket, EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge';

export interface IngestQueueProps {
  /** The bucket whose new log files are announced on the queue. */
  readonly bucket: IBucket;
  /**
   * The ARN of `bucket` built from its name, when this stack owns the bucket: notifications are then
   * native bucket configuration (no custom resource), with the queue policy in place first.
   * @default the bucket is imported: notifications are added by aws-cdk-lib's custom resource, which
   * keeps the bucket's other notifications
   */
  readonly ownBucketArn?: string;
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

const SUFFIX = '.json.gz';

/**
 * The queue the bucket announces new log files on (S3 event notifications for `AWSLogs/…json.gz`),
 * with a dead-letter queue for messages that keep failing. Both encrypted and TLS-only.
 */
export class IngestQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    const prefix = props.prefix ?? 'AWSLogs/';
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
    acknowledge(
      this.deadLetterQueue.node.defaultChild as CfnResource,
      'Serverless-SQSRedrivePolicy',
      'This is the dead-letter queue: failed messages end here, to be inspected and redriven (README).',
    );

    if (props.ownBucketArn && props.bucket instanceof Bucket) {
      this.notifyNatively(props.bucket, props.ownBucketArn, prefix);
    } else {
      props.bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.queue), {
        prefix,
        suffix: SUFFIX,
      });
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

  /** Bucket → queue notifications as bucket configuration; S3 checks the queue policy when it is set. */
  private notifyNatively(bucket: Bucket, bucketArn: string, prefix: string): void {
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    );
    const cfnBucket = bucket.node.defaultChild as CfnBucket;
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          queue: this.queue.queueArn,
          filter: {
            s3Key: {
              rules: [
                { name: 'prefix', value: prefix },
                { name: 'suffix', value: SUFFIX },
              ],
            },
          },
        },
      ],
    };
    const policy = this.queue.node.tryFindChild('Policy');
    if (policy) bucket.node.addDependency(policy);
  }
}
