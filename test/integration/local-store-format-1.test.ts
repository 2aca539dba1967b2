import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { encodeItem, wholeJson } from '../../bin/cli/local-store/codec';
import { openLocalStore, STORE_FILE } from '../../bin/cli/local-store/open';
import { EVENT_SK, keys, type TableItem } from '../../lambda/core/items';
import { builtCliPresent, spawnCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { credentiallessEnv } from '../helpers/env';
import { readStoreFile } from '../helpers/store-file';

/**
 * A local store file of format 1, as the previous version wrote it (one `items` table of whole
 * items): read as it is, migrated in place (in one transaction) by its first write.
 */

const INSTANCE = 'i-fdb357cb7e99ad973';
const NOW_S = Math.floor(Date.now() / 1000);
const env = credentiallessEnv();

/** Format 1's schema, as the previous version made it (bin/cli/local-store/sqlite.ts before format 2). */
const FORMAT_1 = [
  'PRAGMA journal_mode = WAL',
  'CREATE TABLE items (pk TEXT NOT NULL, sk TEXT NOT NULL, item TEXT NOT NULL, sets TEXT, expires INTEGER)',
  'CREATE UNIQUE INDEX items_key ON items (pk, sk)',
  'CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
  "INSERT INTO meta (key, value) VALUES ('format', '1')",
];

const summary = {
  eventSource: 'ec2-instance-connect.amazonaws.com',
  eventName: 'SendSSHPublicKey',
  awsRegion: 'us-east-1',
  userAgent:
    'aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0 exe/x86_64.ubuntu.22 prompt/off command/ec2-instance-connect',
  ssh: { osUser: 'ec2-user', keyBits: 4096 },
  findings: new Set(['ssh-root-os-user']),
  expiresAt: NOW_S + 86_400,
};
const OLD: TableItem[] = [
  { pk: `INSTANCE#${INSTANCE}`, sk: '2024-08-01T13:24:47.000Z#old-1', kind: 'instance', ...summary },
  { pk: 'USER#name:alice', sk: '2024-08-01T13:24:47.000Z#old-1', kind: 'user', ...summary },
  { pk: keys.event('old-1'), sk: EVENT_SK, kind: 'event', eventID: 'old-1', recordHash: 'abc' },
] as TableItem[];

/** A store directory with a format-1 file holding `items`, each row as format 1 wrote it. */
function format1Store(dir: string, items: readonly TableItem[]): void {
  mkdirSync(dir, { recursive: true });
  const db = new DatabaseSync(join(dir, STORE_FILE));
  for (const statement of FORMAT_1) db.exec(statement);
  const insert = db.prepare('INSERT INTO items (pk, sk, item, sets, expires) VALUES (?, ?, ?, ?, ?)');
  for (const item of items) {
    const row = encodeItem(item, dir);
    insert.run(row.pk, row.sk, wholeJson(row), row.sets, row.expires);
  }
  db.close();
}

function schemaOf(dir: string): { format: string; items: string } {
  return readStoreFile(dir, (db) => {
    const format = (db.prepare("SELECT value FROM meta WHERE key = 'format'").get() as { value: string })
      .value;
    const items = (
      db.prepare("SELECT type FROM sqlite_master WHERE name = 'items'").get() as { type: string }
    ).type;
    return { format, items };
  });
}

describe('a local store file of format 1', () => {
  let root: string;
  let n = 0;
  const fresh = (): string => {
    const dir = join(root, `db${++n}`);
    format1Store(dir, OLD);
    return dir;
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trailwatch-format-1-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is read as it is by a store that only reads: nothing migrated, nothing said', async () => {
    const dir = fresh();
    const said: string[] = [];
    const opened = await openLocalStore(dir, { say: (line) => said.push(line) });
    try {
      expect((await opened.store.query(`INSTANCE#${INSTANCE}`, { nowMs: 0 })).items).toEqual([OLD[0]]);
      expect(await opened.store.getEvent('old-1')).toEqual(OLD[2]);
    } finally {
      await opened.close();
    }
    expect(said).toEqual([]);
    expect(schemaOf(dir)).toEqual({ format: '1', items: 'table' });
  });

  it('is migrated in place by its first write, saying so once; its items are unchanged, new ones shared', async () => {
    const dir = fresh();
    const said: string[] = [];
    const open = () => openLocalStore(dir, { say: (line) => said.push(line) });
    let opened = await open();
    const added = [
      { ...OLD[0], sk: '2024-08-02T00:00:00.000Z#new-1' },
      { ...OLD[1], sk: '2024-08-02T00:00:00.000Z#new-1' },
    ] as TableItem[];
    try {
      await opened.store.write(added);
      await opened.store.addToStringSet(OLD[1]?.pk as string, OLD[1]?.sk as string, 'findings', ['another']);
    } finally {
      await opened.close();
    }
    expect(said).toEqual([
      `trailwatch: ${dir}: migrated the local store of an earlier version (format 1) to format 2, in place; the items it holds are unchanged`,
    ]);
    expect(schemaOf(dir)).toEqual({ format: '2', items: 'view' });
    opened = await open();
    try {
      await opened.store.write([{ ...(added[0] as TableItem), eventName: 'again' }]);
      const { items } = await opened.store.query(`INSTANCE#${INSTANCE}`, { nowMs: 0, newestFirst: false });
      expect(items).toEqual([OLD[0], { ...added[0], eventName: 'again' }]);
      expect((await opened.store.query('USER#name:alice', { nowMs: 0, newestFirst: false })).items).toEqual([
        { ...OLD[1], findings: new Set(['ssh-root-os-user', 'another']) },
        added[1],
      ]);
      expect(await opened.store.getEvent('old-1')).toEqual(OLD[2]);
    } finally {
      await opened.close();
    }
    expect(said).toHaveLength(1);
    // the items written after the migration share their body; those before stay whole
    expect(
      readStoreFile(dir, (db) =>
        db.prepare('SELECT count(*) AS n FROM entries WHERE body IS NOT NULL').get(),
      ),
    ).toEqual({ n: 1 });
  });

  it('a migration that fails changes nothing: the file stays of format 1, and the write says why', async () => {
    const dir = fresh();
    const db = new DatabaseSync(join(dir, STORE_FILE));
    // in the way of the migration's last statements (a table format 2 makes)
    db.exec('CREATE TABLE bodies (x)');
    db.close();
    const opened = await openLocalStore(dir, { say: () => undefined });
    try {
      await expect(opened.store.write([{ ...(OLD[0] as TableItem), sk: 'x' }])).rejects.toThrow(
        /cannot migrate the local store of an earlier version \(format 1\) to format 2; it is left as it was: .*bodies already exists/,
      );
      expect((await opened.store.query(`INSTANCE#${INSTANCE}`, { nowMs: 0 })).items).toEqual([OLD[0]]);
    } finally {
      await opened.close().catch(() => undefined);
    }
    expect(schemaOf(dir)).toEqual({ format: '1', items: 'table' });
  });

  (builtCliPresent ? it : it.skip)(
    'through the CLI: `query` reads it as it is, `ingest` migrates it with one line on stderr',
    async () => {
      const dir = fresh();
      const query = async () => spawnCli(['query', 'instance', INSTANCE, '--db', dir, '--json'], { env });
      const before = await query();
      expect(before.code).toBe(0);
      expect(before.err).toBe('');
      expect(before.json()).toEqual([expect.objectContaining({ eventName: 'SendSSHPublicKey' })]);
      expect(schemaOf(dir).format).toBe('1');

      const ingest = await spawnCli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', dir], { env });
      expect(ingest.err.split('\n').filter((l) => l.includes('format 1'))).toEqual([
        `trailwatch: ${dir}: migrated the local store of an earlier version (format 1) to format 2, in place; the items it holds are unchanged`,
      ]);
      expect(schemaOf(dir).format).toBe('2');
      const after = await query();
      expect(after.code).toBe(0);
      expect(after.err).toBe('');
      // the fixtures' event of the instance, and the one of format 1
      expect(after.json()).toHaveLength(2);
    },
    120_000,
  );
});
