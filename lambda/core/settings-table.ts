import { DEFAULT_DETECTION } from './rules/rule';
import {
  type ObjectLockMode,
  type Parser,
  parseAccountId,
  parseBoolean,
  parseBucketName,
  parseCidrs,
  parseEmail,
  parseFileItemBudget,
  parseIamPrincipalArns,
  parseInstanceTypes,
  parseKmsKeyArn,
  parseList,
  parseLogKeyPrefix,
  parseObjectLockMode,
  parsePorts,
  parsePrincipalArns,
  parseRetentionDays,
  parseText,
  wholeNumber,
} from './settings-parsers';

/**
 * THE settings table: every setting of trailwatch, once. Everything else is derived from it: the
 * stack's CDK context keys (`trailwatch:<name>`, lib/settings.ts), the function's `TRAILWATCH_*`
 * environment (lib/trailwatch-stack.ts), the pipeline's settings from the environment
 * (./settings.ts), the options of `ingest` and `backfill` (bin/cli/settings-options.ts) and the
 * settings tables of the docs (`npm run docs:settings`, checked by test/unit/settings.test.ts).
 *
 * Where a setting applies is the section it is in:
 * - {@link PIPELINE_SETTINGS} and {@link RULE_SETTINGS}: the pipeline, i.e. the deployed function
 *   (context key → environment variable) and the CLI's `ingest` and `backfill` (option, or the
 *   environment variable); rule settings are `Settings.detection`;
 * - {@link STACK_SETTINGS}: the stack only (context key);
 * - {@link CLI_SETTINGS}: the CLI only (option of `ingest` and `backfill`).
 *
 * The rules across settings (e.g. `organizationTrail` needs `organizationId`) are listed next to it,
 * in ./settings-rules.ts.
 *
 * To add a setting, add one entry to its section, then run `npm run docs:settings` (the code that uses
 * it reads `settings.<name>`: `Settings` of ./settings.ts for the pipeline, `TrailwatchSettings` of
 * lib/settings.ts for the stack; a rule setting is also a field of `DetectionSettings`, which must
 * match: see RULE_SETTINGS_ARE_DETECTION_SETTINGS).
 */
export interface SettingSpec<T> {
  /** The environment variable (pipeline settings). */
  readonly env?: string;
  /** The option of `ingest` and `backfill`, with its argument (pipeline and CLI settings). */
  readonly flag?: string;
  /** Reads the text of the setting; throws a UsageError naming `name` (the variable, option or context key). */
  readonly parse: Parser<T>;
  /** The value when the setting is not given; `undefined` for an optional setting. */
  readonly default: T;
  /** One line of documentation (Markdown; links relative to docs/). */
  readonly doc: string;
}

/** A table entry; `T` is inferred from the parser and the default. */
function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

export const PIPELINE_SETTINGS = {
  includeReadOnly: setting({
    env: 'TRAILWATCH_INCLUDE_READ_ONLY',
    flag: '--include-read-only',
    parse: parseBoolean,
    default: false,
    doc: 'also index successful read-only calls (Describe*: many more items)',
  }),
  retentionDays: setting({
    env: 'TRAILWATCH_RETENTION_DAYS',
    flag: '--retention-days <n>',
    parse: parseRetentionDays,
    default: 365,
    doc: 'days index items are kept (DynamoDB TTL); `0` keeps them forever',
  }),
  fileItemBudget: setting({
    env: 'TRAILWATCH_FILE_ITEM_BUDGET',
    flag: '--file-item-budget <n>',
    parse: parseFileItemBudget,
    default: 20_000,
    doc: 'index items a log file may make for its failed calls, which cost nothing to make; beyond it a failed call keeps its event item but gets no index items, counted in the metric `EventsOverBudget`',
  }),
};

/** Settings of the suspicious SSH key rules (`Settings.detection`; see docs/rules.md). */
export const RULE_SETTINGS = {
  allowedSshCidrs: setting({
    env: 'TRAILWATCH_ALLOWED_SSH_CIDRS',
    flag: '--allowed-ssh-cidrs <cidrs>',
    parse: parseCidrs,
    default: DEFAULT_DETECTION.allowedSshCidrs,
    doc: 'comma-separated networks (IPv4 and IPv6 CIDRs) SSH key pushes may come from (`ssh-source-ip`; off when empty)',
  }),
  privilegedOsUsers: setting({
    env: 'TRAILWATCH_PRIVILEGED_OS_USERS',
    flag: '--privileged-os-users <users>',
    parse: parseList,
    default: DEFAULT_DETECTION.privilegedOsUsers,
    doc: 'comma-separated OS users of `ssh-root-os-user`',
  }),
  multiInstanceWindowMinutes: setting({
    env: 'TRAILWATCH_MULTI_INSTANCE_WINDOW_MINUTES',
    flag: '--multi-instance-window <minutes>',
    parse: wholeNumber(1, 10_080),
    default: DEFAULT_DETECTION.multiInstanceWindowMinutes,
    doc: 'window of `ssh-key-multi-instance`, in minutes',
  }),
  multiInstanceThreshold: setting({
    env: 'TRAILWATCH_MULTI_INSTANCE_THRESHOLD',
    flag: '--multi-instance-threshold <n>',
    parse: wholeNumber(2, 10_000),
    default: DEFAULT_DETECTION.multiInstanceThreshold,
    doc: 'distinct instances within the window that make `ssh-key-multi-instance` fire',
  }),
  multiPrincipalThreshold: setting({
    env: 'TRAILWATCH_MULTI_PRINCIPAL_THRESHOLD',
    flag: '--multi-principal-threshold <n>',
    parse: wholeNumber(2, 10_000),
    default: DEFAULT_DETECTION.multiPrincipalThreshold,
    doc: 'distinct principals pushing one key that make `ssh-key-multi-principal` fire',
  }),
  adminPorts: setting({
    env: 'TRAILWATCH_ADMIN_PORTS',
    flag: '--admin-ports <ports>',
    parse: parsePorts,
    default: DEFAULT_DETECTION.adminPorts,
    doc: 'comma-separated ports `ec2-sg-open-to-world` reports when opened to 0.0.0.0/0 or ::/0 (all-ports rules always)',
  }),
  userDataReadThreshold: setting({
    env: 'TRAILWATCH_USER_DATA_READ_THRESHOLD',
    flag: '--user-data-read-threshold <n>',
    parse: wholeNumber(2, 10_000),
    default: DEFAULT_DETECTION.userDataReadThreshold,
    doc: 'distinct instances whose user data one principal reads within the window that make `ec2-user-data-read` fire',
  }),
  userDataReadWindowMinutes: setting({
    env: 'TRAILWATCH_USER_DATA_READ_WINDOW_MINUTES',
    flag: '--user-data-read-window <minutes>',
    parse: wholeNumber(1, 10_080),
    default: DEFAULT_DETECTION.userDataReadWindowMinutes,
    doc: 'window of `ec2-user-data-read`, in minutes',
  }),
  passwordDataInstanceThreshold: setting({
    env: 'TRAILWATCH_PASSWORD_DATA_INSTANCE_THRESHOLD',
    flag: '--password-data-instance-threshold <n>',
    parse: wholeNumber(2, 10_000),
    default: DEFAULT_DETECTION.passwordDataInstanceThreshold,
    doc: 'distinct instances whose password data one principal retrieves (or is denied) within the window that make `ec2-password-data` fire',
  }),
  passwordDataCallThreshold: setting({
    env: 'TRAILWATCH_PASSWORD_DATA_CALL_THRESHOLD',
    flag: '--password-data-call-threshold <n>',
    parse: wholeNumber(2, 100_000),
    default: DEFAULT_DETECTION.passwordDataCallThreshold,
    doc: '`GetPasswordData` calls by one principal within the window that make `ec2-password-data` fire',
  }),
  passwordDataWindowMinutes: setting({
    env: 'TRAILWATCH_PASSWORD_DATA_WINDOW_MINUTES',
    flag: '--password-data-window <minutes>',
    parse: wholeNumber(1, 10_080),
    default: DEFAULT_DETECTION.passwordDataWindowMinutes,
    doc: 'window of `ec2-password-data`, in minutes',
  }),
  instanceTypeAllowList: setting({
    env: 'TRAILWATCH_INSTANCE_TYPE_ALLOW_LIST',
    flag: '--instance-type-allow-list <types>',
    parse: parseInstanceTypes,
    default: DEFAULT_DETECTION.instanceTypeAllowList,
    doc: 'comma-separated instance types or patterns (`t3.*`) launches may ask for; any other is reported by `ec2-unusual-instance-type` (empty: only the watch-list is)',
  }),
  instanceTypeWatchList: setting({
    env: 'TRAILWATCH_INSTANCE_TYPE_WATCH_LIST',
    flag: '--instance-type-watch-list <types>',
    parse: parseInstanceTypes,
    default: DEFAULT_DETECTION.instanceTypeWatchList,
    doc: 'comma-separated instance types or patterns always reported by `ec2-unusual-instance-type` (default: GPU, accelerated and very large types)',
  }),
  credentialsWindowMinutes: setting({
    env: 'TRAILWATCH_CREDENTIALS_WINDOW_MINUTES',
    flag: '--credentials-window <minutes>',
    parse: wholeNumber(1, 10_080),
    default: DEFAULT_DETECTION.credentialsWindowMinutes,
    doc: "window of `ec2-instance-credentials-elsewhere`: how far apart an instance's credential calls and other calls from the same IP are compared, in minutes",
  }),
  ssmInstanceThreshold: setting({
    env: 'TRAILWATCH_SSM_INSTANCE_THRESHOLD',
    flag: '--ssm-instance-threshold <n>',
    parse: wholeNumber(2, 10_000),
    default: DEFAULT_DETECTION.ssmInstanceThreshold,
    doc: 'distinct instances one principal sends commands to or opens sessions on within the window that make `ssm-command-many-instances` fire',
  }),
  ssmWindowMinutes: setting({
    env: 'TRAILWATCH_SSM_WINDOW_MINUTES',
    flag: '--ssm-window <minutes>',
    parse: wholeNumber(1, 10_080),
    default: DEFAULT_DETECTION.ssmWindowMinutes,
    doc: 'window of `ssm-command-many-instances`, in minutes',
  }),
};

export const STACK_SETTINGS = {
  alarmEmail: setting({
    parse: parseEmail,
    default: undefined,
    doc: 'e-mail address subscribed to the alarm topic (confirm the subscription e-mail)',
  }),
  existingBucketName: setting({
    parse: parseBucketName,
    default: undefined,
    doc: "use an existing trail's bucket: no trail and no bucket are created, the bucket's notifications feed the queue",
  }),
  logKeyPrefix: setting({
    parse: parseLogKeyPrefix,
    default: '',
    doc: "the existing trail's S3 key prefix in front of `AWSLogs/` (e.g. Control Tower's); only with `existingBucketName`",
  }),
  organizationTrail: setting({
    parse: parseBoolean,
    default: false,
    doc: 'create an organization trail (deploy from the management or delegated administrator account)',
  }),
  organizationId: setting({
    parse: parseText,
    default: undefined,
    doc: 'the organization ID (`o-…`), required with `organizationTrail` for the bucket policy',
  }),
  managementAccountId: setting({
    parse: parseAccountId,
    default: undefined,
    doc: 'with `organizationTrail`, deployed from a delegated administrator: the management account, which owns the trail',
  }),
  ebsDataEvents: setting({
    parse: parseBoolean,
    default: false,
    doc: 'also log EBS direct API data events (ebs.amazonaws.com) with an advanced event selector; data events are billed',
  }),
  logsKmsKeyArn: setting({
    parse: parseKmsKeyArn,
    default: undefined,
    doc: "a KMS key (ARN, not an alias) the new trail encrypts its log files with, or that encrypts the existing bucket's log files; the function may decrypt with it, through S3 only",
  }),
  createLogsKmsKey: setting({
    parse: parseBoolean,
    default: false,
    doc: 'the stack creates a KMS key (with rotation, retained) that the new trail encrypts with (CIS AWS Foundations 3.7)',
  }),
  objectLockMode: setting<ObjectLockMode | undefined>({
    parse: parseObjectLockMode,
    default: undefined,
    doc: '`governance` or `compliance`: S3 Object Lock default retention on the new bucket (cannot be turned off once on)',
  }),
  objectLockDays: setting({
    parse: wholeNumber(1, 36_500, 'a whole number of days from 1 to 36500'),
    default: 365,
    doc: 'days of that retention; old versions are kept at least as long',
  }),
  logWriterPrincipalArns: setting({
    parse: parseIamPrincipalArns,
    default: [],
    doc: "IAM role or user ARNs that may write under `AWSLogs/` of the stack's bucket besides the trail (a restore; see [Security model](security.md#who-can-write-log-files))",
  }),
  queueSenderArns: setting({
    parse: parsePrincipalArns,
    default: [],
    doc: 'IAM role, user or account-root ARNs that may send to the ingest queue (`backfill --queue`, redriving the dead-letter queue); `*` may stand for part of a name',
  }),
  noLogFilesAlarmMinutes: setting({
    parse: wholeNumber(15, 1440),
    default: 120,
    doc: 'alarm when no log file was processed for this long, in minutes',
  }),
  maxConcurrency: setting({
    parse: wholeNumber(2, 1000),
    default: 5,
    doc: 'function instances the queue may drive at once',
  }),
};

export const CLI_SETTINGS = {
  createTable: setting({
    flag: '--create-table',
    parse: parseBoolean,
    default: false,
    doc: 'with `--table`: create the table if it does not exist (for local DynamoDB endpoints)',
  }),
};

export const SETTINGS = { ...PIPELINE_SETTINGS, ...RULE_SETTINGS, ...STACK_SETTINGS, ...CLI_SETTINGS };

export type SettingName = keyof typeof SETTINGS;
export type RuleSettingName = keyof typeof RULE_SETTINGS;
export type PipelineSettingName = keyof typeof PIPELINE_SETTINGS | RuleSettingName;
export type StackSettingName = PipelineSettingName | keyof typeof STACK_SETTINGS;
export type SettingValues = {
  readonly [K in SettingName]: (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;
};
/** The values the stack reads (lib/settings.ts). */
export type StackSettingValues = Pick<SettingValues, StackSettingName>;

/** Where a setting applies: the pipeline (function and CLI), the stack only, the CLI only. */
export type Applies = 'pipeline' | 'stack' | 'cli';

/** A row of the table, for code that goes through all of them. */
export interface SettingRow extends SettingSpec<unknown> {
  readonly name: SettingName;
  readonly applies: Applies;
  /** A rule setting (`Settings.detection`). */
  readonly rule: boolean;
  /** The CDK context key, `trailwatch:<name>` (pipeline and stack settings). */
  readonly context?: string;
}

/** A value as text: lists comma-separated, nothing as `''` (the function's environment, the docs). */
export function settingText(value: unknown): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The CDK context key of a setting. */
export function contextKey(name: SettingName): string {
  return `trailwatch:${name}`;
}

function rows(section: Record<string, SettingSpec<unknown>>, applies: Applies, rule = false): SettingRow[] {
  return Object.entries(section).map(([key, spec]) => {
    const name = key as SettingName;
    return { ...spec, name, applies, rule, ...(applies === 'cli' ? {} : { context: contextKey(name) }) };
  });
}

/** Every setting, in table order. */
export const SETTING_ROWS: readonly SettingRow[] = [
  ...rows(PIPELINE_SETTINGS, 'pipeline'),
  ...rows(RULE_SETTINGS, 'pipeline', true),
  ...rows(STACK_SETTINGS, 'stack'),
  ...rows(CLI_SETTINGS, 'cli'),
];

/**
 * The values of the given settings that `text` has (text of a setting, `undefined` when not given),
 * each parsed under the name `nameOf` gives it. @throws UsageError naming that name
 */
export function parseSettings<K extends SettingName>(
  names: readonly K[],
  text: (name: K) => string | undefined,
  nameOf: (name: K) => string,
): Partial<Pick<SettingValues, K>> {
  const values: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const given = text(name);
    if (given !== undefined) values[name] = SETTINGS[name].parse(given, nameOf(name));
  }
  return values as Partial<Pick<SettingValues, K>>;
}

/** The defaults of the given settings. */
export function settingDefaults<K extends SettingName>(names: readonly K[]): Pick<SettingValues, K> {
  return Object.fromEntries(names.map((n) => [n, SETTINGS[n].default])) as Pick<SettingValues, K>;
}

/** The names of a section, typed. */
function namesOf<S extends object>(section: S): (keyof S)[] {
  return Object.keys(section) as (keyof S)[];
}

export const RULE_SETTING_NAMES = namesOf(RULE_SETTINGS);
export const PIPELINE_SETTING_NAMES: readonly PipelineSettingName[] = [
  ...namesOf(PIPELINE_SETTINGS),
  ...RULE_SETTING_NAMES,
];
/** The settings the stack reads from its context: the pipeline's and its own. */
export const STACK_SETTING_NAMES: readonly StackSettingName[] = [
  ...PIPELINE_SETTING_NAMES,
  ...namesOf(STACK_SETTINGS),
];
