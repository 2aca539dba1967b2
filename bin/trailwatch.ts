#!/usr/bin/env node
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { constants, Script } from 'node:vm';

/**
 * The `trailwatch` command: runs the CLI (./cli/entry; in dist/ one file, the bundle made by
 * scripts/build-cli.mjs) from V8's compiled code of it, kept between runs (docs/performance.md
 * "Start-up"). Node's own compile cache keeps only what V8 compiles as a file loads; most functions
 * are compiled later, when first called, in every run. This cache is made at the end of a
 * successful run, so it holds every function that run used: one per command (the first word), for
 * this build of the bundle and this Node.js.
 *
 * It sits in the package's own directory, dist/.compile-cache: written and trusted like the code
 * beside it, never a directory other users can write to (a crafted cache is code run here). Where
 * the package is read-only, nothing is written. NODE_DISABLE_COMPILE_CACHE=1 (or
 * --enable-source-maps) turns it off. V8
 * refuses a cache made by another V8 or with other V8 flags (it is then made again); that it belongs
 * to this build of the bundle (V8 checks only the length of the source) is in its name.
 */

const entry = require.resolve('./cli/entry');
const CACHE_DIR = join(__dirname, '..', '.compile-cache', `${process.version}-${process.arch}`);

/** The cache's name: the command, and the bundle's size, time and inode (a new build, a new name). */
function cacheName(): { command: string; name: string } {
  const word = process.argv[2] ?? '';
  const command = /^[a-z][a-z-]{0,31}$/.test(word) ? word : '_';
  const { size, mtimeMs, ino } = statSync(entry);
  return { command, name: `${command}.${size}-${Math.trunc(mtimeMs)}-${ino}.v8cache` };
}

function runCached(): void {
  const { command, name } = cacheName();
  let cached: Buffer | undefined;
  try {
    cached = readFileSync(join(CACHE_DIR, name));
  } catch {
    // none yet: made at the end of this run
  }
  // the bundle is ASCII (scripts/build-cli.mjs checks it): read without decoding UTF-8
  const source = readFileSync(entry, 'latin1');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: entry,
    // `import()` in the bundle (of a package outside it) as in any module
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    ...(cached ? { cachedData: cached } : {}),
  });
  if (!cached || script.cachedDataRejected)
    process.once('exit', (code) => {
      if (code === 0) save(script, command, name);
    });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(entry), module, entry, dirname(entry));
}

/** Writes the cache whole or not at all (another run may be reading it), and drops older ones. */
function save(script: Script, command: string, name: string): void {
  const file = join(CACHE_DIR, name);
  const temporary = `${file}.${process.pid}`;
  try {
    mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
    renameSync(temporary, file);
    for (const old of readdirSync(CACHE_DIR))
      if (old.startsWith(`${command}.`) && old !== name) rmSync(join(CACHE_DIR, old), { force: true });
  } catch {
    // a read-only package, a full disk: the next run compiles as this one did
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing was written
    }
  }
}

/**
 * V8 grows the old generation of a heap by a factor it picks from the collector's speed and the
 * allocation rate, so a long run that allocates fast reserves far more than it holds: the 1 GB
 * ingest's main heap reached 139 MB holding 45 to 90 MB. For the commands that write a store in
 * bulk, at most twice what is live (`--heap-growing-percent=100`, for every thread of the process):
 * the 1 GB ingest's peak 237-265 MB against 288-309 MB, in the same time (9.2-10.0 s against
 * 9.0-10.1 s, alternated five times; docs/performance.md "Memory: V8's heap growth"). Not for the
 * others, whose heaps stay small: a query started 2 ms slower with it. Set before the CLI's code is
 * compiled, so that V8's cache of it (which records V8's flags) matches from run to run; a value
 * given to node is kept.
 */
const BULK_COMMANDS = new Set(['ingest', 'backfill']);

function growHeapsAtMostTwofold(command: string | undefined): void {
  if (command === undefined || !BULK_COMMANDS.has(command)) return;
  if (process.execArgv.some((arg) => /^--heap[-_]growing[-_]percent\b/.test(arg))) return;
  setFlagsFromString('--heap-growing-percent=100');
}

growHeapsAtMostTwofold(process.argv[2]);
// loaded as any module: the sources (run through tsx), and with --enable-source-maps (stack traces in
// the TypeScript sources; Node maps those of modules, not of a vm.Script)
if (process.env.NODE_DISABLE_COMPILE_CACHE === '1' || entry.endsWith('.ts') || process.sourceMapsEnabled)
  require(entry);
else runCached();
