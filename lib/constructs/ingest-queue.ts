import { createHash } from 'node:crypto';
import { CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Match, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, type CfnBucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge } from '../acknowledge';

export interface IngestQueueProps {
  /** The bucket whose new log files are announced on the queue. */
  readonly bucket: IBucket;
  /**
   * The ARN of `bucket` built from its name, when this stack owns the bucket: S3 announces log files
   * itself (bucket notification configuration, no custom resource), with the queue policy in place first.
   * @default the bucket is imported: S3 sends its events to EventBridge (a flag set by aws-cdk-lib's
   * custom resource, which keeps the bucket's other notifications) and a rule forwards log files
   */
  readonly ownBucketArn?: string;
  /**
   * The trail's S3 key prefix in front of `AWSLogs/` (`''` or ending with `/`).
   * @default ''
   */
  readonly logKeyPrefix?: string;
  /**
   * IAM principals (`aws:PrincipalArn`: users, roles, account root) that may send to the queue
   * besides S3 or EventBridge for the log bucket, e.g. for `trailwatch backfill --queue`.
   * @default none
   */
  readonly senderArns?: readonly string[];
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

/** What a CloudTrail log file's key ends with. */
export const LOG_FILE_SUFFIX = '.json.gz';

/** Sid of the ingest queue policy's statement that keeps other senders out. */
export const DENY_OTHER_SENDERS_SID = 'DenySendExceptLogDelivery';

/**
 * The queue the log bucket announces new log files on, with a dead-letter queue for messages that
 * keep failing. Both encrypted and TLS-only; only the log bucket's announcements and the named
 * senders may send to the queue.
 *
 * - A bucket this stack owns announces `<prefix>AWSLogs/…json.gz` objects with S3 event
 *   notifications (bucket configuration).
 * - An existing bucket sends its events to EventBridge, and a rule forwards the CloudTrail log files
 *   (`<prefix>AWSLogs/*…/CloudTrail/*.json.gz`) as EventBridge events. aws-cdk-lib's notifications
 *   custom resource only turns the bucket's EventBridge flag on: its Create and Delete keep the
 *   bucket's other notifications as they are, but its Update rewrites them without their IDs, so
 *   the resource is keyed to the bucket and never updated (test/deploy/bucket-notifications.test.ts).
 */
export class IngestQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  /** The EventBridge rule forwarding an existing bucket's log files. */
  readonly rule?: Rule;

  constructor(scope: Construct, id: string, props: IngestQueueProps) {
    super(scope, id);
    const prefix = `${props.logKeyPrefix ?? ''}AWSLogs/`;
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

    let deliverer: string;
    if (props.ownBucketArn && props.bucket instanceof Bucket) {
      this.notifyNatively(props.bucket, props.ownBucketArn, prefix);
      deliverer = props.ownBucketArn;
    } else {
      this.rule = this.forwardFromEventBridge(props.bucket, prefix);
      deliverer = this.rule.ruleArn;
    }
    this.denyOtherSenders(deliverer, props.senderArns ?? []);
  }

  /**
   * Nobody but the log delivery (S3 for the own bucket, the EventBridge rule for an existing one) and
   * the named principals may send: a message names a file the function then reads and indexes.
   *
   * The Deny applies when both conditions hold (conditions of a statement are ANDed):
   * - `ArnNotEquals aws:SourceArn` is true for every request but the delivering service's on behalf
   *   of the log bucket or rule. A negated operator is also true when the key is absent, and IAM
   *   users and roles never carry `aws:SourceArn`: their requests are denied here...
   * - ...unless `ArnNotLike aws:PrincipalArn` is false, i.e. the caller is one of `senderArns` (for a
   *   role, any of its sessions). A service principal carries no `aws:PrincipalArn` (absent: true),
   *   so S3 for another bucket or any other service stays denied. With no senders the second
   *   condition is left out and only the delivering service may send.
   * The Allow statements for the delivering service stay as they are: this Deny never matches them.
   */
  private denyOtherSenders(deliverer: string, senderArns: readonly string[]): void {
    this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: DENY_OTHER_SENDERS_SID,
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnNotEquals: { 'aws:SourceArn': deliverer },
          ...(senderArns.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': [...senderArns] } } : {}),
        },
      }),
    );
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
                { name: 'suffix', value: LOG_FILE_SUFFIX },
              ],
            },
          },
        },
      ],
    };
    const policy = this.queue.node.tryFindChild('Policy');
    if (policy) bucket.node.addDependency(policy);
  }

  /**
   * An existing bucket's events through EventBridge: the bucket's flag on, and a rule forwarding its
   * CloudTrail log files (both layouts, no digest, Insights or AWS Config file) to the queue; events
   * EventBridge cannot deliver go to the dead-letter queue.
   */
  private forwardFromEventBridge(bucket: IBucket, prefix: string): Rule {
    bucket.enableEventBridgeNotification();
    const notifications = bucket.node.tryFindChild('Notifications')?.node.tryFindChild('Resource');
    if (notifications instanceof CfnResource) {
      // keyed to the bucket: another bucket replaces the resource (Create, then Delete on the old
      // bucket), and nothing else ever changes its properties, so CloudFormation never sends the
      // Update that would rewrite the bucket's other notifications
      const digest = createHash('sha256').update(bucket.bucketName).digest('hex').slice(0, 12);
      notifications.overrideLogicalId(`LogBucketEventBridge${digest.toUpperCase()}`);
    }
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
    return new Rule(this, 'LogFileCreated', {
      description: `trailwatch: CloudTrail log files created in ${bucket.bucketName}, to the ingest queue`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [bucket.bucketName] },
          object: { key: Match.wildcard(`${prefix}*/CloudTrail/*${LOG_FILE_SUFFIX}`) },
        },
      },
      targets: [
        new SqsQueue(this.queue, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
