import type { Settings } from '../../../lambda/core/settings';
import type { CliCommand } from '../command';
import type { IngestTotals } from '../ingest';
import { EXIT_INTERRUPTED, type Interrupt, withInterrupt } from '../interrupt';
import { EXIT, type Io } from '../io';
import {
  addStoreOptions,
  concurrencyOption,
  type StoreFlags,
  storeSelection,
  withBulkStore,
} from '../options';
import { clean, jsonLine } from '../output';
import { Progress } from '../progress';
import { addSettingsOptions, type SettingsFlags, settingsFromFlags } from '../settings-options';
import { conflictsAndBudget, fileMessages, findingsLine, inputFailed } from '../summary';

/**
 * Files ingested at once unless `--concurrency` says otherwise. Into the local store, one: the
 * store's calls answer at once, so a second file's pipeline only competes for the main thread and
 * its heap (1 GB with the reader thread: 10.4 and 10.5 s and 300 MB with one, 10.9 and 12.6 s and
 * 346 to 380 MB with two; docs/performance.md, P7). Into a table, two: one file is read while the
 * other waits for DynamoDB's answers to its last writes and its rules.
 */
export const DEFAULT_INGEST_CONCURRENCY = { local: 1, table: 2 } as const;

/** `trailwatch ingest <paths...>`: local log files and directories into the store. */
export const ingestCommand: CliCommand = {
  name: 'ingest',
  description: 'index CloudTrail log files (.json.gz, .json) and directories of them (recursively)',
  examples: [
    [
      'a trail folder as `aws s3 sync` downloaded it',
      'ingest ~/cloudtrail/AWSLogs/123456789012/CloudTrail/eu-west-1/2024/08',
    ],
    [
      'one log file, the summary as JSON',
      'ingest 572910899909_CloudTrail_eu-west-1_20240801T1320Z_RzIh4L8JH4Q4jM8E.json.gz --json',
    ],
    [
      'with a rule setting: SSH keys may be pushed from these networks only',
      'ingest ./logs --allowed-ssh-cidrs 10.0.0.0/8',
    ],
    [
      'into the deployed table (stack output TableName)',
      'ingest ./logs --table Trailwatch-EventsTable1A2B3C4D-0123456789AB',
    ],
  ],
  register(command, { io, run }) {
    addStoreOptions(
      addSettingsOptions(
        command
          .argument('<paths...>', 'files or directories')
          .option('--json', 'print the summary as one JSON line')
          .option(
            '--concurrency <n>',
            `files processed at once (default ${DEFAULT_INGEST_CONCURRENCY.local}; ${DEFAULT_INGEST_CONCURRENCY.table} into a table)`,
          )
          .option(
            '--reprocess',
            'also read files already done (an earlier ingest finished them; same path, size and time)',
          ),
      ),
    ).action((paths: string[], flags: IngestFlags) =>
      run(() => withInterrupt(io, (interrupt) => runIngest(paths, flags, io, interrupt))),
    );
  },
};

interface IngestFlags extends StoreFlags, SettingsFlags {
  json?: boolean;
  concurrency?: string;
  reprocess?: boolean;
}

async function runIngest(paths: string[], flags: IngestFlags, io: Io, interrupt: Interrupt): Promise<number> {
  // the pipeline loads when an ingest runs, not with the CLI (other commands)
  const { discoverFiles, discoveryWarnings, ingestFiles } = await import('../ingest');
  const settings = settingsFromFlags(flags, io.env);
  // validated before anything is read; the default depends on the store
  const asked = concurrencyOption(flags.concurrency);
  // usage errors before anything is read (`--db ""`, `--table ""`)
  storeSelection(flags);
  const discovery = await discoverFiles(paths, io.cwd);
  for (const e of discovery.errors) io.err(`trailwatch: ${clean(e.describe())}`);

  // the writes of many files: the store may run on its own thread (TRAILWATCH_STORE_THREAD)
  return withBulkStore(flags, io, async (opened) => {
    if (flags.createTable && !opened.local) await opened.store.createTableIfMissing();
    const concurrency = asked ?? DEFAULT_INGEST_CONCURRENCY[opened.local ? 'local' : 'table'];
    const progress = ingestProgress(io, !flags.json && discovery.files.length > 1, discovery.files.length);
    interrupt.onInterrupt(() => progress.stop());
    let done = 0;
    let records = 0;
    let indexed = 0;
    const started = io.now();
    const totals = await progress.around(() =>
      ingestFiles(discovery.files, {
        settings,
        concurrency,
        store: opened.store,
        markFiles: true,
        reprocess: flags.reprocess === true,
        interrupt,
        onFile: (file, stats) => {
          records += stats.records;
          indexed += stats.indexed;
          progress.update(++done, { records, indexed });
          progress.report(fileMessages(file.display, stats));
        },
        onAlreadyDone: () => progress.update(++done, { records, indexed }),
      }),
    );
    // everything stored (the last commit; a new store's key index) before the summary and its time
    await opened.close();

    // last on stderr, where they are seen (after the messages on files)
    for (const w of discoveryWarnings(discovery)) io.err(clean(w));
    // paths that could not be read at all are failed files too
    totals.files += discovery.errors.length;
    totals.filesFailed += discovery.errors.length;
    const summary: IngestSummary = {
      totals,
      ignored: discovery.ignored,
      store: opened.description,
      seconds: (io.now() - started) / 1000,
      interrupted: interrupt.interrupted,
    };
    io.out(flags.json ? jsonSummary(summary) : textSummary(summary, settings));
    if (interrupt.interrupted) return EXIT_INTERRUPTED;
    return inputFailed(totals) ? EXIT.inputFailed : EXIT.ok;
  });
}

/** The bar of an ingest of several files, on a terminal, without --json. */
function ingestProgress(io: Io, wanted: boolean, total: number): Progress {
  return new Progress(
    io,
    io.interactive && wanted
      ? {
          format:
            'ingest [{bar}] {value}/{total} files | {records} records | {indexed} events | ETA {eta_formatted}',
          total,
          payload: { records: 0, indexed: 0 },
          etaBuffer: 50,
        }
      : undefined,
  );
}

interface IngestSummary {
  readonly totals: IngestTotals;
  /** Files found that are not log files. */
  readonly ignored: number;
  readonly store: string;
  readonly seconds: number;
  readonly interrupted: boolean;
}

function jsonSummary({ totals, ignored, store, seconds, interrupted }: IngestSummary): string {
  const { alreadyDone, interrupted: filesInterrupted, left: filesLeft, ...counts } = totals;
  return jsonLine({
    ...counts,
    alreadyDone,
    ignoredFiles: ignored,
    store,
    seconds: Number(seconds.toFixed(3)),
    interrupted,
    filesInterrupted,
    filesLeft,
  });
}

function textSummary(summary: IngestSummary, settings: Settings): string {
  const { totals, ignored } = summary;
  const lines = [
    headline(summary),
    `  records: ${totals.records} read, ${totals.indexed} events indexed (${totals.items} items), ` +
      `${totals.skipped} skipped (other services, read-only calls), ${totals.duplicates} duplicate(s), ` +
      `${totals.conflicts} conflict(s), ${totals.rejected} rejected`,
    ...conflictsAndBudget(totals, settings),
    `  files:   ${totals.filesFailed} failed, ${totals.filesSkipped} skipped (digest files), ${ignored} other file(s) ignored`,
  ];
  if (totals.alreadyDone > 0)
    lines.push(`  ${totals.alreadyDone} file(s) already done, skipped; --reprocess to read them again`);
  lines.push(findingsLine(totals));
  if (summary.interrupted) lines.push('  Run the same command again to go on: the files done are skipped.');
  return lines.join('\n');
}

function headline({ totals, store, seconds, interrupted }: IngestSummary): string {
  const where = `into the ${store} in ${seconds.toFixed(1)}s`;
  if (!interrupted) return `Ingested ${totals.files} file(s) ${where}`;
  return (
    `Interrupted: ingested ${totals.files} file(s) ${where}; ` +
    `${totals.interrupted} interrupted (not marked done: read again next time), ${totals.left} not started`
  );
}
