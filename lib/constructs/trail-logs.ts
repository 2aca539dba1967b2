import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnTrail } from 'aws-cdk-lib/aws-cloudtrail';
import { Effect, PolicyStatement, ServicePrincipal, StarPrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectLockRetention,
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
   * What happens to the buckets (and a created key) when the stack is deleted.
   * @default RemovalPolicy.RETAIN (audit logs are evidence)
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * IAM roles or users (ARNs, as `aws:PrincipalArn` names them) that may write under `AWSLogs/`
   * of the new bucket besides the trail, e.g. to restore log files.
   * @default none: only this trail writes there
   */
  readonly logWriterPrincipalArns?: readonly string[];
  /**
   * S3 Object Lock on the new bucket, with a default retention of `days` in `mode`; old versions are
   * then kept at least as long.
   * @default no Object Lock
   */
  readonly objectLock?: { readonly mode: 'governance' | 'compliance'; readonly days: number };
  /**
   * A KMS key ARN: the new trail encrypts its log files with it; with `existingBucketName`, the key
   * that encrypts the existing bucket's log files (only exposed as `logsKeyArn`).
   * @default no key (SSE-S3)
   */
  readonly logsKmsKeyArn?: string;
  /**
   * Create a KMS key (yearly rotation) the new trail encrypts its log files with.
   * @default false
   */
  readonly createLogsKmsKey?: boolean;
  /**
   * The management account of an organization trail created from a delegated administrator: the
   * trail belongs to it, so its ARN (`aws:SourceArn`) and its `AWSLogs/<account>/` prefix name it.
   * @default the stack's account
   */
  readonly managementAccountId?: string;
  /**
   * The one principal (`aws:PrincipalArn`) that may change the new bucket's policy, lifecycle,
   * versioning and Object Lock configuration: the role CloudFormation deploys the stack with.
   * @default the CloudFormation execution role of the stack's synthesizer
   * (`cdk-<qualifier>-cfn-exec-role-<account>-<region>` with the DefaultStackSynthesizer); with a
   * synthesizer that has none, that Deny statement is left out (with a warning)
   */
  readonly deployRoleArn?: string;
}

/** Where CloudTrail writes in the bucket (the trail has no key prefix). */
const LOG_OBJECTS = 'AWSLogs/*';
/** Days old versions are kept at least. */
const NONCURRENT_DAYS = 90;

/**
 * Where CloudTrail log files come from: a new bucket with a multi-region trail writing to it, or an
 * existing trail's bucket. The new bucket's policy lets only that trail write log files (no one else
 * may, but the principals named), lets no one delete them, and lets only the deploying role change
 * the policy, lifecycle, versioning and Object Lock configuration.
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
  /** Its ARN, built from its name (in the management account for a delegated administrator). */
  readonly trailArn?: string;
  /** The KMS key the log files are encrypted with, when one is set or created. */
  readonly logsKeyArn?: string;
  /** The key this construct created for the trail. */
  readonly logsKey?: Key;

  constructor(scope: Construct, id: string, props: TrailLogsProps = {}) {
    super(scope, id);
    if (props.existingBucketName) {
      this.bucket = Bucket.fromBucketName(this, 'Bucket', props.existingBucketName);
      if (props.logsKmsKeyArn) this.logsKeyArn = props.logsKmsKeyArn;
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
    const lockDays = props.objectLock?.days ?? 0;
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
          // old versions outlive their Object Lock retention
          noncurrentVersionExpiration: Duration.days(Math.max(NONCURRENT_DAYS, lockDays)),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      ...(props.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention:
              props.objectLock.mode === 'compliance'
                ? ObjectLockRetention.compliance(Duration.days(lockDays))
                : ObjectLockRetention.governance(Duration.days(lockDays)),
          }
        : {}),
      removalPolicy,
    });
    this.bucket = bucket;

    // Only this trail may write: its ARN, built from its name (the trail itself needs the policy first).
    // An organization trail made by a delegated administrator belongs to the management account.
    const trailAccount = props.managementAccountId ?? stack.account;
    const trailName = `${stack.stackName}-trail`;
    const trailArn = stack.formatArn({
      service: 'cloudtrail',
      account: trailAccount,
      resource: 'trail',
      resourceName: trailName,
    });
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
      `AWSLogs/${trailAccount}/*`,
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

    this.denyForgeryAndErasure(bucket, trailArn, props);

    if (props.createLogsKmsKey) {
      this.logsKey = this.createKey(trailArn, trailAccount, trailName, removalPolicy);
      this.logsKeyArn = this.logsKey.keyArn;
    } else if (props.logsKmsKeyArn) {
      this.logsKeyArn = props.logsKmsKeyArn;
    }

    this.trail = new CfnTrail(this, 'Trail', {
      trailName,
      s3BucketName: bucket.bucketName,
      ...(this.logsKeyArn ? { kmsKeyId: this.logsKeyArn } : {}),
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

  /**
   * Deny statements of the new bucket: log files are written only by this trail (and the principals
   * named), deleted by no one, and the bucket's policy, lifecycle, versioning and Object Lock
   * configuration are changed only by the deploying role. S3 lifecycle actions are S3's own and are
   * not subject to the policy: the lifecycle rules themselves are what this protects.
   */
  private denyForgeryAndErasure(bucket: Bucket, trailArn: string, props: TrailLogsProps): void {
    const writers = props.logWriterPrincipalArns ?? [];
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyLogWritesButThisTrail',
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: ['s3:PutObject', 's3:ReplicateObject'],
        resources: [bucket.arnForObjects(LOG_OBJECTS)],
        conditions: {
          // absent for every caller but an AWS service acting for a resource: true, so denied
          StringNotEquals: { 'aws:SourceArn': trailArn },
          ...(writers.length > 0 ? { ArnNotEquals: { 'aws:PrincipalArn': [...writers] } } : {}),
        },
      }),
    );
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyLogDeletes',
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:BypassGovernanceRetention'],
        resources: [bucket.arnForObjects(LOG_OBJECTS)],
      }),
    );
    const stack = Stack.of(this);
    // the synthesizer's ARN keeps the placeholders the CLI fills in; the template needs their values
    const values: Record<string, string> = {
      'AWS::Partition': stack.partition,
      'AWS::AccountId': stack.account,
      'AWS::Region': stack.region,
    };
    const deployRoleArn = (props.deployRoleArn ?? stack.synthesizer.cloudFormationExecutionRole)?.replace(
      /\$\{(AWS::(?:Partition|AccountId|Region))\}/g,
      (_, name: string) => values[name] ?? name,
    );
    if (deployRoleArn === undefined) {
      Annotations.of(this).addWarningV2(
        'trailwatch:noDeployRole',
        "The stack's synthesizer names no CloudFormation execution role: the bucket policy does not deny changes to itself, the lifecycle, versioning and Object Lock (set the construct's deployRoleArn).",
      );
      return;
    }
    bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'DenyBucketConfigChangesButDeployRole',
        effect: Effect.DENY,
        principals: [new StarPrincipal()],
        actions: [
          's3:PutBucketPolicy',
          's3:DeleteBucketPolicy',
          's3:PutLifecycleConfiguration',
          's3:PutBucketVersioning',
          's3:PutBucketObjectLockConfiguration',
        ],
        resources: [bucket.bucketArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': deployRoleArn } },
      }),
    );
  }

  /**
   * A key for the trail's log files (CIS AWS Foundations 3.7), rotated yearly; its policy lets this
   * trail encrypt with it and describe it. Decrypting is left to IAM (the account's default key policy
   * statement): the function is granted it through S3 only.
   */
  private createKey(
    trailArn: string,
    trailAccount: string,
    trailName: string,
    removalPolicy: RemovalPolicy,
  ): Key {
    const stack = Stack.of(this);
    const key = new Key(this, 'LogsKey', {
      description: `${stack.stackName}: encrypts the log files of trail ${trailName}`,
      enableKeyRotation: true,
      alias: `${stack.stackName}/logs`,
      removalPolicy,
    });
    const cloudtrail = new ServicePrincipal('cloudtrail.amazonaws.com');
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailEncryptLogs',
        principals: [cloudtrail],
        actions: ['kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: {
            'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${stack.partition}:cloudtrail:*:${trailAccount}:trail/${trailName}`,
          },
        },
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudTrailDescribeKey',
        principals: [cloudtrail],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceArn': trailArn } },
      }),
    );
    return key;
  }
}
