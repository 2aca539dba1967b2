import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnTrail } from 'aws-cdk-lib/aws-cloudtrail';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface TrailLogsProps {
  /**
   * An existing trail's bucket to use. No trail and no bucket are created then.
   * @default a new bucket and a new trail
   */
  readonly existingBucketName?: string;
  /**
   * Create an organization trail (deploy from the management account or a delegated administrator).
   * @default false
   */
  readonly organizationTrail?: boolean;
  /**
   * Organization ID, for the bucket policy of an organization trail. Required with `organizationTrail`.
   * @default none
   */
  readonly organizationId?: string;
  /**
   * Also log EBS direct API data events (StartSnapshot, PutSnapshotBlock, …) with an advanced event
   * selector. Data events are billed per event.
   * @default false
   */
  readonly ebsDataEvents?: boolean;
  /**
   * Days after which log files move to S3 Glacier Instant Retrieval.
   * @default 90
   */
  readonly archiveAfterDays?: number;
  /**
   * What happens to the buckets when the stack is deleted.
   * @default RemovalPolicy.RETAIN (audit logs are evidence)
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Where CloudTrail log files come from: a new bucket with a multi-region trail writing to it (only
 * that trail may write: `aws:SourceArn`), or an existing trail's bucket.
 */
export class TrailLogs extends Construct {
  /** The bucket the log files are delivered to. */
  readonly bucket: IBucket;
  /**
   * The ARN of a bucket this stack created, built from its fixed name rather than referenced, so
   * that the queue policy S3 needs can exist before the bucket's notifications (no cycle).
   */
  readonly ownBucketArn?: string;
  /** The trail, when this stack created one. */
  readonly trail?: CfnTrail;
  /** Its ARN, built from its name. */
  readonly trailArn?: string;

  constructor(scope: Construct, id: string, props: TrailLogsProps = {}) {
    super(scope, id);
    if (props.existingBucketName) {
      this.bucket = Bucket.fromBucketName(this, 'Bucket', props.existingBucketName);
      return;
    }
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const stack = Stack.of(this);
    // a fixed, account- and region-unique name: its ARN is known without referencing the bucket
    const bucketName = `${stack.stackName
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 24)}-logs-${stack.account}-${stack.region}`;
    this.ownBucketArn = stack.formatArn({ service: 's3', region: '', account: '', resource: bucketName });
    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [
        { expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
    });
    const bucket = new Bucket(this, 'Bucket', {
      bucketName,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'trail-bucket/',
      lifecycleRules: [
        {
          transitions: [
            {
              storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(props.archiveAfterDays ?? 90),
            },
          ],
          noncurrentVersionExpiration: Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      removalPolicy,
    });
    this.bucket = bucket;

    // Only this trail may write: its ARN, built from its name (the trail itself needs the policy first).
    const trailName = `${stack.stackName}-trail`;
    const trailArn = stack.formatArn({ service: 'cloudtrail', resource: 'trail', resourceName: trailName });
    this.trailArn = trailArn;
    const cloudtrail = new ServicePrincipal('cloudtrail.amazonaws.com');
    const onlyThisTrail = { 'aws:SourceArn': trailArn };
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailAclCheck',
        principals: [cloudtrail],
        actions: ['s3:GetBucketAcl'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: onlyThisTrail },
      }),
    );
    const prefixes = [
      `AWSLogs/${stack.account}/*`,
      ...(props.organizationTrail && props.organizationId ? [`AWSLogs/${props.organizationId}/*`] : []),
    ];
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailWrite',
        principals: [cloudtrail],
        actions: ['s3:PutObject'],
        resources: prefixes.map((p) => bucket.arnForObjects(p)),
        conditions: { StringEquals: { ...onlyThisTrail, 's3:x-amz-acl': 'bucket-owner-full-control' } },
      }),
    );

    this.trail = new CfnTrail(this, 'Trail', {
      trailName,
      s3BucketName: bucket.bucketName,
      isLogging: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      isOrganizationTrail: props.organizationTrail ?? false,
      ...(props.ebsDataEvents
        ? {
            // advanced selectors replace basic ones: management events must be selected here too
            advancedEventSelectors: [
              {
                name: 'Management events',
                fieldSelectors: [{ field: 'eventCategory', equalTo: ['Management'] }],
              },
              {
                name: 'EBS direct API data events',
                fieldSelectors: [
                  { field: 'eventCategory', equalTo: ['Data'] },
                  { field: 'resources.type', equalTo: ['AWS::EC2::Snapshot'] },
                ],
              },
            ],
          }
        : { eventSelectors: [{ includeManagementEvents: true, readWriteType: 'All' }] }),
    });
    // CloudTrail checks the bucket policy when the trail is created
    if (bucket.policy) this.trail.node.addDependency(bucket.policy);
  }
}
