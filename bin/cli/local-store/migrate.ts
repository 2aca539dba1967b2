import { existsSync, linkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreUnavailableError } from '../../../lambda/core/errors';
import { LOCAL_TABLE_NAME } from '../../../lambda/core/table-schema';
import { encodeItem, type Row } from './codec';
import { ItemsDb } from './items-db';

/**
 * Stores of earlier versions: dynalite (the DynamoDB API on LevelDB) in `<dir>/dynamodb`. The first
 * open by this version copies its items into the SQLite file, says so on stderr (what, how many
 * items, where the old files stay) and leaves the old directory as it was. The copy is made in a
 * temporary file and linked into place only when complete, so an interrupted migration is simply
 * made again, and a process that opens the store meanwhile never sees half of it.
 */

/** The earlier version's directory in a store directory. */
export const DYNALITE_DIR = 'dynamodb';

/** dynalite's LevelDB keys of the table's items: `item-<table>~<hash prefix>/<pk>/<sk>/`. */
const ITEM_PREFIX = `item-${LOCAL_TABLE_NAME}~`;

const ROWS_PER_TRANSACTION = 5000;

interface LevelDb {
  open(): Promise<void>;
  close(): Promise<void>;
  iterator(options: { gte: string; lt: string }): AsyncIterable<[string, unknown]>;
}

/** The LevelDB class dynalite uses (its own dependency: the same version, the same file format). */
function levelOfDynalite(): new (path: string, options: { valueEncoding: 'json' }) => LevelDb {
  const from = dirname(require.resolve('dynalite'));
  return (require(require.resolve('level', { paths: [from] })) as { Level: never }).Level;
}

/** Migrates `<dir>/dynamodb` into `file` unless `file` exists. @throws StoreUnavailableError */
export async function migrateIfNeeded(dir: string, file: string, say: (line: string) => void): Promise<void> {
  const old = join(dir, DYNALITE_DIR);
  if (existsSync(file) || !existsSync(join(old, 'CURRENT'))) return;
  say(`trailwatch: migrating the local store of an earlier version (dynalite, ${old}) to ${file}`);
  const temporary = `${file}.migrating-${process.pid}`;
  const count = await copyItems(old, temporary, dir);
  try {
    // a link fails when the file exists: another process migrated first, and its copy is kept
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
      throw new StoreUnavailableError(
        `cannot move the migrated store into place: ${(error as Error).message}`,
        dir,
        {
          cause: error,
        },
      );
  } finally {
    removeFile(temporary);
  }
  say(
    `trailwatch: migrated ${count} item(s) to ${file}; the old files stay in ${old} (delete that directory once you no longer need it)`,
  );
}

/** Copies every item of the old table into a new SQLite file; the number of items. */
async function copyItems(old: string, temporary: string, dir: string): Promise<number> {
  removeFile(temporary);
  const Level = levelOfDynalite();
  const level = new Level(old, { valueEncoding: 'json' });
  try {
    await level.open();
  } catch (error) {
    throw new StoreUnavailableError(
      `cannot read the store of an earlier version in ${old} to migrate it (is that version's \`trailwatch serve\` running? stop it and run this again): ${(error as Error).message}`,
      dir,
      { cause: error },
    );
  }
  try {
    return await copyInto(level, temporary, dir);
  } catch (error) {
    removeFile(temporary);
    throw error instanceof StoreUnavailableError
      ? error
      : new StoreUnavailableError(`cannot migrate the store in ${old}: ${(error as Error).message}`, dir, {
          cause: error,
        });
  } finally {
    await level.close();
  }
}

async function copyInto(level: LevelDb, temporary: string, dir: string): Promise<number> {
  // loaded here, not with the module: opening a store that needs no migration loads no AWS SDK package
  const { unmarshall } = require('@aws-sdk/util-dynamodb') as typeof import('@aws-sdk/util-dynamodb');
  const db = ItemsDb.open(temporary, dir);
  let count = 0;
  try {
    let rows: Row[] = [];
    const flush = (): void => {
      db.beginWrite();
      db.write(rows);
      db.db.exec('COMMIT');
      count += rows.length;
      rows = [];
    };
    for await (const [, value] of level.iterator({
      gte: ITEM_PREFIX,
      lt: `item-${LOCAL_TABLE_NAME}\u007f`,
    })) {
      rows.push(encodeItem(unmarshall(value as never), dir));
      if (rows.length >= ROWS_PER_TRANSACTION) flush();
    }
    flush();
    return count;
  } finally {
    // the last connection's close checkpoints the WAL into the file and removes it
    db.close();
  }
}

/** An SQLite file and what may be beside it. */
function removeFile(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
}
