import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Presets, SingleBar } from 'cli-progress';
import { Command, CommanderError, Option } from 'commander';
import { itemToConflict } from '../../lambda/core/conflicts';
import { TrailwatchError, UsageError } from '../../lambda/core/errors';
import { findRecord } from '../../lambda/core/find-record';
import { itemToFinding } from '../../lambda/core/findings';
import { itemToEvent, keys } from '../../lambda/core/items';
import type { JsonObject } from '../../lambda/core/json';
import { type LookupKind, lookupPartition, QUERY_LOOKUPS } from '../../lambda/core/lookup';
import { addCounters, type Counters, emptyCounters, type FileStats } from '../../lambda/core/pipeline';
import { isRuleId, RULE_IDS, type RuleId } from '../../lambda/core/rules';
import { parseS3Url } from '../../lambda/core/s3-key';
import type { LayoutFilter } from '../../lambda/core/s3-layout';
import {
  DEFAULT_SETTINGS,
  detectionSettings,
  parseRetentionDays,
  type Settings,
  settingsFromEnv,
} from '../../lambda/core/settings';
import { parseSince, parseUntil } from '../../lambda/core/time';
import { backfill } from './backfill';
import { discoverFiles, ingestFiles } from './ingest';
import {
  type Column,
  clean,
  EVENT_COLUMNS,
  FINDING_COLUMNS,
  jsonLine,
  KEY_PUSH_COLUMNS,
  renderConflicts,
  renderEventDetails,
  renderRecord,
  renderTable,
} from './output';
import { type OpenedStore, openStore, type StoreSelection } from './store';

/** Where a command writes. Injected so tests can run the CLI in-process. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** stderr is a terminal (progress bars). */
  readonly interactive: boolean;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly now: () => number;
  /** Long-running commands (`serve`) stop when this resolves. @default the first SIGINT or SIGTERM */
  readonly untilStopped?: () => Promise<unknown>;
}

export const EXIT = { ok: 0, inputFailed: 1, usage: 2 } as const;

interface StoreFlags {
  db?: string;
  table?: string;
  endpoint?: string;
  region?: string;
  profile?: string;
}
interface RangeFlags {
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
function addStoreOptions(
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

function addRangeOptions(cmd: Command): Command {
  return cmd
    .option(
      '--since <when>',
      'only events at or after: a duration back from now (90m, 24h, 30d) or an ISO time',
    )
    .option('--until <when>', 'only events at or before this ISO time')
    .option('--limit <n>', `at most this many results (default ${DEFAULT_LIMIT})`)
    .option('--json', 'print one JSON object per line (NDJSON)');
}

/** The pipeline's settings as options (ingest, backfill); the environment gives the defaults. */
function addSettingsOptions(cmd: Command): Command {
  return cmd
    .option(
      '--include-read-only',
      `also index successful read-only calls (default ${DEFAULT_SETTINGS.includeReadOnly}; env TRAILWATCH_INCLUDE_READ_ONLY)`,
    )
    .option(
      '--retention-days <n>',
      `days items are kept, 0 = forever (default ${DEFAULT_SETTINGS.retentionDays}; env TRAILWATCH_RETENTION_DAYS)`,
    )
    .option(
      '--create-table',
      'with --table: create the table if it does not exist (for local DynamoDB endpoints)',
    )
    .option(
      '--allowed-ssh-cidrs <cidrs>',
      'comma-separated networks SSH key pushes may come from (ssh-source-ip; off when empty)',
    )
    .option('--privileged-os-users <users>', "comma-separated OS users of ssh-root-os-user (default 'root')")
    .option('--multi-instance-window <minutes>', 'window of ssh-key-multi-instance (default 60)')
    .option(
      '--multi-instance-threshold <n>',
      'distinct instances that make ssh-key-multi-instance fire (default 2)',
    )
    .option(
      '--multi-principal-threshold <n>',
      'distinct principals that make ssh-key-multi-principal fire (default 2)',
    );
}

/** Collects a repeatable, comma-separated option. */
function collect(value: string, previous: string[]): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== ''),
  ];
}

function storeSelection(flags: StoreFlags): StoreSelection {
  return {
    ...(flags.db !== undefined ? { db: flags.db } : {}),
    ...(flags.table !== undefined ? { table: flags.table } : {}),
    ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
    ...(flags.region !== undefined ? { region: flags.region } : {}),
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
  };
}

function parsePositiveInt(value: string, option: string, max = 1_000_000): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new UsageError(`expected a whole number from 1 to ${max}, got '${value}'`, option);
  return n;
}

function timeRange(flags: RangeFlags, now: number): { sinceMs?: number; untilMs?: number; limit: number } {
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

function inRange(range: { sinceMs?: number; untilMs?: number }): string {
  return range.sinceMs !== undefined || range.untilMs !== undefined ? ' in that time range' : '';
}

/** Rows newest first: NDJSON lines with `--json`, else a table with a count line (or `none`). */
function printList<T>(
  io: Io,
  rows: readonly T[],
  more: boolean,
  how: { json: boolean; noun: string; columns: readonly Column<T>[]; none: string },
): void {
  if (how.json) {
    for (const row of rows) io.out(jsonLine(row));
    if (more)
      io.err(
        `trailwatch: more than ${rows.length} ${how.noun}; narrow with --since/--until or raise --limit`,
      );
    return;
  }
  if (rows.length === 0) {
    io.out(how.none);
    return;
  }
  io.out(renderTable(rows, how.columns));
  io.out(
    more
      ? `\nShowing the newest ${rows.length} ${how.noun}; narrow with --since/--until or raise --limit for more.`
      : `\n${rows.length} ${how.noun === 'events' ? 'event(s)' : 'finding(s)'}, newest first.`,
  );
}

async function withStore<T>(flags: StoreFlags, io: Io, fn: (opened: OpenedStore) => Promise<T>): Promise<T> {
  const opened = await openStore(storeSelection(flags), io.env);
  try {
    return await fn(opened);
  } finally {
    await opened.close();
  }
}

/* ---------------------------------------------------------------- ingest */

interface SettingsFlags {
  includeReadOnly?: boolean;
  retentionDays?: string;
  createTable?: boolean;
  allowedSshCidrs?: string;
  privilegedOsUsers?: string;
  multiInstanceWindow?: string;
  multiInstanceThreshold?: string;
  multiPrincipalThreshold?: string;
}

interface IngestFlags extends StoreFlags, SettingsFlags {
  json?: boolean;
  concurrency?: string;
}

/** Settings: defaults, then the environment (TRAILWATCH_*), then options. */
function ingestSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv): Settings {
  const fromEnv = settingsFromEnv(env);
  const d = fromEnv.detection;
  return {
    ...fromEnv,
    ...(flags.includeReadOnly ? { includeReadOnly: true } : {}),
    ...(flags.retentionDays !== undefined
      ? { retentionDays: parseRetentionDays(flags.retentionDays, '--retention-days') }
      : {}),
    detection: detectionSettings(
      {
        allowedSshCidrs: flags.allowedSshCidrs ?? d.allowedSshCidrs,
        privilegedOsUsers: flags.privilegedOsUsers ?? d.privilegedOsUsers,
        multiInstanceWindowMinutes: flags.multiInstanceWindow ?? d.multiInstanceWindowMinutes,
        multiInstanceThreshold: flags.multiInstanceThreshold ?? d.multiInstanceThreshold,
        multiPrincipalThreshold: flags.multiPrincipalThreshold ?? d.multiPrincipalThreshold,
      },
      {
        allowedSshCidrs: '--allowed-ssh-cidrs',
        multiInstanceWindowMinutes: '--multi-instance-window',
        multiInstanceThreshold: '--multi-instance-threshold',
        multiPrincipalThreshold: '--multi-principal-threshold',
      },
    ),
  };
}

interface Totals extends Counters {
  files: number;
  filesFailed: number;
  filesSkipped: number;
}

function addUp(results: readonly FileStats[], unreadable: number): Totals {
  const t: Totals = {
    files: results.length + unreadable,
    filesFailed: unreadable,
    filesSkipped: 0,
    ...emptyCounters(),
  };
  for (const r of results) {
    if (r.status === 'failed') t.filesFailed++;
    if (r.status === 'skipped') t.filesSkipped++;
    addCounters(t, r);
  }
  return t;
}

const REJECTIONS_SHOWN = 3;

function fileMessages(display: string, stats: FileStats): string[] {
  const lines: string[] = [];
  if (stats.error) lines.push(`trailwatch: ${clean(stats.error.describe())}`);
  for (const r of stats.rejections.slice(0, REJECTIONS_SHOWN)) {
    lines.push(`trailwatch: ${clean(display)}: record #${r.index} rejected: ${clean(r.reason)}`);
  }
  if (stats.rejected > REJECTIONS_SHOWN) {
    lines.push(
      `trailwatch: ${clean(display)}: … and ${stats.rejected - REJECTIONS_SHOWN} more rejected record(s)`,
    );
  }
  for (const c of stats.conflictReports.slice(0, REJECTIONS_SHOWN)) {
    lines.push(
      `trailwatch: ${clean(display)}: record #${c.index} conflicts with the indexed event ${clean(c.eventID)}` +
        ` (from ${clean(c.originalSource ?? 'an unknown file')}): same eventID, other content; not indexed` +
        ` (see: trailwatch event ${clean(c.eventID)})`,
    );
  }
  if (stats.conflicts > REJECTIONS_SHOWN) {
    lines.push(
      `trailwatch: ${clean(display)}: … and ${stats.conflicts - REJECTIONS_SHOWN} more conflicting record(s)`,
    );
  }
  if (stats.overBudget > 0) {
    lines.push(
      `trailwatch: ${clean(display)}: ${stats.overBudget} failed call(s) beyond the file's item budget: stored without index items (trailwatch event ID shows them)`,
    );
  }
  return lines;
}

async function runIngest(paths: string[], flags: IngestFlags, io: Io): Promise<number> {
  const settings = ingestSettings(flags, io.env);
  const concurrency =
    flags.concurrency !== undefined ? parsePositiveInt(flags.concurrency, '--concurrency', 64) : 4;
  const discovery = await discoverFiles(paths, io.cwd);
  for (const e of discovery.errors) io.err(`trailwatch: ${clean(e.describe())}`);

  return withStore(flags, io, async (opened) => {
    if (flags.createTable && !opened.local) await opened.store.createTableIfMissing();
    const showBar = io.interactive && !flags.json && discovery.files.length > 1;
    const bar = showBar
      ? new SingleBar(
          {
            format:
              'ingest [{bar}] {value}/{total} files | {records} records | {indexed} events | ETA {eta_formatted}',
            stream: process.stderr,
            hideCursor: true,
            etaBuffer: 50,
          },
          Presets.shades_classic,
        )
      : undefined;
    const deferred: string[] = [];
    let records = 0;
    let indexed = 0;
    bar?.start(discovery.files.length, 0, { records: 0, indexed: 0 });
    const started = io.now();
    const results = await ingestFiles(discovery.files, {
      settings,
      concurrency,
      store: opened.store,
      onFile: (file, stats) => {
        records += stats.records;
        indexed += stats.indexed;
        bar?.increment(1, { records, indexed });
        const lines = fileMessages(file.display, stats);
        if (bar) deferred.push(...lines);
        else for (const l of lines) io.err(l);
      },
    }).finally(() => bar?.stop());
    for (const l of deferred) io.err(l);

    const totals = addUp(results, discovery.errors.length);
    const seconds = (io.now() - started) / 1000;
    if (flags.json) {
      io.out(
        jsonLine({
          ...totals,
          ignoredFiles: discovery.ignored,
          store: opened.description,
          seconds: Number(seconds.toFixed(3)),
        }),
      );
    } else {
      io.out(
        [
          `Ingested ${totals.files} file(s) into the ${opened.description} in ${seconds.toFixed(1)}s`,
          `  records: ${totals.records} read, ${totals.indexed} events indexed (${totals.items} items), ` +
            `${totals.skipped} skipped (other services, read-only calls), ${totals.duplicates} duplicate(s), ` +
            `${totals.conflicts} conflict(s), ${totals.rejected} rejected`,
          ...conflictsAndBudget(totals, settings),
          `  files:   ${totals.filesFailed} failed, ${totals.filesSkipped} skipped (digest files), ${discovery.ignored} other file(s) ignored`,
          `  SSH key pushes: ${totals.sshKeyPushes}; new findings: ${totals.findings}${describeByRule(totals.findingsByRule)}` +
            (totals.findings > 0 ? ' (list them: trailwatch findings)' : ''),
        ].join('\n'),
      );
    }
    return inputFailed(totals) ? EXIT.inputFailed : EXIT.ok;
  });
}

/**
 * Exit code 1 ("some input failed") for failed files, rejected records and conflicts: a record that
 * reuses the eventID of another with other content is forged or corrupt, and was not indexed. Events
 * beyond a file's item budget are stored (without index items): counted, not a failure.
 */
function inputFailed(totals: Totals): boolean {
  return totals.filesFailed > 0 || totals.rejected > 0 || totals.conflicts > 0;
}

/** Summary lines on conflicts and on events beyond a file's item budget, when there are. */
function conflictsAndBudget(totals: Counters, settings: Settings): string[] {
  const lines: string[] = [];
  if (totals.conflicts > 0)
    lines.push(
      `  conflicts: ${totals.conflicts} record(s) reuse the eventID of an indexed event with other content: not indexed (trailwatch event ID shows them)`,
    );
  if (totals.overBudget > 0)
    lines.push(
      `  item budget: ${totals.overBudget} failed call(s) beyond their file's ${settings.fileItemBudget} index items: stored without index items`,
    );
  return lines;
}

/* ---------------------------------------------------------------- backfill */

const BACKFILL_CONCURRENCY = 8;

interface BackfillFlags extends Omit<StoreFlags, 'region'>, SettingsFlags {
  json?: boolean;
  concurrency?: string;
  since?: string;
  until?: string;
  account: string[];
  region: string[];
  queue?: string;
  reprocess?: boolean;
}

/** `s3://bucket/prefix`: a prefix names a folder (a trailing `/` is added) unless it names a file. */
function backfillTarget(url: string): { bucket: string; prefix: string } {
  const { bucket, key } = parseS3Url(url);
  const prefix = key === '' || key.endsWith('/') || /\.json(\.gz)?$/i.test(key) ? key : `${key}/`;
  return { bucket, prefix };
}

function backfillFilter(
  url: string,
  flags: BackfillFlags,
  now: number,
): { bucket: string; filter: LayoutFilter } {
  const { bucket, prefix } = backfillTarget(url);
  const range = timeRange({ ...flags, limit: undefined }, now);
  for (const a of flags.account)
    if (!/^\d{12}$/.test(a)) throw new UsageError(`expected 12-digit account IDs, got '${a}'`, '--account');
  for (const r of flags.region)
    if (!/^[a-z0-9-]{2,32}$/.test(r))
      throw new UsageError(`expected region names like eu-west-1, got '${r}'`, '--region');
  return {
    bucket,
    filter: {
      prefix,
      ...(range.sinceMs !== undefined ? { sinceMs: range.sinceMs } : {}),
      ...(range.untilMs !== undefined ? { untilMs: range.untilMs } : {}),
      accounts: new Set(flags.account),
      regions: new Set(flags.region),
    },
  };
}

function rate(n: number, ms: number): string {
  return ms > 0 ? (n / (ms / 1000)).toFixed(1) : '0.0';
}

async function runBackfill(url: string, flags: BackfillFlags, io: Io): Promise<number> {
  const settings = ingestSettings(flags, io.env);
  const { bucket, filter } = backfillFilter(url, flags, io.now());
  const concurrency =
    flags.concurrency !== undefined
      ? parsePositiveInt(flags.concurrency, '--concurrency', 64)
      : BACKFILL_CONCURRENCY;
  const { createS3Client, S3ObjectLister, S3ObjectReader } = await import('../../lambda/s3-objects');
  const s3 = createS3Client(io.env, flags.profile ? { profile: flags.profile } : {});
  // --queue needs no store, unless a table is named: its file markers then skip what is done
  const opened =
    flags.queue && flags.table === undefined
      ? undefined
      : await openStore(storeSelection({ ...flags, region: undefined }), io.env);
  try {
    if (opened && flags.createTable && !opened.local) await opened.store.createTableIfMissing();
    const queue = flags.queue
      ? (await import('./queue')).SqsQueueSender.create(
          flags.queue,
          io.env,
          flags.profile ? { profile: flags.profile } : {},
        )
      : undefined;
    const bar =
      io.interactive && !flags.json
        ? new SingleBar(
            {
              format: `backfill [{bar}] {value}/{total}{listing} files | {indexed} events | {rate} files/s | ETA {left}`,
              stream: process.stderr,
              hideCursor: true,
            },
            Presets.shades_classic,
          )
        : undefined;
    const started = io.now();
    const messages: string[] = [];
    bar?.start(0, 0, { listing: '+ (listing)', indexed: 0, rate: '0.0', left: '…' });
    let result: Awaited<ReturnType<typeof backfill>>;
    try {
      result = await backfill({
        bucket,
        filter,
        settings,
        concurrency,
        lister: new S3ObjectLister(bucket, s3),
        ...(opened ? { store: opened.store } : {}),
        ...(queue ? { queue } : { reader: new S3ObjectReader(s3) }),
        ...(flags.reprocess ? { reprocess: true } : {}),
        now: io.now,
        onProgress: (p) => {
          if (!bar) return;
          const done = p.processed + p.failed + p.alreadyDone + p.announced;
          const elapsed = io.now() - started;
          const worked = p.processed + p.failed + p.announced;
          const perMs = worked > 0 ? elapsed / worked : 0;
          bar.setTotal(p.listed);
          bar.update(done, {
            listing: p.listingDone ? '' : '+ (listing)',
            indexed: p.indexed,
            rate: rate(worked, elapsed),
            left: p.listingDone && perMs > 0 ? `${Math.ceil(((p.listed - done) * perMs) / 1000)}s` : '…',
          });
        },
        onFile: (source, stats) => {
          const lines = fileMessages(source, stats);
          if (bar) messages.push(...lines);
          else for (const l of lines) io.err(l);
        },
      });
    } finally {
      // a stopped bar lets the process exit (its timer would keep it alive), whatever happened
      bar?.stop();
    }
    for (const l of messages) io.err(l);

    const p = result.progress;
    const totals: Totals = {
      files: p.processed + p.failed,
      filesFailed: p.failed,
      filesSkipped: p.filesSkipped,
      ...result.totals,
    };
    const seconds = (io.now() - started) / 1000;
    const where = queue ? `the queue ${flags.queue}` : `the ${opened?.description}`;
    if (result.error) {
      io.err(`trailwatch: ${clean(result.error.describe())}`);
      io.err('trailwatch: stopped; what is done stays done: run the same command again to resume.');
    }
    if (flags.json) {
      io.out(
        jsonLine({
          ...totals,
          source: `s3://${bucket}/${filter.prefix}`,
          listed: p.listed,
          alreadyDone: p.alreadyDone,
          ...(queue ? { announced: p.announced, queue: flags.queue } : { store: opened?.description }),
          listCalls: result.listing.listCalls,
          seconds: Number(seconds.toFixed(3)),
          ...(result.error ? { error: result.error.describe() } : {}),
        }),
      );
    } else {
      const lines = [
        `${result.error ? 'Stopped backfilling' : 'Backfilled'} s3://${bucket}/${filter.prefix} into ${where} in ${seconds.toFixed(1)}s`,
        `  files:   ${p.listed} log file(s) found with ${result.listing.listCalls} list call(s); ` +
          (queue
            ? `${p.announced} announced to the queue`
            : `${totals.files} processed (${totals.filesFailed} failed)`) +
          `, ${p.alreadyDone} already done`,
      ];
      if (!queue)
        lines.push(
          `  records: ${totals.records} read, ${totals.indexed} events indexed (${totals.items} items), ` +
            `${totals.skipped} skipped, ${totals.duplicates} duplicate(s), ${totals.conflicts} conflict(s), ${totals.rejected} rejected`,
          ...conflictsAndBudget(totals, settings),
          `  SSH key pushes: ${totals.sshKeyPushes}; new findings: ${totals.findings}${describeByRule(totals.findingsByRule)}` +
            (totals.findings > 0 ? ' (list them: trailwatch findings)' : ''),
        );
      else lines.push('  The deployed function indexes them; watch the queue depth on the dashboard.');
      if (p.failed > 0)
        lines.push('  Run the same command again to retry the failed files: done files are skipped.');
      io.out(lines.join('\n'));
    }
    return result.error || inputFailed(totals) ? EXIT.inputFailed : EXIT.ok;
  } finally {
    await opened?.close();
  }
}

function describeByRule(byRule: Partial<Record<RuleId, number>>): string {
  const parts = RULE_IDS.filter((r) => byRule[r]).map((r) => `${r} ${byRule[r]}`);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/* ---------------------------------------------------------------- query, event, findings */

async function runQuery(
  kind: LookupKind,
  value: string,
  flags: RangeFlags & StoreFlags,
  io: Io,
): Promise<number> {
  const pk = lookupPartition(kind, value);
  const range = timeRange(flags, io.now());
  return withStore(flags, io, async (opened) => {
    const { items, more } = await opened.store.query(pk, { ...range, nowMs: io.now() });
    printList(io, items.map(itemToEvent), more, {
      json: flags.json === true,
      noun: 'events',
      columns: kind === 'key' ? KEY_PUSH_COLUMNS : EVENT_COLUMNS,
      none: `No events for ${kind} ${clean(value)} in the ${opened.description}${inRange(range)}.`,
    });
    return EXIT.ok;
  });
}

interface EventFlags extends StoreFlags {
  json?: boolean;
  record?: boolean;
}

/** The full record from the event's log file, or why it could not be read. */
async function loadRecord(
  source: string | undefined,
  eventID: string,
  io: Io,
): Promise<{ record?: JsonObject; problem?: string }> {
  if (!source) return { problem: 'the event has no source log file' };
  try {
    if (source.startsWith('file://')) {
      const stream = createReadStream(fileURLToPath(source));
      try {
        const record = await findRecord(stream, eventID);
        return record ? { record } : { problem: `the record is no longer in ${source}` };
      } finally {
        stream.destroy();
      }
    }
    if (source.startsWith('s3://')) {
      const { parseS3Url, S3ObjectReader, createS3Client } = await import('../../lambda/s3-objects');
      const { bucket, key } = parseS3Url(source);
      const record = await findRecord(
        await new S3ObjectReader(createS3Client(io.env)).read(bucket, key),
        eventID,
      );
      return record ? { record } : { problem: `the record is no longer in ${source}` };
    }
    return { problem: `unknown source ${source}` };
  } catch (error) {
    return {
      problem: `cannot read ${source}: ${error instanceof TrailwatchError ? error.message : (error as Error).message}`,
    };
  }
}

async function runEvent(eventID: string, flags: EventFlags, io: Io): Promise<number> {
  const id = eventID.trim();
  if (id === '') throw new UsageError('event ID is empty', 'EVENT_ID');
  return withStore(flags, io, async (opened) => {
    const {
      event: item,
      conflicts: conflictItems,
      moreConflicts,
    } = await opened.store.getEventWithConflicts(id);
    if (!item) {
      io.err(`trailwatch: event ${clean(id)}: not found in the ${opened.description}`);
      return EXIT.inputFailed;
    }
    const event = itemToEvent(item);
    const loaded = flags.record === false ? {} : await loadRecord(event.source, event.eventID, io);
    const conflicts = conflictItems.map(itemToConflict);
    if (flags.json) {
      io.out(jsonLine({ ...event, conflicts, ...(loaded.record ? { record: loaded.record } : {}) }));
    } else {
      io.out(renderEventDetails(event));
      if (conflicts.length > 0) io.out(renderConflicts(conflicts, moreConflicts));
      if (loaded.record) io.out(`\nRecord:\n${renderRecord(loaded.record)}`);
    }
    if (loaded.problem) io.err(`trailwatch: full record not shown: ${clean(loaded.problem)}`);
    return EXIT.ok;
  });
}

interface FindingsFlags extends RangeFlags, StoreFlags {
  rule?: string;
}

async function runFindings(flags: FindingsFlags, io: Io): Promise<number> {
  if (flags.rule !== undefined && !isRuleId(flags.rule)) {
    throw new UsageError(`unknown rule '${flags.rule}'; rules: ${RULE_IDS.join(', ')}`, '--rule');
  }
  const range = timeRange(flags, io.now());
  return withStore(flags, io, async (opened) => {
    const { items, more } = await opened.store.query(keys.findings(flags.rule), {
      ...range,
      nowMs: io.now(),
    });
    printList(io, items.map(itemToFinding), more, {
      json: flags.json === true,
      noun: 'findings',
      columns: FINDING_COLUMNS,
      none: `No findings${flags.rule ? ` of ${flags.rule}` : ''} in the ${opened.description}${inRange(range)}.`,
    });
    return EXIT.ok;
  });
}

/* ---------------------------------------------------------------- program */

export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('trailwatch')
    .description('Who touched this EC2 instance, and who pushed an SSH key to it? An index of CloudTrail.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
    });

  const run = (fn: () => Promise<number>): Promise<void> => fn().then(setExit);

  addStoreOptions(
    addSettingsOptions(
      program
        .command('ingest')
        .description('index CloudTrail log files (.json.gz, .json) and directories of them (recursively)')
        .argument('<paths...>', 'files or directories')
        .option('--json', 'print the summary as one JSON line')
        .option('--concurrency <n>', 'files processed at once (default 4)'),
    ),
  ).action((paths: string[], flags: IngestFlags) => run(() => runIngest(paths, flags, io)));

  addStoreOptions(
    addSettingsOptions(
      program
        .command('backfill')
        .description(
          'index the log files of a CloudTrail bucket: s3://BUCKET[/PREFIX], pruned by time, account and region',
        )
        .argument('<s3url>', 's3://BUCKET or s3://BUCKET/PREFIX (a trail prefix, or any folder of AWSLogs/)')
        .option(
          '--since <when>',
          'files of events at or after: a duration back from now (30d) or an ISO time',
        )
        .option('--until <when>', 'files of events at or before this ISO time')
        .option('--account <ids>', 'only these account IDs (comma-separated; repeatable)', collect, [])
        .option(
          '--region <regions>',
          'only these CloudTrail regions (comma-separated; repeatable). The table region comes from the SDK settings',
          collect,
          [],
        )
        .option(
          '--concurrency <n>',
          `files processed (or message batches sent) at once (default ${BACKFILL_CONCURRENCY})`,
        )
        .option(
          '--queue <url>',
          'announce the files to the deployed ingest queue (stack output QueueUrl) instead of processing them here',
        )
        .option(
          '--reprocess',
          'also process files already done (by an earlier backfill or the deployed function)',
        )
        .option('--json', 'print the summary as one JSON line'),
    ),
    { region: false, profileHelp: 'AWS profile (S3, SQS and --table; default: the SDK settings)' },
  ).action((url: string, flags: BackfillFlags) => run(() => runBackfill(url, flags, io)));

  const query = program.command('query').description('look up events in the index, newest first');
  const lookups = QUERY_LOOKUPS;
  for (const [kind, arg, description] of lookups) {
    addStoreOptions(addRangeOptions(query.command(kind).description(description).argument(arg))).action(
      (value: string, flags: RangeFlags & StoreFlags) => run(() => runQuery(kind, value, flags, io)),
    );
  }

  addStoreOptions(
    addRangeOptions(
      program
        .command('findings')
        .description('suspicious SSH key findings, newest first')
        .option('--rule <id>', `only this rule (${RULE_IDS.join(', ')})`),
    ),
  ).action((flags: FindingsFlags) => run(() => runFindings(flags, io)));

  addStoreOptions(
    program
      .command('event')
      .description('one event in full: its summary and the record from its log file')
      .argument('<eventId>', 'the eventID')
      .option('--json', 'print one JSON object')
      .addOption(new Option('--no-record', 'do not read the full record from the log file')),
  ).action((eventID: string, flags: EventFlags) => run(() => runEvent(eventID, flags, io)));

  program
    .command('serve')
    .description(
      'serve the embedded store as a DynamoDB endpoint on this machine (AWS CLI, SDKs, NoSQL Workbench)',
    )
    .option('--db <dir>', 'embedded store directory (default: $TRAILWATCH_DB or ./.trailwatch)')
    .option('--port <n>', 'port, e.g. 8000 (default: a free port, printed at start)')
    .option('--host <address>', 'address to listen on (default 127.0.0.1: this machine only)', '127.0.0.1')
    .addHelpText(
      'after',
      "\nRequests from web pages are refused (403): an Origin other than the endpoint's own; a Host other\n" +
        'than 127.0.0.1, localhost, [::1] or the --host address (for 0.0.0.0 or ::, an address of this\n' +
        'machine), with the port; CORS preflights.',
    )
    .action((flags: { db?: string; port?: string; host: string }) =>
      run(async () => {
        const { DEFAULT_SERVE_PORT, parsePort, startServe, untilStopped } = await import('./serve');
        const { server, lines } = await startServe({
          db: flags.db ?? io.env.TRAILWATCH_DB ?? '.trailwatch',
          host: flags.host,
          port: parsePort(flags.port ?? DEFAULT_SERVE_PORT),
        });
        for (const line of lines) io.out(line);
        await (io.untilStopped ?? untilStopped)();
        await server.close();
        return EXIT.ok;
      }),
    );

  return program;
}

/** The version in package.json: two levels up from bin/cli in the sources, three from dist/bin/cli. */
function packageVersion(): string {
  for (const dir of [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')]) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

/** Runs the CLI; resolves to the exit code. Never throws. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the help, the version or the usage error already
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof UsageError) {
      io.err(`trailwatch: ${clean(error.describe())}`);
      return EXIT.usage;
    }
    if (error instanceof TrailwatchError) {
      io.err(`trailwatch: ${clean(error.describe())}`);
      return EXIT.inputFailed;
    }
    io.err(
      `trailwatch: unexpected error: ${clean(error instanceof Error ? (error.stack ?? error.message) : String(error))}`,
    );
    return EXIT.inputFailed;
  }
}
