import { UsageError } from './errors';

/**
 * Times. CloudTrail writes `2024-08-01T13:24:47Z`; exports by other tools write
 * `2025-01-13 19:58:59.000000000` (no zone: UTC) or add fractions and offsets. All are accepted.
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch milliseconds of a timestamp, or undefined when it is not a valid time. */
export function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  return canonicalTime(value) ?? generalTime(value);
}

const ZERO = 48;

/** The digits of `s` from `at` to `end` (exclusive) as a number, or -1 unless all are digits. */
function digitsAt(s: string, at: number, end: number): number {
  let n = 0;
  for (let i = at; i < end; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The shortcut for the two forms CloudTrail and the sort keys write, `2024-08-01T13:24:47Z` and
 * `2024-08-01T13:24:47.123Z`, read digit by digit (the rules read thousands of times per file back
 * from the store): the same number as `generalTime`; undefined for anything else, and for the days
 * and seconds that need its checks (after the 28th, a leap second), which it then answers.
 */
function canonicalTime(s: string): number | undefined {
  const length = s.length;
  if (length !== 20 && length !== 24) return undefined;
  if (
    s[4] !== '-' ||
    s[7] !== '-' ||
    s[10] !== 'T' ||
    s[13] !== ':' ||
    s[16] !== ':' ||
    s[length - 1] !== 'Z'
  )
    return undefined;
  if (length === 24 && s[19] !== '.') return undefined;
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 7);
  const day = digitsAt(s, 8, 10);
  const hour = digitsAt(s, 11, 13);
  const minute = digitsAt(s, 14, 16);
  const second = digitsAt(s, 17, 19);
  // three digits of fraction: Math.floor(Number(`0.${f}`) * 1000) is f itself for all 1,000
  const ms = length === 24 ? digitsAt(s, 20, 23) : 0;
  if (year < 0 || ms < 0 || month < 1 || month > 12 || day < 1 || day > 28) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return Number.isFinite(t) ? t : undefined;
}

/** Whether `text` is `2024-08-01T13:24:47Z` or `2024-08-01T13:24:47.123Z` of a valid time. */
export function isCanonicalTime(text: string): boolean {
  return canonicalTime(text) !== undefined;
}

/** `parseTime` without its shortcut (exported as the shortcut's oracle in tests). */
export function generalTime(value: string): number | undefined {
  const m = ISO.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms);
  const check = new Date(t);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined; // 2024-02-31
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0');
    t -= sign * offset * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

/** `2024-08-01T13:24:47Z`, with milliseconds only when there are some (CloudTrail's own form). */
export function formatTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** Fixed-width `2024-08-01T13:24:47.000Z`: sorts lexicographically in time order (sort keys). */
export function sortableTime(ms: number): string {
  return new Date(ms).toISOString();
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w|y)$/i;
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 365 * 86_400_000,
};

/**
 * `--since`: a duration back from `now` (`90m`, `24h`, `30d`, `2w`, `1y`) or a time.
 * @throws UsageError naming the option and what it expects.
 */
export function parseSince(arg: string, now: number, option = '--since'): number {
  const m = DURATION.exec(arg.trim());
  if (m) {
    const unit = UNIT_MS[(m[2] as string).toLowerCase()] as number;
    return now - Number(m[1]) * unit;
  }
  const t = parseTime(arg);
  if (t === undefined) {
    throw new UsageError(
      `expected a duration like 90m, 24h, 30d or an ISO time like 2024-08-01T13:00:00Z, got '${arg}'`,
      option,
    );
  }
  return t;
}

/** `--until`: a time (or a duration back from now, for symmetry with `--since`). */
export function parseUntil(arg: string, now: number): number {
  return parseSince(arg, now, '--until');
}
