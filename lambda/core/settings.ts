import { UsageError } from './errors';
import { entry } from './json';
import { allowListFrom } from './rules/allow-list';
import { DEFAULT_DETECTION, type DetectionSettings } from './rules/rule';

/** Settings of the pipeline, shared by the Lambda (environment) and the CLI (options, environment). */
export interface Settings {
  /** Index successful read-only calls too. @default false */
  readonly includeReadOnly: boolean;
  /** Days items are kept after they are written; 0 keeps them forever. @default 365 */
  readonly retentionDays: number;
  /**
   * Index items a log file may make for its failed calls (an `errorCode`: denied calls cost nothing to
   * make, and need no permission). SSH key pushes and successful calls are not counted, and always
   * indexed. Beyond it, a failed call keeps its event
   * item (`trailwatch event ID` shows it) but gets no index items; the file counts them in
   * `overBudget` (metric `EventsOverBudget`). @default 20000
   */
  readonly fileItemBudget: number;
  /** Settings of the suspicious SSH key rules. */
  readonly detection: DetectionSettings;
}

export const DEFAULT_SETTINGS: Settings = {
  includeReadOnly: false,
  retentionDays: 365,
  fileItemBudget: 20_000,
  detection: DEFAULT_DETECTION,
};

/** Environment variable names (the stack sets them on the function; the CLI reads them too). */
export const SETTINGS_ENV = {
  includeReadOnly: 'TRAILWATCH_INCLUDE_READ_ONLY',
  retentionDays: 'TRAILWATCH_RETENTION_DAYS',
  fileItemBudget: 'TRAILWATCH_FILE_ITEM_BUDGET',
  allowedSshCidrs: 'TRAILWATCH_ALLOWED_SSH_CIDRS',
  privilegedOsUsers: 'TRAILWATCH_PRIVILEGED_OS_USERS',
  multiInstanceWindowMinutes: 'TRAILWATCH_MULTI_INSTANCE_WINDOW_MINUTES',
  multiInstanceThreshold: 'TRAILWATCH_MULTI_INSTANCE_THRESHOLD',
  multiPrincipalThreshold: 'TRAILWATCH_MULTI_PRINCIPAL_THRESHOLD',
} as const;

export function parseBoolean(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new UsageError(`expected true or false, got '${value}'`, name);
}

export function parseRetentionDays(value: string | number, name: string): number {
  return parseWholeNumber(value, name, 0, 36_500, 'a whole number of days from 0 (keep forever) to 36500');
}

/** The per-file item budget of failed calls. */
export function parseFileItemBudget(value: string | number, name: string): number {
  return parseWholeNumber(value, name, 0, 10_000_000, 'a whole number of index items from 0 to 10000000');
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

/** Detection settings from partial values (strings from the environment or options), validated. */
export function detectionSettings(
  values: {
    allowedSshCidrs?: string | readonly string[];
    privilegedOsUsers?: string | readonly string[];
    multiInstanceWindowMinutes?: string | number;
    multiInstanceThreshold?: string | number;
    multiPrincipalThreshold?: string | number;
  },
  names: Partial<Record<keyof DetectionSettings, string>> = {},
): DetectionSettings {
  const d = DEFAULT_DETECTION;
  const users = values.privilegedOsUsers;
  return {
    allowedSshCidrs:
      values.allowedSshCidrs === undefined
        ? d.allowedSshCidrs
        : parseCidrs(values.allowedSshCidrs, names.allowedSshCidrs ?? 'allowedSshCidrs'),
    privilegedOsUsers:
      users === undefined ? d.privilegedOsUsers : typeof users === 'string' ? parseList(users) : [...users],
    multiInstanceWindowMinutes:
      values.multiInstanceWindowMinutes === undefined
        ? d.multiInstanceWindowMinutes
        : parseWholeNumber(
            values.multiInstanceWindowMinutes,
            names.multiInstanceWindowMinutes ?? 'multiInstanceWindowMinutes',
            1,
            10_080,
          ),
    multiInstanceThreshold:
      values.multiInstanceThreshold === undefined
        ? d.multiInstanceThreshold
        : parseWholeNumber(
            values.multiInstanceThreshold,
            names.multiInstanceThreshold ?? 'multiInstanceThreshold',
            2,
            10_000,
          ),
    multiPrincipalThreshold:
      values.multiPrincipalThreshold === undefined
        ? d.multiPrincipalThreshold
        : parseWholeNumber(
            values.multiPrincipalThreshold,
            names.multiPrincipalThreshold ?? 'multiPrincipalThreshold',
            2,
            10_000,
          ),
  };
}

/** Settings from environment variables, defaults for those not set. @throws UsageError naming the variable. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): Settings {
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const ro = get(SETTINGS_ENV.includeReadOnly);
  const days = get(SETTINGS_ENV.retentionDays);
  const budget = get(SETTINGS_ENV.fileItemBudget);
  const detection = detectionSettings(
    {
      ...entry('allowedSshCidrs', get(SETTINGS_ENV.allowedSshCidrs)),
      ...entry('privilegedOsUsers', get(SETTINGS_ENV.privilegedOsUsers)),
      ...entry('multiInstanceWindowMinutes', get(SETTINGS_ENV.multiInstanceWindowMinutes)),
      ...entry('multiInstanceThreshold', get(SETTINGS_ENV.multiInstanceThreshold)),
      ...entry('multiPrincipalThreshold', get(SETTINGS_ENV.multiPrincipalThreshold)),
    },
    SETTINGS_ENV,
  );
  return {
    includeReadOnly:
      ro === undefined ? DEFAULT_SETTINGS.includeReadOnly : parseBoolean(ro, SETTINGS_ENV.includeReadOnly),
    retentionDays:
      days === undefined
        ? DEFAULT_SETTINGS.retentionDays
        : parseRetentionDays(days, SETTINGS_ENV.retentionDays),
    fileItemBudget:
      budget === undefined
        ? DEFAULT_SETTINGS.fileItemBudget
        : parseFileItemBudget(budget, SETTINGS_ENV.fileItemBudget),
    detection,
  };
}
