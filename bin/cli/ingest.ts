import { createReadStream, type Dirent, promises as fs } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputReadError, type TrailwatchError } from '../../lambda/core/errors';
import { emptyStats, type FileStats, type IndexStore, processLogFile } from '../../lambda/core/pipeline';
import type { Settings } from '../../lambda/core/settings';

/** A local file to ingest: `display` is how the user named it, `path` is absolute. */
export interface LocalFile {
  readonly display: string;
  readonly path: string;
  readonly size: number;
}

export interface Discovery {
  readonly files: LocalFile[];
  /** Paths that could not be read at all (missing, permission denied). */
  readonly errors: TrailwatchError[];
  /** Files in directories that are not log files (other extensions, digest and insight folders). */
  readonly ignored: number;
}

const LOG_FILE = /\.json(\.gz)?$/i;
const SKIPPED_DIRS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);

/**
 * Expands the PATH arguments: files are taken as given (whatever their name: the content decides),
 * directories are walked recursively for `.json` and `.json.gz` files, in sorted order.
 */
export async function discoverFiles(paths: readonly string[], cwd = process.cwd()): Promise<Discovery> {
  const files: LocalFile[] = [];
  const errors: TrailwatchError[] = [];
  let ignored = 0;

  const walk = async (dir: string, display: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (error) {
      errors.push(readError(display, error));
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const shown = join(display, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) ignored++;
        else await walk(full, shown);
      } else if (entry.isFile() && LOG_FILE.test(entry.name)) {
        try {
          files.push({ display: shown, path: full, size: (await fs.stat(full)).size });
        } catch (error) {
          errors.push(readError(shown, error));
        }
      } else {
        ignored++;
      }
    }
  };

  for (const p of paths) {
    const abs = resolve(cwd, p);
    let stat: Awaited<ReturnType<typeof fs.stat>>;
    try {
      stat = await fs.stat(abs);
    } catch (error) {
      errors.push(readError(p, error));
      continue;
    }
    if (stat.isDirectory()) await walk(abs, p);
    else files.push({ display: p, path: abs, size: stat.size });
  }
  return { files: dedupeFiles(files), errors, ignored };
}

function dedupeFiles(files: LocalFile[]): LocalFile[] {
  const seen = new Set<string>();
  return files.filter((f) => !seen.has(f.path) && seen.add(f.path));
}

function readError(display: string, error: unknown): InputReadError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : ((error as Error).message ?? String(error));
  return new InputReadError(reason, display, { cause: error });
}

/** The source URL recorded in items for a local file. */
export function fileSource(path: string): string {
  return pathToFileURL(path).href;
}

export interface IngestOptions {
  readonly settings: Settings;
  readonly concurrency: number;
  readonly store: IndexStore;
  /** Called as each file finishes (progress, messages). */
  readonly onFile?: (file: LocalFile, stats: FileStats) => void;
}

/** Processes local files with bounded concurrency; duplicates across files are counted once. */
export async function ingestFiles(files: readonly LocalFile[], options: IngestOptions): Promise<FileStats[]> {
  const seen = new Map<string, string>();
  const results: FileStats[] = new Array(files.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      const file = files[i];
      if (file === undefined) return;
      const stats = await ingestOne(file, options, seen);
      results[i] = stats;
      options.onFile?.(file, stats);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, files.length)) }, worker));
  return results;
}

async function ingestOne(
  file: LocalFile,
  options: IngestOptions,
  seen: Map<string, string>,
): Promise<FileStats> {
  const stream = createReadStream(file.path, { highWaterMark: 1024 * 1024 });
  const opened = new Promise<void>((ok, fail) => {
    stream.once('open', () => ok());
    stream.once('error', fail);
  });
  try {
    await opened;
  } catch (error) {
    stream.destroy();
    const stats = emptyStats(fileSource(file.path));
    stats.status = 'failed';
    stats.error = readError(file.display, error);
    return stats;
  }
  const stats = await processLogFile(
    stream,
    { source: fileSource(file.path), settings: options.settings, seen },
    options.store,
  );
  stream.destroy();
  if (stats.error)
    // name the file as the user typed it rather than as a file:// URL
    stats.error =
      stats.error.source === stats.source
        ? stats.error.withSource(file.display, { replace: true })
        : stats.error;
  return stats;
}

/** Shortest readable name of a path for messages. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
