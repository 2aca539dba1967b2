import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A worker thread's file: the built one (`<name>.js` beside the module that starts it, in dist/), or
 * the source run through tsx when running from the sources (tests, `npm run bench`). The thread gets
 * the process's Node.js options (`--cpu-prof` profiles it too).
 */
export function workerFile(dir: string, name: string): { file: string; execArgv: string[] } {
  const built = join(dir, `${name}.js`);
  if (existsSync(built)) return { file: built, execArgv: process.execArgv };
  return { file: join(dir, `${name}.ts`), execArgv: [...process.execArgv, '--require', 'tsx/cjs'] };
}
