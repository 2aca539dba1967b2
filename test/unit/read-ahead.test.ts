/**
 * Reading the next file ahead (bin/cli/reader-threads/read-ahead.ts): turns come in file order, at
 * most `concurrency` held at once, whatever order files ask in; a file read ahead starts reading at
 * once but hands nothing on before its turn, whether it has records, none, or fails.
 */
import { FileTurns, NotActedOnError, readAhead } from '../../bin/cli/reader-threads/read-ahead';
import { OutOfTimeError } from '../../lambda/core/errors';
import type { ClassifiedBatch, ClassifyRequest, RecordClassifier } from '../../lambda/core/record-classifier';
import type { ScanSummary } from '../../lambda/core/record-stream';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';

const request: ClassifyRequest = { settings: DEFAULT_SETTINGS, source: 'f', expiresAt: 1, preselect: true };

function emptyScan(): ScanSummary {
  return { digest: false, bytes: 0, gzip: false, passed: 0 };
}

async function* noInput(): AsyncGenerator<Uint8Array> {}

/** Lets every pending callback run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A classifier that records when it is started and yields `batches` then throws `error`, if any. */
function scripted(batches: number, error?: Error): { classifier: RecordClassifier; started: () => boolean } {
  let started = false;
  return {
    started: () => started,
    classifier: {
      async *classify(): AsyncGenerator<ClassifiedBatch> {
        started = true;
        for (let i = 0; i < batches; i++) yield { indexes: [i], results: [{ kind: 'skip' }] };
        if (error) throw error;
      },
    },
  };
}

describe('file turns', () => {
  it('gives turns in file order, one at a time with concurrency 1, whatever order they are asked in', async () => {
    const turns = new FileTurns(1);
    const order: number[] = [];
    const [t0, t1, t2] = [turns.turn(0), turns.turn(1), turns.turn(2)];
    const taken = [t2, t1, t0].map((t, i) => t.take().then(() => order.push(2 - i)));
    await settle();
    expect(order).toEqual([0]);
    t1.release(); // not taken yet: nothing happens
    t0.release();
    await settle();
    expect(order).toEqual([0, 1]);
    t1.release();
    await Promise.all(taken);
    expect(order).toEqual([0, 1, 2]);
  });

  it('holds at most concurrency turns at once', async () => {
    const turns = new FileTurns(2);
    const held: number[] = [];
    const all = [0, 1, 2, 3].map((i) => turns.turn(i));
    for (const [i, t] of all.entries()) void t.take().then(() => held.push(i));
    await settle();
    expect(held).toEqual([0, 1]);
    all[1]?.release();
    await settle();
    expect(held).toEqual([0, 1, 2]);
  });

  it('takes a turn once however often it is asked for', async () => {
    const turns = new FileTurns(1);
    const t0 = turns.turn(0);
    await t0.take();
    await t0.take();
    t0.release();
    t0.release();
    const t1 = turns.turn(1);
    const t2 = turns.turn(2);
    let second = false;
    void t2.take().then(() => {
      second = true;
    });
    await t1.take();
    await settle();
    // one release of t0 only: t2 waits for t1
    expect(second).toBe(false);
  });
});

describe('reading ahead', () => {
  it('starts reading at once and hands nothing on before the turn', async () => {
    const turns = new FileTurns(1);
    const first = turns.turn(0);
    await first.take();
    const inner = scripted(3);
    const got: ClassifiedBatch[] = [];
    const reading = (async () => {
      for await (const batch of readAhead(inner.classifier, turns.turn(1)).classify(
        noInput(),
        request,
        emptyScan(),
      ))
        got.push(batch);
    })();
    await settle();
    expect(inner.started()).toBe(true);
    expect(got).toEqual([]);
    first.release();
    await reading;
    expect(got.map((b) => b.indexes[0])).toEqual([0, 1, 2]);
  });

  it('throws the file failure only in its turn, after the batches before it', async () => {
    const turns = new FileTurns(1);
    const first = turns.turn(0);
    await first.take();
    const inner = scripted(1, new Error('not gzip'));
    const got: number[] = [];
    let failed: unknown;
    const reading = (async () => {
      for await (const batch of readAhead(inner.classifier, turns.turn(1)).classify(
        noInput(),
        request,
        emptyScan(),
      ))
        got.push(batch.indexes[0] as number);
    })().catch((error: unknown) => {
      failed = error;
    });
    await settle();
    expect(failed).toBeUndefined();
    first.release();
    await reading;
    expect(got).toEqual([0]);
    expect((failed as Error).message).toBe('not gzip');
  });

  it('hands nothing on, and stops reading, when the run no longer acts once its turn comes', async () => {
    const turns = new FileTurns(1);
    let closed = false;
    const inner: RecordClassifier = {
      async *classify(): AsyncGenerator<ClassifiedBatch> {
        try {
          for (let i = 0; ; i++) yield { indexes: [i], results: [{ kind: 'skip' }] };
        } finally {
          closed = true;
        }
      },
    };
    const got: ClassifiedBatch[] = [];
    const reading = (async () => {
      for await (const batch of readAhead(inner, turns.turn(0), () => false).classify(
        noInput(),
        request,
        emptyScan(),
      ))
        got.push(batch);
    })();
    await expect(reading).rejects.toBeInstanceOf(NotActedOnError);
    await expect(reading).rejects.toBeInstanceOf(OutOfTimeError);
    expect(got).toEqual([]);
    expect(closed).toBe(true);
  });

  it('waits for its turn when a file has no records', async () => {
    const turns = new FileTurns(1);
    const first = turns.turn(0);
    await first.take();
    let ended = false;
    const reading = (async () => {
      for await (const _ of readAhead(scripted(0).classifier, turns.turn(1)).classify(
        noInput(),
        request,
        emptyScan(),
      ));
      ended = true;
    })();
    await settle();
    expect(ended).toBe(false);
    first.release();
    await reading;
    expect(ended).toBe(true);
  });
});

/**
 * A classifier like a reader thread: one file at a time, in the order files ask, and a file keeps
 * the thread until its batches are taken (it is suspended at its first batch until then).
 */
function oneAtATime(batches: number): { classifier: RecordClassifier; order: string[] } {
  const order: string[] = [];
  let tail: Promise<void> = Promise.resolve();
  return {
    order,
    classifier: {
      async *classify(_input, request): AsyncGenerator<ClassifiedBatch> {
        const before = tail;
        let free = (): void => undefined;
        tail = new Promise<void>((resolve) => {
          free = resolve;
        });
        await before;
        order.push(request.source);
        try {
          for (let i = 0; i < batches; i++) yield { indexes: [i], results: [{ kind: 'skip' }] };
        } finally {
          free();
        }
      },
    },
  };
}

describe('reading ahead on a thread that reads one file at a time', () => {
  it('begins files in file order even when a later file asks first, so no file waits for ever', async () => {
    const turns = new FileTurns(1);
    const thread = oneAtATime(3);
    const got: string[] = [];
    const run = async (index: number): Promise<void> => {
      const turn = turns.turn(index);
      try {
        for await (const batch of readAhead(thread.classifier, turn).classify(
          noInput(),
          { ...request, source: `f${index}` },
          emptyScan(),
        ))
          got.push(`f${index}:${batch.indexes[0]}`);
      } finally {
        await turn.take();
        turn.release();
      }
    };
    // file 1 (its file opened first) asks for the thread before file 0
    const second = run(1);
    await settle();
    const first = run(0);
    const both = Promise.all([first, second]);
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise((resolve) => {
      timer = setTimeout(() => resolve('stuck'), 2000);
    });
    const outcome = await Promise.race([both.then(() => 'done'), stuck]);
    clearTimeout(timer);
    expect(outcome).toBe('done');
    expect(thread.order).toEqual(['f0', 'f1']);
    expect(got).toEqual(['f0:0', 'f0:1', 'f0:2', 'f1:0', 'f1:1', 'f1:2']);
  });

  it('lets a file ask to begin reading more than once, and begins it once', async () => {
    const turns = new FileTurns(1);
    const [t0, t1] = [turns.turn(0), turns.turn(1)];
    const begun: string[] = [];
    void t1.mayRead().then(() => begun.push('first ask'));
    void t1.mayRead().then(() => begun.push('second ask'));
    await settle();
    expect(begun).toEqual([]);
    // taking file 0's turn (twice: idempotent) means it begins no more reading
    void t0.take();
    void t0.take();
    await settle();
    expect(begun).toEqual(['first ask', 'second ask']);
  });

  it('lets the next file begin once a file takes its turn without reading', async () => {
    const turns = new FileTurns(1);
    const thread = oneAtATime(1);
    const skipped = turns.turn(0);
    let ended = false;
    const next = (async () => {
      for await (const _ of readAhead(thread.classifier, turns.turn(1)).classify(
        noInput(),
        { ...request, source: 'f1' },
        emptyScan(),
      ));
      ended = true;
    })();
    await settle();
    expect(thread.order).toEqual([]);
    // file 0 was done already (or could not be opened): it never reads, and takes its turn
    const taken = skipped.take();
    await settle();
    expect(thread.order).toEqual(['f1']);
    await taken;
    skipped.release();
    await next;
    expect(ended).toBe(true);
  });
});
