import { type Dirent, promises as fs, type Stats } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { InputReadError, type TrailwatchError } from '../../lambda/core/errors';

/**
 * The files an `ingest` names: log files (`.json`, `.json.gz`) given by name or found in the
 * directories given, each once (links followed, a directory's digest and insight folders passed
 * over), and what was passed over, for the warnings. Read by ./ingest.ts.
 */

/** A local file to ingest: `display` is how the user named it, `path` is absolute. */
export interface LocalFile {
  readonly display: string;
  readonly path: string;
  readonly size: number;
  /** Modification time (ms): with the path and the size, what its marker knows it by. */
  readonly mtimeMs: number;
}

export interface Discovery {
  readonly files: LocalFile[];
  /** Paths that could not be read at all (missing, permission denied). */
  readonly errors: TrailwatchError[];
  /** Files in directories that are not log files (other extensions, digest and insight folders). */
  readonly ignored: number;
  /** Each directory named, with what was found below it (for the warnings of `discoveryWarnings`). */
  readonly directories: readonly DirectoryFound[];
}

/** A directory named on the command line: its log files, and the other files passed over. */
export interface DirectoryFound {
  /** As the user named it. */
  readonly display: string;
  logFiles: number;
  /** Files not named `.json` or `.json.gz` (digest and Insights folders not counted). */
  otherFiles: number;
  /** The first of them (a name the user can give to ingest it). */
  example?: string;
}

const LOG_FILE = /\.json(\.gz)?$/i;
/** Names of files that may well be logs under another name (named in the warning first). */
const LOG_LIKE = /json|\.gz$|\.log$|\.txt$/i;
const SKIPPED_DIRS = new Set(['CloudTrail-Digest', 'CloudTrail-Insight']);

/**
 * Expands the PATH arguments: files are taken as given (whatever their name: the content decides),
 * directories are walked recursively for `.json` and `.json.gz` files, in sorted order. Symbolic
 * links below them are followed (a tree of links to the logs is read as the logs): a directory is
 * walked once however many links lead to it (a link to one of its own parents is no loop), a file read
 * once; a broken link named as a log file is an error naming it.
 */
export async function discoverFiles(paths: readonly string[], cwd = process.cwd()): Promise<Discovery> {
  const files: LocalFile[] = [];
  const errors: TrailwatchError[] = [];
  const directories: DirectoryFound[] = [];
  let ignored = 0;
  // directories walked and files taken, by device and inode
  const seen = new Set<string>();
  const firstTime = (stat: { dev: number; ino: number }): boolean => {
    const id = `${stat.dev}:${stat.ino}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  };

  const passOver = (name: string, shown: string, found: DirectoryFound): void => {
    ignored++;
    found.otherFiles++;
    // the example: rather a file that looks like a log (x.ndjson) than a README
    if (found.example === undefined || (LOG_LIKE.test(name) && !LOG_LIKE.test(basename(found.example))))
      found.example = shown;
  };

  const walk = async (dir: string, display: string, found: DirectoryFound): Promise<void> => {
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
      const isLink = entry.isSymbolicLink();
      if (!isLink && !entry.isDirectory() && !(entry.isFile() && LOG_FILE.test(entry.name))) {
        passOver(entry.name, shown, found);
        continue;
      }
      let stat: Stats;
      try {
        // a link's target; a directory's own identity, so that a link to it does not walk it again
        stat = await fs.stat(full);
      } catch (error) {
        if (!isLink || LOG_FILE.test(entry.name)) errors.push(readError(shown, error));
        else passOver(entry.name, shown, found);
        continue;
      }
      if (stat.isDirectory()) {
        if (SKIPPED_DIRS.has(entry.name)) ignored++;
        else if (firstTime(stat)) await walk(full, shown, found);
      } else if (stat.isFile() && LOG_FILE.test(entry.name)) {
        if (firstTime(stat)) {
          files.push(localFile(shown, full, stat));
          found.logFiles++;
        }
      } else passOver(entry.name, shown, found);
    }
  };

  for (const p of paths) {
    const abs = resolve(cwd, p);
    let stat: Stats;
    try {
      stat = await fs.stat(abs);
    } catch (error) {
      errors.push(readError(p, error));
      continue;
    }
    // a directory or file named twice (or reached already through a link) is read once
    if (!firstTime(stat)) continue;
    if (stat.isDirectory()) {
      const found: DirectoryFound = { display: p, logFiles: 0, otherFiles: 0 };
      directories.push(found);
      await walk(abs, p, found);
    } else files.push(localFile(p, abs, stat));
  }
  return { files, errors, ignored, directories };
}

function localFile(display: string, path: string, stat: { size: number; mtimeMs: number }): LocalFile {
  return { display, path, size: stat.size, mtimeMs: stat.mtimeMs };
}

/**
 * Warnings on what the directories named held: none of the log files looked for (an empty
 * directory, a wrong one), or other files passed over (`.ndjson`, `.jsonl`, `.log`: named one by
 * one, they are read, whatever their name).
 */
export function discoveryWarnings(discovery: Discovery): string[] {
  const lines: string[] = [];
  for (const d of discovery.directories) {
    if (d.logFiles === 0)
      lines.push(`trailwatch: warning: ${d.display}: no log files (.json, .json.gz) in this directory`);
    if (d.otherFiles > 0)
      lines.push(
        `trailwatch: warning: ${d.display}: ignored: ${d.otherFiles} file(s) not named .json or .json.gz, e.g. ${d.example}; name a file to ingest it`,
      );
  }
  return lines;
}

export function readError(display: string, error: unknown): InputReadError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES'
        ? 'permission denied'
        : ((error as Error).message ?? String(error));
  return new InputReadError(reason, display, { cause: error });
}

/** Shortest readable name of a path for messages. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}
