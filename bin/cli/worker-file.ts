import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread's file: the built one (`<name>.js` beside the module that starts it, in dist/), or
 * the source run through tsx when running from the sources (tests, `npm run bench`). A built thread
 * inherits the process's Node.js options as Node passes them on (`--cpu-prof` profiles it too); given
 * explicitly, the options Node allows only for a whole process (`--max-old-space-size`) would make
 * every thread fail to start.
 */
export function workerFile(dir: string, name: string): { file: string; options: WorkerOptions } {
  const built = join(dir, `${name}.js`);
  if (existsSync(built)) return { file: built, options: {} };
  return { file: join(dir, `${name}.ts`), options: { execArgv: ['--require', 'tsx/cjs'] } };
}
