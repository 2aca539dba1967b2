import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batches } from '../../bin/cli/local-store/batch';
import { encodeItem } from '../../bin/cli/local-store/codec';
import { ItemsDb } from '../../bin/cli/local-store/items-db';

/**
 * The local store when SQLite itself fails (here: the file may not grow, as on a full disk). Commits
 * are grouped (bin/cli/local-store/batch.ts), so writes already answered can be lost with the
 * transaction: that is never silent, every later call and the close say so.
 */

const row = (i: number, size = 100): ReturnType<typeof encodeItem> =>
  encodeItem(
    { pk: `INSTANCE#i-${i}`, sk: `2025-03-01T00:00:00.000Z#e${i}`, kind: 'instance', pad: 'x'.repeat(size) },
    'test',
  );

describe('the local store when the database fails', () => {
  let dir: string;
  let db: ItemsDb;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-store-failure-'));
    db = ItemsDb.open(join(dir, 'trailwatch.sqlite'), dir);
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails the batch, then every later call and the close, naming the writes lost', () => {
    const batches = new Batches(db, 60_000);
    expect(batches.run([{ kind: 'write', rows: [row(1)] }])).toEqual([{ ok: true, value: null }]);
    // the file may not grow past what it has: the next big write fails inside the open transaction
    const pages = (db.db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    db.db.exec(`PRAGMA max_page_count = ${pages + 1}`);
    const [failed] = batches.run([
      { kind: 'write', rows: Array.from({ length: 50 }, (_, i) => row(i + 2, 4000)) },
    ]);
    expect(failed).toMatchObject({
      ok: false,
      error: { kind: 'write', message: expect.stringMatching(/full/) },
    });

    const [later] = batches.run([{ kind: 'insert', row: row(99) }]);
    expect(later).toMatchObject({
      ok: false,
      error: {
        message: expect.stringContaining('writes of the last 60000 ms could not be committed and are lost'),
      },
    });
    expect(() => batches.flush()).toThrow(/could not be committed and are lost/);
    // nothing of the failed transaction is in the file
    expect(db.read('INSTANCE#i-1', '2025-03-01T00:00:00.000Z#e1')).toBeUndefined();
  });

  it('a batch that fails before any write was answered fails alone: the store goes on', () => {
    const batches = new Batches(db, 60_000);
    const pages = (db.db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    db.db.exec(`PRAGMA max_page_count = ${pages + 1}`);
    const [failed] = batches.run([
      { kind: 'write', rows: Array.from({ length: 50 }, (_, i) => row(i, 4000)) },
    ]);
    expect(failed?.ok).toBe(false);
    db.db.exec('PRAGMA max_page_count = 1073741823');
    expect(batches.run([{ kind: 'write', rows: [row(1)] }])).toEqual([{ ok: true, value: null }]);
    batches.flush();
    expect(db.read('INSTANCE#i-1', '2025-03-01T00:00:00.000Z#e1')).toBeDefined();
  });

  it('an addition to an attribute that is not a string set fails alone, the others of the batch go on', () => {
    const batches = new Batches(db, 60_000);
    const item = {
      pk: 'KEY#a',
      sk: '2025-03-01T00:00:00.000Z#e1',
      kind: 'key' as const,
      findings: ['a list'],
    };
    const outcomes = batches.run([
      { kind: 'write', rows: [encodeItem(item, dir)] },
      { kind: 'addToSets', additions: [{ pk: item.pk, sk: item.sk, attribute: 'findings', values: ['r'] }] },
      { kind: 'insert', row: row(5) },
    ]);
    expect(outcomes[1]).toMatchObject({
      ok: false,
      error: { kind: 'write', message: expect.stringContaining('not a string set') },
    });
    expect(outcomes[2]).toEqual({ ok: true, value: true });
    batches.flush();
  });
});
