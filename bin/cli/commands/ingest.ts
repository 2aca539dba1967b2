import type { Settings } from '../../../lambda/core/settings';
import type { CliCommand } from '../command';
import { EXIT, type Io } from '../io';
import { addStoreOptions, concurrencyOption, type StoreFlags, withBulkStore } from '../options';
import { clean, jsonLine } from '../output';
import { Progress } from '../progress';
import { addSettingsOptions, type SettingsFlags, settingsFromFlags } from '../settings-options';
import { conflictsAndBudget, fileMessages, findingsLine, inputFailed, type Totals } from '../summary';

/**
 * Files ingested at once unless `--concurrency` says otherwise. Two keep one file being read while
 * another waits for its last writes or its rules; more add memory (each file has its buffers and
 * pending writes) and, on two cores, no speed (docs/performance.md, P7).
 */
export const DEFAULT_INGEST_CONCURRENCY = 2;

/** `trailwatch ingest <paths...>`: local log files and directories into the store. */
export const ingestCommand: CliCommand = {
  name: 'ingest',
  description: 'index CloudTrail log files (.json.gz, .json) and directories of them (recursively)',
  register(command, { io, run }) {
    addStoreOptions(
      addSettingsOptions(
        command
          .argument('<paths...>', 'files or directories')
          .option('--json', 'print the summary as one JSON line')
          .option('--concurrency <n>', `files processed at once (default ${DEFAULT_INGEST_CONCURRENCY})`),
      ),
    ).action((paths: string[], flags: IngestFlags) => run(() => runIngest(paths, flags, io)));
  },
};

interface IngestFlags extends StoreFlags, SettingsFlags {
  json?: boolean;
  concurrency?: string;
}

async function runIngest(paths: string[], flags: IngestFlags, io: Io): Promise<number> {
  // the pipeline loads when an ingest runs, not with the CLI (other commands)
  const { discoverFiles, ingestFiles } = await import('../ingest');
  const settings = settingsFromFlags(flags, io.env);
  const concurrency = concurrencyOption(flags.concurrency, DEFAULT_INGEST_CONCURRENCY);
  const discovery = await discoverFiles(paths, io.cwd);
  for (const e of discovery.errors) io.err(`trailwatch: ${clean(e.describe())}`);

  // the writes of many files: the store may run on its own thread (TRAILWATCH_STORE_THREAD)
  return withBulkStore(flags, io, async (opened) => {
    if (flags.createTable && !opened.local) await opened.store.createTableIfMissing();
    const showBar = io.interactive && !flags.json && discovery.files.length > 1;
    const progress = new Progress(
      io,
      showBar
        ? {
            format:
              'ingest [{bar}] {value}/{total} files | {records} records | {indexed} events | ETA {eta_formatted}',
            total: discovery.files.length,
            payload: { records: 0, indexed: 0 },
            etaBuffer: 50,
          }
        : undefined,
    );
    let done = 0;
    let records = 0;
    let indexed = 0;
    const started = io.now();
    const totals = await progress.around(() =>
      ingestFiles(discovery.files, {
        settings,
        concurrency,
        store: opened.store,
        onFile: (file, stats) => {
          records += stats.records;
          indexed += stats.indexed;
          progress.update(++done, { records, indexed });
          progress.report(fileMessages(file.display, stats));
        },
      }),
    );

    // paths that could not be read at all are failed files too
    totals.files += discovery.errors.length;
    totals.filesFailed += discovery.errors.length;
    const summary = {
      totals,
      ignored: discovery.ignored,
      store: opened.description,
      seconds: (io.now() - started) / 1000,
    };
    io.out(flags.json ? jsonSummary(summary) : textSummary(summary, settings));
    return inputFailed(totals) ? EXIT.inputFailed : EXIT.ok;
  });
}

interface IngestSummary {
  readonly totals: Totals;
  /** Files found that are not log files. */
  readonly ignored: number;
  readonly store: string;
  readonly seconds: number;
}

function jsonSummary({ totals, ignored, store, seconds }: IngestSummary): string {
  return jsonLine({ ...totals, ignoredFiles: ignored, store, seconds: Number(seconds.toFixed(3)) });
}

function textSummary({ totals, ignored, store, seconds }: IngestSummary, settings: Settings): string {
  return [
    `Ingested ${totals.files} file(s) into the ${store} in ${seconds.toFixed(1)}s`,
    `  records: ${totals.records} read, ${totals.indexed} events indexed (${totals.items} items), ` +
      `${totals.skipped} skipped (other services, read-only calls), ${totals.duplicates} duplicate(s), ` +
      `${totals.conflicts} conflict(s), ${totals.rejected} rejected`,
    ...conflictsAndBudget(totals, settings),
    `  files:   ${totals.filesFailed} failed, ${totals.filesSkipped} skipped (digest files), ${ignored} other file(s) ignored`,
    findingsLine(totals),
  ].join('\n');
}
