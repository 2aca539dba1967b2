import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Batches, COMMIT_EVERY_MS } from '../../bin/cli/local-store/batch';
import { ItemsDb } from '../../bin/cli/local-store/items-db';
import { openLocalStore, STORE_FILE } from '../../bin/cli/local-store/open';
import { BULK_CACHE_KIB, openDatabase, PAGE_SIZE } from '../../bin/cli/local-store/sqlite';
import { EVENT_SK, keys, type TableItem } from '../../lambda/core/items';
import { writeDeliveryFile } from '../bench/generate';
import { builtCliPresent, type CliResult, spawnCli } from '../helpers/cli';
import { FIXTURES } from '../helpers/corpus';
import { credentiallessEnv } from '../helpers/env';
import { makeDynaliteStore } from '../helpers/old-store';
import { readStoreFile } from '../helpers/store-file';

/**
 * The CLI's embedded store on SQLite (bin/cli/local-store): several processes on one store (a query
 * while an ingest writes, two ingests at once), a store made by the previous version (dynalite on
 * LevelDB) migrated on first open, and files that are not a store, all through the built binary.
 */

const INSTANCE = 'i-fdb357cb7e99ad973';
const env = credentiallessEnv();
const NOW_S = Math.floor(Date.now() / 1000);

/** No stack trace and no Node warning reached the user. */
function expectCleanStderr(r: CliResult): void {
  expect(r.err).not.toMatch(/\n\s+at |ExperimentalWarning|unexpected error/);
}

(builtCliPresent ? describe : describe.skip)('the local store, several processes at once', () => {
  let dir: string;
  let big: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-local-store-'));
    big = join(dir, 'big');
    mkdirSync(big);
    // enough for an ingest that lasts a few seconds
    for (let i = 0; i < 3; i++)
      await writeDeliveryFile(
        join(big, `123456789012_CloudTrail_us-east-1_2025030${i}T0000Z_t.json.gz`),
        8 << 20,
        7 + i,
      );
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a query in another process while an ingest writes, without waiting for it', async () => {
    const db = join(dir, 'db-reader');
    // exit code 1: the fixtures hold records that are rejected on purpose
    expect((await spawnCli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', db], { env })).code).toBe(1);
    const ingest = spawnCli(['ingest', big, '--db', db, '--json'], { env });
    await untilWriting(db);
    const query = await spawnCli(['query', 'instance', INSTANCE, '--db', db, '--json'], { env });
    const stillIngesting = !(await settledWithin(ingest, 0));
    expect(query.code).toBe(0);
    expect(query.json()).toEqual([expect.objectContaining({ eventName: 'SendSSHPublicKey' })]);
    expectCleanStderr(query);
    expect(stillIngesting).toBe(true);
    const done = await ingest;
    expect(done.code).toBe(0);
    expectCleanStderr(done);
  }, 120_000);

  it('lets a second writer wait for the first: two ingests at once both finish, and index everything', async () => {
    const db = join(dir, 'db-writers');
    const alone = join(dir, 'db-alone');
    const [a, b] = await Promise.all([
      spawnCli(['ingest', big, '--db', db, '--json'], { env }),
      spawnCli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', db, '--json'], { env }),
    ]);
    const fixturesAlone = await spawnCli(['ingest', join(FIXTURES, 'cloudtrail'), '--db', alone, '--json'], {
      env,
    });
    expect(a.code).toBe(0);
    expect(b.code).toBe(fixturesAlone.code);
    for (const r of [a, b]) expectCleanStderr(r);
    const { seconds: _s, store: _t, ...counts } = b.json()[0] as Record<string, unknown>;
    const { seconds: _s2, store: _t2, ...countsAlone } = fixturesAlone.json()[0] as Record<string, unknown>;
    expect(counts).toEqual(countsAlone);
    const both = await spawnCli(['query', 'instance', INSTANCE, '--db', db, '--json'], { env });
    const one = await spawnCli(['query', 'instance', INSTANCE, '--db', alone, '--json'], { env });
    expect(both.json()).toEqual(one.json());
  }, 120_000);
});

/** Resolves once the ingest has started writing to the store (its WAL file exists). */
async function untilWriting(db: string): Promise<void> {
  for (let i = 0; i < 400 && !existsSync(join(db, `${STORE_FILE}-wal`)); i++)
    await new Promise((r) => setTimeout(r, 25));
}

async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

(builtCliPresent ? describe : describe.skip)('a store of the previous version (dynalite on LevelDB)', () => {
  let dir: string;
  const eventID = 'migrated-event-1';
  const pk = `INSTANCE#${INSTANCE}`;
  const old: TableItem[] = [
    {
      pk,
      sk: `2024-08-01T13:24:47.000Z#${eventID}`,
      kind: 'instance',
      eventID,
      eventName: 'SendSSHPublicKey',
      eventSource: 'ec2-instance-connect.amazonaws.com',
      readOnly: false,
      instanceIds: [INSTANCE],
      ssh: { osUser: 'ec2-user', keyBits: 4096 },
      findings: new Set(['ssh-key-multi-instance', 'ssh-root-os-user']),
      expiresAt: NOW_S + 86_400,
    },
    {
      pk,
      sk: '2024-07-01T00:00:00.000Z#expired',
      kind: 'instance',
      eventID: 'expired',
      expiresAt: NOW_S - 60,
    },
    { pk: keys.event(eventID), sk: EVENT_SK, kind: 'event', eventID, recordHash: 'abc', instanceCount: 1 },
  ];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-migrate-'));
    await makeDynaliteStore(dir, old);
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is migrated on first open, saying what, how many items and where the old files stay; then used', async () => {
    const r = await spawnCli(['query', 'instance', INSTANCE, '--db', dir, '--json'], { env });
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      `migrating the local store of an earlier version (dynalite, ${join(dir, 'dynamodb')})`,
    );
    expect(r.err).toContain(
      `migrated 3 item(s) to ${join(dir, STORE_FILE)}; the old files stay in ${join(dir, 'dynamodb')}`,
    );
    expectCleanStderr(r);
    // the expired item is migrated but, past its TTL, not returned
    expect(r.json()).toEqual([
      expect.objectContaining({ eventID, findings: ['ssh-key-multi-instance', 'ssh-root-os-user'] }),
    ]);
    expect(existsSync(join(dir, 'dynamodb', 'CURRENT'))).toBe(true);

    const again = await spawnCli(['query', 'instance', INSTANCE, '--db', dir, '--json'], { env });
    expect(again.err).not.toContain('migrat');
    expect(again.json()).toEqual(r.json());
  });

  it('keeps every item exactly: string sets, numbers, maps, TTLs (expired items too, as stored)', async () => {
    const opened = await openLocalStore(dir);
    try {
      const { items } = await opened.store.query(pk, { nowMs: 0 });
      expect(items).toEqual([old[0], old[1]]);
      expect(items[0]?.findings).toBeInstanceOf(Set);
      expect(await opened.store.getEvent(eventID)).toEqual(old[2]);
    } finally {
      await opened.close();
    }
  });
});

describe("the store file's pages", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-pages-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const pragma = (db: DatabaseSync, name: string): number =>
    Number((db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]);

  it('a new file has pages of PAGE_SIZE, and its writer checkpoints every 64 MB of WAL', () => {
    const { db } = openDatabase(join(dir, 'new.sqlite'), dir);
    try {
      expect(pragma(db, 'page_size')).toBe(PAGE_SIZE);
      expect(pragma(db, 'wal_autocheckpoint') * PAGE_SIZE).toBe(64 * 1024 * 1024);
    } finally {
      db.close();
    }
  });

  it('a bulk writer (commits grouped) has a page cache of BULK_CACHE_KIB; a connection that commits each batch keeps 16 MB', () => {
    const file = join(dir, 'cache.sqlite');
    const bulk = ItemsDb.open(file, dir);
    const each = ItemsDb.open(file, dir);
    try {
      new Batches(bulk, COMMIT_EVERY_MS);
      new Batches(each, 0);
      expect(pragma(bulk.db, 'cache_size')).toBe(-BULK_CACHE_KIB);
      expect(BULK_CACHE_KIB).toBeGreaterThan(16 * 1024);
      expect(pragma(each.db, 'cache_size')).toBe(-16 * 1024);
    } finally {
      bulk.close();
      each.close();
    }
  });

  it('a file made with 4 KB pages keeps them, is written and read, and checkpoints every 64 MB of WAL too', async () => {
    const old = join(dir, 'old');
    mkdirSync(old);
    const made = new DatabaseSync(join(old, STORE_FILE));
    made.exec('PRAGMA page_size = 4096');
    made.exec('PRAGMA journal_mode = WAL');
    made.close();
    const { db } = openDatabase(join(old, STORE_FILE), old);
    try {
      expect(pragma(db, 'page_size')).toBe(4096);
      expect(pragma(db, 'wal_autocheckpoint')).toBe(16_384);
    } finally {
      db.close();
    }
    const item = {
      pk: `INSTANCE#${INSTANCE}`,
      sk: '2024-08-01T13:24:47.000Z#p-1',
      kind: 'instance',
    } as TableItem;
    const opened = await openLocalStore(old);
    try {
      await opened.store.write([item]);
      expect((await opened.store.query(item.pk, { nowMs: 0 })).items).toEqual([item]);
    } finally {
      await opened.close();
    }
    expect(readStoreFile(old, (file) => pragma(file, 'page_size'))).toBe(4096);
  });
});

(builtCliPresent ? describe : describe.skip)('files that are not a store this version can use', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-bad-store-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file that is not SQLite: a message naming the directory, exit code 1, no stack trace', async () => {
    const db = join(dir, 'garbage');
    mkdirSync(db);
    writeFileSync(
      join(db, STORE_FILE),
      'this is not a database, but long enough to have a header '.repeat(20),
    );
    const r = await spawnCli(['query', 'instance', INSTANCE, '--db', db], { env });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`trailwatch: ${db}: not a trailwatch store (not an SQLite database)`);
    expectCleanStderr(r);
  });

  it('a store written by a newer version: says to upgrade', async () => {
    const db = join(dir, 'newer');
    await (await openLocalStore(db)).close();
    const sqlite = new DatabaseSync(join(db, STORE_FILE));
    sqlite.prepare("UPDATE meta SET value = '99' WHERE key = 'format'").run();
    sqlite.close();
    const r = await spawnCli(['query', 'instance', INSTANCE, '--db', db], { env });
    expect(r.code).toBe(1);
    expect(r.err).toContain('the local store was written by a newer trailwatch (format 99');
    expectCleanStderr(r);
  });
});

(builtCliPresent ? describe : describe.skip)('node:sqlite warning', () => {
  it("hides node:sqlite's ExperimentalWarning only: other warnings still print", async () => {
    const script = [
      `require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'bin', 'cli', 'local-store', 'sqlite.js'))}).loadSqlite();`,
      "process.emitWarning('another experiment', 'ExperimentalWarning');",
    ].join('\n');
    const child: ChildProcess = spawn(process.execPath, ['-e', script], { env });
    let err = '';
    child.stderr?.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    await new Promise((r) => child.on('close', r));
    expect(err).toContain('ExperimentalWarning: another experiment');
    expect(err).not.toMatch(/SQLite/);
  });

  it('the CLI prints none', async () => {
    const db = mkdtempSync(join(tmpdir(), 'trailwatch-warning-'));
    try {
      const r = await spawnCli(['query', 'instance', INSTANCE, '--db', db], { env });
      expect(r.code).toBe(0);
      expect(r.err).not.toMatch(/Warning/);
    } finally {
      rmSync(db, { recursive: true, force: true });
    }
  });
});
