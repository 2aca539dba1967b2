import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Batches } from '../../bin/cli/local-store/batch';
import { encodeItem } from '../../bin/cli/local-store/codec';
import { ItemsDb } from '../../bin/cli/local-store/items-db';
import { LOCK_ATTEMPT_MS, lockWaitingRunner } from '../../bin/cli/local-store/lock-wait';

/**
 * A writer waiting for another connection's write lock (bin/cli/local-store/lock-wait.ts): the
 * thread is not held meanwhile (timers, and Ctrl-C, run), batches keep their order, and a wait
 * that lasts too long fails the batch as busy.
 */

const row = (i: number) =>
  encodeItem({ pk: 'INSTANCE#i-1', sk: `2025-03-01T00:00:0${i}.000Z#e${i}`, kind: 'instance' }, 'test');

describe('the local store waiting for another writer', () => {
  let dir: string;
  let db: ItemsDb;
  let other: DatabaseSync;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-lock-wait-'));
    db = ItemsDb.open(join(dir, 'trailwatch.sqlite'), dir);
    other = new DatabaseSync(join(dir, 'trailwatch.sqlite'));
    other.exec('BEGIN IMMEDIATE');
  });
  afterEach(() => {
    if (other.isTransaction) other.exec('ROLLBACK');
    other.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits without holding the thread, then runs the batches in the order they came', async () => {
    const batches = new Batches(db, 60_000);
    let said = 0;
    const run = lockWaitingRunner(batches, () => said++);
    const first = run([{ kind: 'write', rows: [row(1)] }]);
    const second = run([{ kind: 'query', pk: 'INSTANCE#i-1', query: { newestFirst: false, now: 0 } }]);
    // the thread is free while the lock is held: timers fire, many times over
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await new Promise((r) => setTimeout(r, 8 * LOCK_ATTEMPT_MS));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(20);
    expect(said).toBe(1);
    other.exec('ROLLBACK');
    expect(await first).toEqual([{ ok: true, value: null }]);
    // the read came after the write: it sees it
    const [read] = await second;
    expect(read).toMatchObject({
      ok: true,
      value: [expect.objectContaining({ sk: '2025-03-01T00:00:01.000Z#e1' })],
    });
    batches.flush();
  });

  it('gives up after its wait: the batch fails as busy, and the store goes on once the lock is free', async () => {
    const batches = new Batches(db, 60_000);
    const run = lockWaitingRunner(batches, () => undefined, 300);
    expect(await run([{ kind: 'write', rows: [row(1)] }])).toEqual([
      { ok: false, error: { kind: 'write', message: 'database is locked', busy: true } },
    ]);
    other.exec('ROLLBACK');
    expect(await run([{ kind: 'write', rows: [row(2)] }])).toEqual([{ ok: true, value: null }]);
    batches.flush();
  });
});
