import type { Node } from 'constructs';
import { UsageError } from '../lambda/core/errors';
import {
  parseBoolean,
  parseCidrs,
  parseList,
  parseRetentionDays,
  parseWholeNumber,
} from '../lambda/core/settings';

/**
 * The stack's settings, from CDK context (`cdk.json` or `-c key=value`). Read and validated before
 * any construct is built, so that a wrong value fails `cdk synth` with a message that names the
 * setting and says what it takes.
 */
export interface TrailwatchSettings {
  /** E-mail address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Source networks SSH key pushes may come from (`ssh-source-ip`); empty turns the rule off. */
  readonly allowedSshCidrs: readonly string[];
  /** Days index items are kept; 0 keeps them forever. */
  readonly retentionDays: number;
  /** Index successful read-only calls too. */
  readonly includeReadOnly: boolean;
  /** Use an existing trail's bucket: no trail and no bucket are created. */
  readonly existingBucketName?: string;
  /** Create an organization trail (from the management or delegated administrator account). */
  readonly organizationTrail: boolean;
  /** The organization ID (`o-…`), required with `organizationTrail` for the bucket policy. */
  readonly organizationId?: string;
  /** Also log EBS direct API data events (ebs.amazonaws.com); data events cost money. */
  readonly ebsDataEvents: boolean;
  /** Alarm when no log file was processed for this long. */
  readonly noLogFilesAlarmMinutes: number;
  /** Concurrent function instances the queue may drive. */
  readonly maxConcurrency: number;
  /** OS users of `ssh-root-os-user`. */
  readonly privilegedOsUsers?: readonly string[];
  /**
   * IAM roles or users (ARNs) that may write under `AWSLogs/` of the stack's own bucket besides the
   * trail, e.g. an operator restoring log files; empty: only the trail.
   */
  readonly logWriterPrincipalArns: readonly string[];
  /** S3 Object Lock default retention of a new bucket; off when absent. */
  readonly objectLock?: { readonly mode: ObjectLockMode; readonly days: number };
  /** A KMS key the trail encrypts with (new bucket) or that encrypts the existing bucket's log files. */
  readonly logsKmsKeyArn?: string;
  /** Create a KMS key (with rotation) the new trail encrypts its log files with. */
  readonly createLogsKmsKey: boolean;
  /** The management account of an organization trail created from a delegated administrator. */
  readonly managementAccountId?: string;
  /**
   * The trail's S3 key prefix, in front of `AWSLogs/` (e.g. Control Tower's `o-…/`), in an existing
   * bucket; `''` or ending with `/`.
   */
  readonly logKeyPrefix: string;
  /** IAM ARNs (users, roles, root) allowed to send to the ingest queue (`backfill --queue`). */
  readonly queueSenderArns: readonly string[];
}

/** S3 Object Lock retention modes. */
export type ObjectLockMode = 'governance' | 'compliance';

export const CONTEXT = {
  alarmEmail: 'trailwatch:alarmEmail',
  allowedSshCidrs: 'trailwatch:allowedSshCidrs',
  retentionDays: 'trailwatch:retentionDays',
  includeReadOnly: 'trailwatch:includeReadOnly',
  existingBucketName: 'trailwatch:existingBucketName',
  organizationTrail: 'trailwatch:organizationTrail',
  organizationId: 'trailwatch:organizationId',
  ebsDataEvents: 'trailwatch:ebsDataEvents',
  noLogFilesAlarmMinutes: 'trailwatch:noLogFilesAlarmMinutes',
  maxConcurrency: 'trailwatch:maxConcurrency',
  privilegedOsUsers: 'trailwatch:privilegedOsUsers',
  logWriterPrincipalArns: 'trailwatch:logWriterPrincipalArns',
  objectLockMode: 'trailwatch:objectLockMode',
  objectLockDays: 'trailwatch:objectLockDays',
  logsKmsKeyArn: 'trailwatch:logsKmsKeyArn',
  createLogsKmsKey: 'trailwatch:createLogsKmsKey',
  managementAccountId: 'trailwatch:managementAccountId',
  logKeyPrefix: 'trailwatch:logKeyPrefix',
  queueSenderArns: 'trailwatch:queueSenderArns',
} as const;

/** A setting that cannot be used; the message says which and how to fix it. */
export class SettingsError extends Error {
  constructor(key: string, problem: string) {
    super(`${key}: ${problem}. Set it in cdk.json ("context") or with -c ${key}=…`);
    this.name = 'SettingsError';
  }
}

const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
/** An IAM role or user ARN, as `aws:PrincipalArn` names it (no wildcards). */
const IAM_PRINCIPAL_ARN = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]{1,512}$/;
/** A KMS key ARN (not an alias: IAM policies for kms:Decrypt must name the key). */
export const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:([a-z0-9-]+):\d{12}:key\/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** S3's "safe" key characters but `*` (a wildcard in IAM ARNs and EventBridge patterns). */
const KEY_PREFIX = /^[A-Za-z0-9!_.'()/-]*$/;
/**
 * What `aws:PrincipalArn` holds: an IAM user, an IAM role (also for its sessions) or an account's
 * root user, in one account; `*` may stand for part of a path or name (ArnLike).
 */
const PRINCIPAL_ARN = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:(?:root|(?:user|role)\/[\w+=,.@/*-]+)$/;

/** The trail's key prefix in front of `AWSLogs/`: no leading slash, ends with one. @throws SettingsError */
function logKeyPrefix(value: string | undefined): string {
  const key = CONTEXT.logKeyPrefix;
  if (value === undefined) return '';
  if (value.startsWith('/'))
    throw new SettingsError(
      key,
      `'${value}' starts with a slash; S3 keys do not (write it as CloudTrail's S3KeyPrefix)`,
    );
  const prefix = value.endsWith('/') ? value : `${value}/`;
  if (!KEY_PREFIX.test(prefix) || prefix.includes('//') || prefix.length > 201)
    throw new SettingsError(
      key,
      `'${value}' is not a trail key prefix: at most 200 characters, letters, digits and ! _ . ' ( ) - /, no empty folder`,
    );
  if (/(^|\/)AWSLogs\/$/.test(prefix))
    throw new SettingsError(key, `'${value}' ends with AWSLogs/; give only what is in front of AWSLogs/`);
  return prefix;
}

/** Comma-separated principal ARNs. @throws SettingsError naming the bad one */
function principalArns(value: string | undefined): string[] {
  const arns = value === undefined ? [] : parseList(value);
  for (const arn of arns) {
    if (/^arn:aws(?:-[a-z]+)*:sts::/.test(arn))
      throw new SettingsError(
        CONTEXT.queueSenderArns,
        `'${arn}' is a session; give its role (arn:aws:iam::ACCOUNT:role/NAME): aws:PrincipalArn of a session is its role's ARN`,
      );
    if (!PRINCIPAL_ARN.test(arn))
      throw new SettingsError(
        CONTEXT.queueSenderArns,
        `'${arn}' is not the ARN of an IAM role, IAM user or account root user (arn:aws:iam::ACCOUNT:role/NAME)`,
      );
  }
  return arns;
}

function asText(value: unknown, key: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  throw new SettingsError(key, `expected a string, got ${JSON.stringify(value)}`);
}

function isObjectLockMode(value: string): value is ObjectLockMode {
  return value === 'governance' || value === 'compliance';
}

/** Runs a parser from the runtime settings, turning its UsageError into a SettingsError for `key`. */
function parsed<T>(key: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError) throw new SettingsError(key, error.message);
    throw error;
  }
}

/** Reads and validates the settings from a construct node's context. @throws SettingsError */
export function readSettings(node: Node): TrailwatchSettings {
  const get = (key: string): string | undefined => asText(node.tryGetContext(key), key);

  const alarmEmail = get(CONTEXT.alarmEmail);
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail))
    throw new SettingsError(CONTEXT.alarmEmail, `'${alarmEmail}' is not an e-mail address`);

  const existingBucketName = get(CONTEXT.existingBucketName);
  if (existingBucketName !== undefined && !BUCKET_NAME.test(existingBucketName)) {
    throw new SettingsError(
      CONTEXT.existingBucketName,
      `'${existingBucketName}' is not a valid S3 bucket name`,
    );
  }

  const bool = (key: string, fallback: boolean): boolean => {
    const v = get(key);
    return v === undefined ? fallback : parsed(key, () => parseBoolean(v, key));
  };
  const organizationTrail = bool(CONTEXT.organizationTrail, false);
  const organizationId = get(CONTEXT.organizationId);
  if (organizationTrail && existingBucketName !== undefined) {
    throw new SettingsError(
      CONTEXT.organizationTrail,
      `an organization trail is created by this stack, but with ${CONTEXT.existingBucketName} no trail is created; remove one of the two`,
    );
  }
  if (organizationTrail && (organizationId === undefined || !ORG_ID.test(organizationId))) {
    throw new SettingsError(
      CONTEXT.organizationId,
      `an organization trail needs the organization ID (o- and 10 to 32 lower-case letters or digits) for its bucket policy, got ${organizationId === undefined ? 'nothing' : `'${organizationId}'`}`,
    );
  }

  const managementAccountId = get(CONTEXT.managementAccountId);
  if (managementAccountId !== undefined) {
    if (!ACCOUNT_ID.test(managementAccountId))
      throw new SettingsError(
        CONTEXT.managementAccountId,
        `expected a 12-digit AWS account ID, got '${managementAccountId}'`,
      );
    if (!organizationTrail)
      throw new SettingsError(
        CONTEXT.managementAccountId,
        `it names the management account of an organization trail; set ${CONTEXT.organizationTrail}=true or remove it`,
      );
  }

  const ownBucketOnly = (key: string, what: string): void => {
    if (existingBucketName !== undefined)
      throw new SettingsError(
        key,
        `${what} applies to the bucket this stack creates, but with ${CONTEXT.existingBucketName} it creates none; remove one of the two`,
      );
  };
  const writers = get(CONTEXT.logWriterPrincipalArns);
  const logWriterPrincipalArns = writers === undefined ? [] : parseList(writers);
  for (const arn of logWriterPrincipalArns) {
    if (!IAM_PRINCIPAL_ARN.test(arn))
      throw new SettingsError(
        CONTEXT.logWriterPrincipalArns,
        `'${arn}' is not the ARN of an IAM role or user (arn:aws:iam::<account>:role/<name> or :user/<name>, no wildcards)`,
      );
  }
  if (logWriterPrincipalArns.length > 0) ownBucketOnly(CONTEXT.logWriterPrincipalArns, 'it');

  const lockModeText = get(CONTEXT.objectLockMode);
  const lockMode = lockModeText?.toLowerCase();
  if (lockMode !== undefined && !isObjectLockMode(lockMode))
    throw new SettingsError(
      CONTEXT.objectLockMode,
      `expected governance or compliance (or nothing: no Object Lock), got '${lockModeText}'`,
    );
  const lockDaysText = get(CONTEXT.objectLockDays);
  const lockDays =
    lockDaysText === undefined
      ? 365
      : parsed(CONTEXT.objectLockDays, () =>
          parseWholeNumber(
            lockDaysText,
            CONTEXT.objectLockDays,
            1,
            36_500,
            'a whole number of days from 1 to 36500',
          ),
        );
  if (lockMode !== undefined) ownBucketOnly(CONTEXT.objectLockMode, 'S3 Object Lock');

  const logsKmsKeyArn = get(CONTEXT.logsKmsKeyArn);
  if (logsKmsKeyArn !== undefined && !KMS_KEY_ARN.test(logsKmsKeyArn))
    throw new SettingsError(
      CONTEXT.logsKmsKeyArn,
      `'${logsKmsKeyArn}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; not an alias)`,
    );
  const createLogsKmsKey = bool(CONTEXT.createLogsKmsKey, false);
  if (createLogsKmsKey) {
    ownBucketOnly(CONTEXT.createLogsKmsKey, 'a key for the trail this stack creates');
    if (logsKmsKeyArn !== undefined)
      throw new SettingsError(
        CONTEXT.createLogsKmsKey,
        `the stack would create a key, but ${CONTEXT.logsKmsKeyArn} names one; remove one of the two`,
      );
  }

  const prefix = logKeyPrefix(get(CONTEXT.logKeyPrefix));
  if (prefix !== '' && existingBucketName === undefined) {
    throw new SettingsError(
      CONTEXT.logKeyPrefix,
      `the trail this stack creates writes under AWSLogs/ at the top of its bucket; a key prefix describes an existing trail's bucket (${CONTEXT.existingBucketName})`,
    );
  }

  const cidrs = get(CONTEXT.allowedSshCidrs);
  const days = get(CONTEXT.retentionDays);
  const minutes = get(CONTEXT.noLogFilesAlarmMinutes);
  const concurrency = get(CONTEXT.maxConcurrency);
  const users = get(CONTEXT.privilegedOsUsers);
  return {
    ...(alarmEmail !== undefined ? { alarmEmail } : {}),
    allowedSshCidrs:
      cidrs === undefined
        ? []
        : parsed(CONTEXT.allowedSshCidrs, () => parseCidrs(cidrs, CONTEXT.allowedSshCidrs)),
    retentionDays:
      days === undefined
        ? 365
        : parsed(CONTEXT.retentionDays, () => parseRetentionDays(days, CONTEXT.retentionDays)),
    includeReadOnly: bool(CONTEXT.includeReadOnly, false),
    ...(existingBucketName !== undefined ? { existingBucketName } : {}),
    organizationTrail,
    ...(organizationTrail && organizationId !== undefined ? { organizationId } : {}),
    ebsDataEvents: bool(CONTEXT.ebsDataEvents, false),
    noLogFilesAlarmMinutes:
      minutes === undefined
        ? 120
        : parsed(CONTEXT.noLogFilesAlarmMinutes, () =>
            parseWholeNumber(minutes, CONTEXT.noLogFilesAlarmMinutes, 15, 1440),
          ),
    maxConcurrency:
      concurrency === undefined
        ? 5
        : parsed(CONTEXT.maxConcurrency, () =>
            parseWholeNumber(concurrency, CONTEXT.maxConcurrency, 2, 1000),
          ),
    ...(users !== undefined ? { privilegedOsUsers: parseList(users) } : {}),
    logWriterPrincipalArns,
    ...(lockMode !== undefined ? { objectLock: { mode: lockMode, days: lockDays } } : {}),
    ...(logsKmsKeyArn !== undefined ? { logsKmsKeyArn } : {}),
    createLogsKmsKey,
    ...(managementAccountId !== undefined ? { managementAccountId } : {}),
    logKeyPrefix: prefix,
    queueSenderArns: principalArns(get(CONTEXT.queueSenderArns)),
  };
}
