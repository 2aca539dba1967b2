import { UsageError } from './errors';

/** Settings of the pipeline, shared by the Lambda (environment) and the CLI (options, environment). */
export interface Settings {
  /** Index successful read-only calls too. @default false */
  readonly includeReadOnly: boolean;
  /** Days items are kept after they are written; 0 keeps them forever. @default 365 */
  readonly retentionDays: number;
}

export const DEFAULT_SETTINGS: Settings = {
  includeReadOnly: false,
  retentionDays: 365,
};

/** Environment variable names (the stack sets them on the function; the CLI reads them too). */
export const SETTINGS_ENV = {
  includeReadOnly: 'TRAILWATCH_INCLUDE_READ_ONLY',
  retentionDays: 'TRAILWATCH_RETENTION_DAYS',
} as const;

export function parseBoolean(value: string, name: string): boolean {
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  throw new UsageError(`expected true or false, got '${value}'`, name);
}

export function parseRetentionDays(value: string | number, name: string): number {
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isInteger(n) || n < 0 || n > 36_500) {
    throw new UsageError(
      `expected a whole number of days from 0 (keep forever) to 36500, got '${value}'`,
      name,
    );
  }
  return n;
}

/** Settings from environment variables, defaults for those not set. @throws UsageError naming the variable. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): Settings {
  const ro = env[SETTINGS_ENV.includeReadOnly];
  const days = env[SETTINGS_ENV.retentionDays];
  return {
    includeReadOnly:
      ro === undefined ? DEFAULT_SETTINGS.includeReadOnly : parseBoolean(ro, SETTINGS_ENV.includeReadOnly),
    retentionDays:
      days === undefined || days === ''
        ? DEFAULT_SETTINGS.retentionDays
        : parseRetentionDays(days, SETTINGS_ENV.retentionDays),
  };
}
