import { dirname } from 'node:path';

/**
 * Works around an iterator leak in dynalite 4.0.0 (the latest release; docs/performance.md "The
 * embedded store's iterator leak").
 *
 * dynalite's stream wrappers (node_modules/dynalite/db/index.js, `createKeyStream` and
 * `createValueStream` of `wrapWithCallbacks`) read an abstract-level 3 iterator and, when the stream
 * ends or is destroyed (end of data, a `Limit` reached, an error), close it with
 * `if (iterator.return) iterator.return()`. abstract-level 3 iterators have `close()`, not
 * `return()`: no iterator is ever closed. Every `Query` leaves its iterator open (a value iterator
 * and the LevelDB iterator under it); on LevelDB each one pins a version of the database, so compacted files are never deleted (the store grows
 * many times over and memory with it), and in memory each one pins a snapshot of the data.
 *
 * The fix gives the iterator classes of the abstract-level that dynalite's stores are built on a
 * `return()` that closes the iterator (the async-iterator protocol's meaning of `return`). It is
 * applied in the process, before dynalite starts: no edit of node_modules, so `npm ci` needs no
 * install script. Remove this file and its callers once dynalite closes iterators itself (check
 * `grep -n 'iterator\.' node_modules/dynalite/db/index.js` of a new release); until then the
 * integration test test/integration/dynalite-iterators.test.ts fails if iterators stay open.
 */

interface IteratorClass {
  readonly prototype: { return?: unknown; close(): Promise<void> };
}

interface AbstractLevelModule {
  readonly AbstractIterator: IteratorClass;
  readonly AbstractKeyIterator: IteratorClass;
  readonly AbstractValueIterator: IteratorClass;
}

/** The chains of packages from dynalite to abstract-level: LevelDB (`level`) and memory stores. */
const CHAINS = [
  ['level', 'classic-level', 'abstract-level'],
  ['memory-level', 'abstract-level'],
] as const;

/**
 * The files of the abstract-level copies dynalite's stores use, resolved from dynalite's own
 * location (the same copies it loads, whatever the hoisting), without duplicates.
 */
export function abstractLevelsOfDynalite(): string[] {
  const found = new Set<string>();
  for (const chain of CHAINS) {
    let from = dirname(require.resolve('dynalite'));
    let file = '';
    for (const name of chain) {
      file = require.resolve(name, { paths: [from] });
      from = dirname(file);
    }
    found.add(file);
  }
  return [...found];
}

/** Closes the iterator and ends the iteration; calling it again waits for the same close. */
async function closeOnReturn(this: {
  close(): Promise<void>;
}): Promise<IteratorReturnResult<undefined>> {
  await this.close();
  return { done: true, value: undefined };
}

let applied = false;

/** Gives dynalite's iterators a `return()` that closes them (once per process; see above). */
export function fixDynaliteIterators(): void {
  if (applied) return;
  for (const file of abstractLevelsOfDynalite()) {
    const level = require(file) as AbstractLevelModule;
    for (const cls of [level.AbstractIterator, level.AbstractKeyIterator, level.AbstractValueIterator]) {
      // a release that has its own return() keeps it
      if (typeof cls.prototype.return === 'function') continue;
      Object.defineProperty(cls.prototype, 'return', {
        value: closeOnReturn,
        writable: true,
        configurable: true,
      });
    }
  }
  applied = true;
}
