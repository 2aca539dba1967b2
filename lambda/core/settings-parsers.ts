import { UsageError } from './errors';
import { allowListFrom } from './rules/allow-list';

/**
 * The parsers of the settings table ({@link SETTINGS}): each takes the text of one setting (from the
 * environment, a CLI option or the CDK context) and the name it was given under, and returns the value
 * or throws a {@link UsageError} naming it. Pure: no AWS SDK, no CDK.
 */
export type Parser<T> = ((text: string, name: string) => T) & {
  /** What it takes, for the docs and the CLI's help (e.g. `1 to 10080`). */
  readonly takes?: string;
};

export function parseBoolean(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new UsageError(`expected true or false, got '${value}'`, name);
}

export function parseWholeNumber(
  value: string | number,
  name: string,
  min: number,
  max: number,
  what = `a whole number from ${min} to ${max}`,
): number {
  const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value.trim());
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`expected ${what}, got '${value}'`, name);
  return n;
}

/** A parser of whole numbers from `min` to `max`; `what` words the expectation in its message. */
export function wholeNumber(min: number, max: number, what?: string): Parser<number> {
  const parse = (text: string, name: string): number => parseWholeNumber(text, name, min, max, what);
  return Object.assign(parse, { takes: `${min} to ${max}` });
}

export const parseRetentionDays = wholeNumber(
  0,
  36_500,
  'a whole number of days from 0 (keep forever) to 36500',
);

/** The per-file item budget of failed calls. */
export const parseFileItemBudget = wholeNumber(
  0,
  10_000_000,
  'a whole number of index items from 0 to 10000000',
);

/** A comma-separated list; blanks dropped. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** CIDRs, validated. @throws UsageError naming the setting and the bad CIDR */
export function parseCidrs(value: string | readonly string[], name: string): string[] {
  const cidrs = typeof value === 'string' ? parseList(value) : [...value];
  allowListFrom(cidrs, name);
  return cidrs;
}

/** Any text, as given. */
export function parseText(value: string): string {
  return value;
}

/** A parser of text matching `pattern`; `problem` says what is wrong with a value that does not. */
function matching(pattern: RegExp, problem: (value: string) => string): Parser<string> {
  return (value, name) => {
    if (!pattern.test(value)) throw new UsageError(problem(value), name);
    return value;
  };
}

/** A parser of a comma-separated list whose items `check` validates (it throws for a bad one). */
function listOf(check: (item: string, name: string) => void): Parser<string[]> {
  return (value, name) => {
    const items = parseList(value);
    for (const item of items) check(item, name);
    return items;
  };
}

/** Comma-separated TCP/UDP ports (0 to 65535). */
export const parsePorts: Parser<number[]> = Object.assign(
  (value: string, name: string): number[] =>
    parseList(value).map((p) => parseWholeNumber(p, name, 0, 65_535, 'ports from 0 to 65535')),
  { takes: 'ports, comma-separated' },
);

/** Comma-separated EC2 instance types or patterns (`p4d.24xlarge`, `p*`, `*.metal`). */
export const parseInstanceTypes = listOf((item, name) => {
  if (!/^[a-z0-9*][a-z0-9*.-]{0,63}$/i.test(item))
    throw new UsageError(
      `'${item}' is not an instance type or pattern (letters, digits, '.', '-', '*')`,
      name,
    );
});

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An organization ID (`o-…`). */
export const ORG_ID = /^o-[a-z0-9]{10,32}$/;
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

export const parseEmail = matching(EMAIL, (v) => `'${v}' is not an e-mail address`);
export const parseBucketName = matching(BUCKET_NAME, (v) => `'${v}' is not a valid S3 bucket name`);
export const parseAccountId = matching(ACCOUNT_ID, (v) => `expected a 12-digit AWS account ID, got '${v}'`);
export const parseKmsKeyArn = matching(
  KMS_KEY_ARN,
  (v) => `'${v}' is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>; not an alias)`,
);

/** IAM role or user ARNs (no wildcards), comma-separated. */
export const parseIamPrincipalArns = listOf((arn, name) => {
  if (!IAM_PRINCIPAL_ARN.test(arn))
    throw new UsageError(
      `'${arn}' is not the ARN of an IAM role or user (arn:aws:iam::<account>:role/<name> or :user/<name>, no wildcards)`,
      name,
    );
});

/** Role, user or account-root ARNs that `aws:PrincipalArn` can match, comma-separated; not sessions. */
export const parsePrincipalArns = listOf((arn, name) => {
  if (/^arn:aws(?:-[a-z]+)*:sts::/.test(arn))
    throw new UsageError(
      `'${arn}' is a session; give its role (arn:aws:iam::ACCOUNT:role/NAME): aws:PrincipalArn of a session is its role's ARN`,
      name,
    );
  if (!PRINCIPAL_ARN.test(arn))
    throw new UsageError(
      `'${arn}' is not the ARN of an IAM role, IAM user or account root user (arn:aws:iam::ACCOUNT:role/NAME)`,
      name,
    );
});

/** S3 Object Lock retention modes. */
export type ObjectLockMode = 'governance' | 'compliance';

export function parseObjectLockMode(value: string, name: string): ObjectLockMode {
  const mode = value.toLowerCase();
  if (mode === 'governance' || mode === 'compliance') return mode;
  throw new UsageError(
    `expected governance or compliance (or nothing: no Object Lock), got '${value}'`,
    name,
  );
}

/** The trail's key prefix in front of `AWSLogs/`: no leading slash, ends with one. */
export function parseLogKeyPrefix(value: string, name: string): string {
  if (value.startsWith('/'))
    throw new UsageError(
      `'${value}' starts with a slash; S3 keys do not (write it as CloudTrail's S3KeyPrefix)`,
      name,
    );
  const prefix = value.endsWith('/') ? value : `${value}/`;
  if (!KEY_PREFIX.test(prefix) || prefix.includes('//') || prefix.length > 201)
    throw new UsageError(
      `'${value}' is not a trail key prefix: at most 200 characters, letters, digits and ! _ . ' ( ) - /, no empty folder`,
      name,
    );
  if (/(^|\/)AWSLogs\/$/.test(prefix))
    throw new UsageError(`'${value}' ends with AWSLogs/; give only what is in front of AWSLogs/`, name);
  return prefix;
}
