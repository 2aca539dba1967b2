import type { Command } from 'commander';
import { UsageError } from '../../lambda/core/errors';
import { parseSince, parseUntil } from '../../lambda/core/time';
import type { Io } from './io';
import { clean } from './output';
import type { EmbeddedStoreOptions, OpenedStore, StoreSelection } from './store';

/** The options shared by several commands, and what they turn into. */

export interface StoreFlags {
  db?: string;
  table?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
}
export interface RangeFlags {
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

const DEFAULT_LIMIT = 100;

/**
 * The store options. `backfill` uses `--region` for CloudTrail regions: it takes the table's region
 * from the SDK settings, and its profile serves S3 and SQS too.
 */
export function addStoreOptions(
  cmd: Command,
  { region = true, profileHelp = 'AWS profile for --table (default: the SDK settings)' } = {},
): Command {
  cmd
    .option('--db <dir>', 'embedded store directory (default: $TRAILWATCH_DB or ./.trailwatch)')
    .option(
      '--table <name>',
      'use a DynamoDB table (the stack output TableName) instead of the embedded store',
    )
    .option(
      '--endpoint <url>',
      'DynamoDB endpoint for --table (default: the SDK settings, e.g. AWS_ENDPOINT_URL)',
    );
  if (region) cmd.option('--region <region>', 'AWS region for --table (default: the SDK settings)');
  return cmd.option('--profile <name>', profileHelp);
}

export function addRangeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--since <when>',
      'only events at or after: a duration back from now (90m, 24h, 30d) or an ISO time',
    )
    .option('--until <when>', 'only events at or before this ISO time')
    .option('--limit <n>', `at most this many results (default ${DEFAULT_LIMIT})`)
    .option('--json', 'print one JSON object per line (NDJSON)');
}

/** Collects a repeatable, comma-separated option. */
export function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

/**
 * The store the flags select. An option given an empty value is a usage error rather than its
 * default: `--db "$DIR"` with DIR unset must not put a store in the current directory, nor
 * `--endpoint "$URL"` quietly reach the real AWS.
 * @throws UsageError naming the option
 */
export function storeSelection(flags: StoreFlags): StoreSelection {
  for (const [option, value] of [
    ['--db', flags.db],
    ['--table', flags.table],
    ['--endpoint', flags.endpoint],
    ['--region', flags.region],
    ['--profile', flags.profile],
  ] as const)
    if (value !== undefined && value.trim() === '') throw new UsageError('the value is empty', option);
  return {
    ...(flags.db !== undefined ? { db: flags.db } : {}),
    ...(flags.table !== undefined ? { table: flags.table } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
  };
}

/**
 * The embedded store's directory: `--db`, else $TRAILWATCH_DB (an empty one counts as unset), else
 * `.trailwatch`. @throws UsageError when `--db` is given an empty value
 */
export function embeddedStoreDir(db: string | undefined, env: NodeJS.ProcessEnv): string {
  if (db !== undefined && db.trim() === '') throw new UsageError('the value is empty', '--db');
  return db ?? (env.TRAILWATCH_DB || undefined) ?? '.trailwatch';
}

/**
 * Opens the store the flags select, runs `fn` on it and closes it, whatever happened (`fn` may close
 * it first: ./store.ts, `closingOnce`).
 */
export async function withStore<T>(
  flags: StoreFlags,
  io: Io,
  fn: (opened: OpenedStore) => Promise<T>,
  options: EmbeddedStoreOptions = {},
): Promise<T> {
  const { closingOnce, openStore } = await import('./store');
  const opened = closingOnce(
    await openStore(storeSelection(flags), io.env, {
      say: (line) => io.err(clean(line)),
      ...options,
    }),
  );
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}

/** `withStore` for a command that writes in bulk (`EmbeddedStoreOptions.bulkWrites`). */
export function withBulkStore<T>(
  flags: StoreFlags,
  io: Io,
  fn: (opened: OpenedStore) => Promise<T>,
): Promise<T> {
  return withStore(flags, io, fn, { bulkWrites: true });
}

/** @throws UsageError naming `option` unless `value` is a whole number from 1 to `max` */
export function parsePositiveInt(value: string, option: string, max = 1_000_000): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`expected a whole number from 1 to ${max}, got '${value}'`, option);
  return n;
}

/** `--concurrency`: a whole number from 1 to 64; undefined when not given (the command's default). */
export function concurrencyOption(value: string | undefined): number | undefined {
  return value !== undefined ? parsePositiveInt(value, '--concurrency', 64) : undefined;
}

export interface TimeRange {
  sinceMs?: number;
  untilMs?: number;
  limit: number;
}

export function timeRange(flags: RangeFlags, now: number): TimeRange {
  const sinceMs = flags.since !== undefined ? parseSince(flags.since, now) : undefined;
  const untilMs = flags.until !== undefined ? parseUntil(flags.until, now) : undefined;
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new UsageError(
      `--since (${new Date(sinceMs).toISOString()}) is after --until (${new Date(untilMs).toISOString()})`,
      '--since',
    );
  }
  const limit = flags.limit !== undefined ? parsePositiveInt(flags.limit, '--limit') : DEFAULT_LIMIT;
  return {
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    limit,
  };
}

/** The end of a "nothing found" message: ` in that time range` when one was given. */
export function inRange(range: { sinceMs?: number; untilMs?: number }): string {
  return range.sinceMs !== undefined || range.untilMs !== undefined ? ' in that time range' : '';
}
