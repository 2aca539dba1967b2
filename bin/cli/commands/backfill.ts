import type { Command } from 'commander';
import { UsageError } from '../../../lambda/core/errors';
import { parseS3Url } from '../../../lambda/core/s3-key';
import type { LayoutFilter } from '../../../lambda/core/s3-layout';
import type { Settings } from '../../../lambda/core/settings';
import { checkRegionName } from '../aws-regions';
import type { BackfillProgress, BackfillResult } from '../backfill';
import type { CliCommand } from '../command';
import { EXIT_INTERRUPTED, type Interrupt, withInterrupt } from '../interrupt';
import { EXIT, type Io } from '../io';
import {
  addStoreOptions,
  collect,
  concurrencyOption,
  type StoreFlags,
  storeSelection,
  timeRange,
} from '../options';
import { clean, jsonLine } from '../output';
import { Progress, rate } from '../progress';
import { addSettingsOptions, type SettingsFlags, settingsFromFlags } from '../settings-options';
import { closingOnce, openStore } from '../store';
import { conflictsAndBudget, fileMessages, findingsLine, inputFailed, type Totals } from '../summary';

const BACKFILL_CONCURRENCY = 8;

/** `trailwatch backfill s3://BUCKET[/PREFIX]`: a bucket's log files, here or through the queue. */
export const backfillCommand: CliCommand = {
  name: 'backfill',
  description:
    'index the log files of a CloudTrail bucket: s3://BUCKET[/PREFIX], pruned by time, account and region',
  examples: [
    [
      "a year of a trail's files, here",
      'backfill s3://acme-cloudtrail --since 2024-01-01 --until 2024-12-31',
    ],
    [
      'two accounts of an organization trail, one region, the last 30 days',
      'backfill s3://acme-cloudtrail --account 572910899909,844015365555 --region eu-west-1 --since 30d',
    ],
    [
      'announce the files to the deployed queue (stack output QueueUrl) instead',
      'backfill s3://acme-cloudtrail --since 7d --queue https://sqs.eu-west-1.amazonaws.com/123456789012/Trailwatch-IngestQueue-AbCdEf123456',
    ],
  ],
  register(command, { io, run }) {
    addStoreOptions(addSettingsOptions(backfillOptions(command)), {
      region: false,
      profileHelp: 'AWS profile (S3, SQS and --table; default: the SDK settings)',
    }).action((url: string, flags: BackfillFlags) =>
      run(() => withInterrupt(io, (interrupt) => runBackfill(url, flags, io, interrupt))),
    );
  },
};

function backfillOptions(command: Command): Command {
  return command
    .argument('<s3url>', 's3://BUCKET or s3://BUCKET/PREFIX (a trail prefix, or any folder of AWSLogs/)')
    .option('--since <when>', 'files of events at or after: a duration back from now (30d) or an ISO time')
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
      `files at once (default ${BACKFILL_CONCURRENCY}): downloaded and processed (into the embedded store: downloaded together, processed one at a time in listing order), or message batches sent`,
    )
    .option(
      '--queue <url>',
      'announce the files to the deployed ingest queue (stack output QueueUrl) instead of processing them here',
    )
    .option(
      '--reprocess',
      'also process files already done (by an earlier backfill or the deployed function)',
    )
    .option('--json', 'print the summary as one JSON line');
}

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
  for (const r of flags.region) checkRegionName(r, '--region');
  // an unset variable (`--queue "$QUEUE_URL"`) would otherwise mean: process here
  if (flags.queue !== undefined && flags.queue.trim() === '')
    throw new UsageError('the queue URL is empty (the stack output QueueUrl)', '--queue');
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

async function runBackfill(url: string, flags: BackfillFlags, io: Io, interrupt: Interrupt): Promise<number> {
  const settings = settingsFromFlags(flags, io.env);
  const { bucket, filter } = backfillFilter(url, flags, io.now());
  // checked even when no store is opened (--queue without --table)
  const selection = storeSelection({ ...flags, region: undefined });
  const concurrency = concurrencyOption(flags.concurrency) ?? BACKFILL_CONCURRENCY;
  const { createS3Client, S3ObjectLister, S3ObjectReader } = await import('../../../lambda/s3-objects');
  const { backfill, localBackfill } = await import('../backfill');
  const s3 = createS3Client(io.env, flags.profile ? { profile: flags.profile } : {});
  // --queue needs no store, unless a table is named: its file markers then skip what is done
  const opened =
    flags.queue && flags.table === undefined
      ? undefined
      : closingOnce(
          await openStore(selection, io.env, {
            bulkWrites: true,
            say: (line) => io.err(clean(line)),
          }),
        );
  try {
    if (opened && flags.createTable && !opened.local) await opened.store.createTableIfMissing();
    const queue = flags.queue
      ? (await import('../queue')).SqsQueueSender.create(
          flags.queue,
          io.env,
          flags.profile ? { profile: flags.profile } : {},
        )
      : undefined;
    const started = io.now();
    const { progress, onProgress } = backfillProgress(io, !flags.json, started);
    interrupt.onInterrupt(() => progress.stop());
    const result = await progress.around(() =>
      backfill({
        bucket,
        filter,
        settings,
        concurrency,
        lister: new S3ObjectLister(bucket, s3),
        ...(opened ? { store: opened.store } : {}),
        ...(queue ? { queue } : { reader: new S3ObjectReader(s3) }),
        ...(opened?.local ? { inTurns: localBackfill() } : {}),
        ...(flags.reprocess ? { reprocess: true } : {}),
        interrupt,
        now: io.now,
        onProgress,
        onFile: (source, stats) => progress.report(fileMessages(source, stats)),
      }),
    );
    // everything stored (the last commit; a new store's key index) before the summary and its time
    await opened?.close();
    const where = queue ? `the queue ${flags.queue}` : `the ${opened?.description}`;
    return printSummary(io, result, {
      source: `s3://${bucket}/${filter.prefix}`,
      where,
      json: flags.json === true,
      seconds: (io.now() - started) / 1000,
      settings,
      interrupted: interrupt.interrupted,
      ...(queue ? { queue: flags.queue } : { store: opened?.description }),
    });
  } finally {
    await opened?.close();
  }
}

/** The bar of a backfill (on a terminal, without --json): files done of those listed so far. */
function backfillProgress(
  io: Io,
  wanted: boolean,
  started: number,
): { progress: Progress; onProgress: (p: BackfillProgress) => void } {
  const progress = new Progress(
    io,
    io.interactive && wanted
      ? {
          format: `backfill [{bar}] {value}/{total}{listing} files | {indexed} events | {rate} files/s | ETA {left}`,
          total: 0,
          payload: { listing: '+ (listing)', indexed: 0, rate: '0.0', left: '…' },
        }
      : undefined,
  );
  const onProgress = (p: BackfillProgress): void => {
    const done = p.processed + p.failed + p.alreadyDone + p.announced;
    const elapsed = io.now() - started;
    const worked = p.processed + p.failed + p.announced;
    const perMs = worked > 0 ? elapsed / worked : 0;
    progress.update(
      done,
      {
        listing: p.listingDone ? '' : '+ (listing)',
        indexed: p.indexed,
        rate: rate(worked, elapsed),
        left: p.listingDone && perMs > 0 ? `${Math.ceil(((p.listed - done) * perMs) / 1000)}s` : '…',
      },
      p.listed,
    );
  };
  return { progress, onProgress };
}

interface SummaryContext {
  /** `s3://bucket/prefix` */
  readonly source: string;
  /** Where the files went, for the text: `the queue URL` or `the <store>`. */
  readonly where: string;
  readonly json: boolean;
  readonly seconds: number;
  readonly settings: Settings;
  /** Ctrl-C stopped the run. */
  readonly interrupted: boolean;
  /** With --queue: its URL. */
  readonly queue?: string | undefined;
  /** Without --queue: the store's description. */
  readonly store?: string | undefined;
}

/** Prints the error that stopped the run, if any, and the summary; returns the exit code. */
function printSummary(io: Io, result: BackfillResult, ctx: SummaryContext): number {
  const { totals } = result;
  if (result.error) {
    io.err(`trailwatch: ${clean(result.error.describe())}`);
    io.err('trailwatch: stopped; what is done stays done: run the same command again to resume.');
  }
  io.out(ctx.json ? jsonSummary(result, totals, ctx) : textSummary(result, totals, ctx));
  if (ctx.interrupted) return EXIT_INTERRUPTED;
  return result.error || inputFailed(totals) ? EXIT.inputFailed : EXIT.ok;
}

/** Files listed and not started (an interrupt, or a run stopped by an error). */
function notStarted(p: BackfillProgress): number {
  return Math.max(0, p.listed - p.processed - p.failed - p.alreadyDone - p.announced - p.interrupted);
}

function jsonSummary(result: BackfillResult, totals: Totals, ctx: SummaryContext): string {
  const p = result.progress;
  return jsonLine({
    ...totals,
    source: ctx.source,
    listed: p.listed,
    alreadyDone: p.alreadyDone,
    ...(ctx.queue ? { announced: p.announced, queue: ctx.queue } : { store: ctx.store }),
    listCalls: result.listing.listCalls,
    seconds: Number(ctx.seconds.toFixed(3)),
    interrupted: ctx.interrupted,
    filesInterrupted: p.interrupted,
    filesLeft: notStarted(p),
    ...(result.error ? { error: result.error.describe() } : {}),
  });
}

function textSummary(result: BackfillResult, totals: Totals, ctx: SummaryContext): string {
  const p = result.progress;
  const verb = ctx.interrupted
    ? 'Interrupted: backfilled'
    : result.error
      ? 'Stopped backfilling'
      : 'Backfilled';
  const lines = [
    `${verb} ${ctx.source} into ${ctx.where} in ${ctx.seconds.toFixed(1)}s`,
    `  files:   ${p.listed} log file(s) found with ${result.listing.listCalls} list call(s)` +
      `${p.listingDone ? '' : ' (listing not finished)'}; ` +
      (ctx.queue
        ? `${p.announced} announced to the queue`
        : `${totals.files} processed (${totals.filesFailed} failed)`) +
      `, ${p.alreadyDone} already done`,
  ];
  if (ctx.interrupted)
    lines.push(
      `  interrupted: ${p.interrupted} file(s) stopped part-way (not marked done: read again next time), ${notStarted(p)} not started`,
    );
  if (!ctx.queue)
    lines.push(
      `  records: ${totals.records} read, ${totals.indexed} events indexed (${totals.items} items), ` +
        `${totals.skipped} skipped, ${totals.duplicates} duplicate(s), ${totals.conflicts} conflict(s), ${totals.rejected} rejected`,
      ...conflictsAndBudget(totals, ctx.settings),
      findingsLine(totals),
    );
  else lines.push('  The deployed function indexes them; watch the queue depth on the dashboard.');
  if (p.listed === 0 && p.listingDone)
    lines.push(
      '  No log files there: check the bucket, the prefix, and --since, --until, --account, --region.',
    );
  if (ctx.interrupted) lines.push('  Run the same command again to go on: done files are skipped.');
  else if (p.failed > 0)
    lines.push('  Run the same command again to retry the failed files: done files are skipped.');
  return lines.join('\n');
}
