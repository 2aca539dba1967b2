import { join } from 'node:path';
import { type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, CfnEventSourceMapping, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, nagText } from '../acknowledge';

export interface IngestFunctionProps {
  /** Where the log files are. */
  readonly bucket: IBucket;
  /**
   * The trail's S3 key prefix in front of `AWSLogs/` (`''` or ending with `/`). The function may read
   * the CloudTrail log files under `<logKeyPrefix>AWSLogs/` ({@link cloudTrailKeys}), nothing else.
   * @default ''
   */
  readonly logKeyPrefix?: string;
  /**
   * The KMS key the log files are encrypted with: the function may decrypt with it, through S3 only.
   * @default none (SSE-S3)
   */
  readonly logsKeyArn?: string;
  /** The queue announcing new log files. */
  readonly queue: IQueue;
  /** The index table. */
  readonly table: ITable;
  /** Settings passed to the function as TRAILWATCH_* environment variables. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Function instances the queue may drive at once: a backlog cannot exhaust the table or the
   * account's concurrency.
   * @default 5
   */
  readonly maxConcurrency?: number;
  /**
   * Memory: large organization-trail files are streamed, but parsing is CPU-bound and Lambda gives
   * CPU in proportion to memory.
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Timeout; the queue's visibility timeout must be at least six times this.
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's logs.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
}

/** Environment variables naming where the function may read log files (the handler checks messages against them). */
export const LOG_LOCATION_ENV = {
  /** The name of the log bucket. */
  bucket: 'TRAILWATCH_LOG_BUCKET',
  /** The trail's key prefix in front of `AWSLogs/`, possibly empty. */
  keyPrefix: 'TRAILWATCH_LOG_KEY_PREFIX',
} as const;

/**
 * The keys of CloudTrail log files under a trail's key prefix: `AWSLogs/<account>/CloudTrail/…` and,
 * for an organization trail, `AWSLogs/<o-id>/<account>/CloudTrail/…` (an IAM `*` spans `/`). Not
 * digests (`CloudTrail-Digest/`), Insights (`CloudTrail-Insight/`) or AWS Config files.
 */
export function cloudTrailKeys(logKeyPrefix = ''): string {
  return `${logKeyPrefix}AWSLogs/*/CloudTrail/*`;
}

/** Path of the handler, from lib/constructs in the sources. */
export const HANDLER_ENTRY = join(__dirname, '..', '..', 'lambda', 'handler.ts');

/**
 * The function that indexes each announced log file: Node.js 22 on arm64, bundled by esbuild,
 * consuming the queue with partial batch responses, with least-privilege access to the bucket
 * prefix, the table and its own log group.
 */
export class IngestFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: IngestFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // an own role, without the AWSLambdaBasicExecutionRole managed policy (logs:* on every group)
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'trailwatch ingest function: read log files, write the index, write its own logs',
    });
    this.logGroup.grantWrite(role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.minutes(5),
      role,
      logGroup: this.logGroup,
      description: 'trailwatch: index CloudTrail log files announced on the ingest queue',
      environment: {
        ...props.environment,
        [LOG_LOCATION_ENV.bucket]: props.bucket.bucketName,
        [LOG_LOCATION_ENV.keyPrefix]: props.logKeyPrefix ?? '',
        TABLE_NAME: props.table.tableName,
        POWERTOOLS_SERVICE_NAME: 'trailwatch',
        // stack traces point into the TypeScript sources (the bundle has source maps)
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.CJS,
      },
    });

    const readable = props.bucket.arnForObjects(cloudTrailKeys(props.logKeyPrefix));
    Grant.addToPrincipal({ grantee: this.function, actions: ['s3:GetObject'], resourceArns: [readable] });
    if (props.logsKeyArn) {
      Grant.addToPrincipal({
        grantee: this.function,
        actions: ['kms:Decrypt'],
        resourceArns: [props.logsKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
      });
    }
    props.table.grant(
      this.function,
      'dynamodb:BatchWriteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
    );
    this.function.addEventSource(
      new SqsEventSource(props.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        maxConcurrency: props.maxConcurrency ?? 5,
      }),
    );

    const fn = this.function.node.defaultChild as CfnResource;
    const pinned = 'The contract pins the runtime to nodejs22.x (arm64); upgrades are deliberate.';
    acknowledge(fn, 'AwsSolutions-L1', pinned);
    acknowledge(fn, 'Serverless-LambdaLatestVersion', pinned);
    acknowledge(
      fn,
      'Serverless-LambdaDLQ',
      'SQS invokes the function synchronously; failed messages go to the dead-letter queue of the source queue.',
    );
    acknowledge(
      fn,
      'Serverless-LambdaTracing',
      'EMF metrics, alarms and structured logs cover the pipeline; X-Ray traces of every S3 and DynamoDB call would add cost without an operational question to answer.',
    );
    const mapping = this.function.node.findAll().find((c) => c instanceof CfnEventSourceMapping);
    if (mapping) {
      acknowledge(
        mapping,
        'Serverless-LambdaEventSourceMappingDestination',
        'On-failure destinations are for stream sources; an SQS source dead-letters through its redrive policy.',
      );
    }
    const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (policy) {
      acknowledge(
        policy,
        'AwsSolutions-IAM5',
        "s3:GetObject on CloudTrail's log files (<prefix>AWSLogs/<account or organization/account>/CloudTrail/<region>/<date>/…): the wildcards stand for account, region and date; nothing else in the bucket.",
        `Resource::${nagText(this, readable)}`,
      );
    }
  }
}
