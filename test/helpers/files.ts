import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every CloudTrail log file (`.json` or `.json.gz`) under a directory, recursively. */
export function logFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? logFilesUnder(join(dir, e.name))
      : /\.json(\.gz)?$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}
