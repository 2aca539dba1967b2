/**
 * Reading on other threads (bin/cli/reader-threads): the main thread gets, for every file, what
 * reading on the main thread gives (the same batches, the same errors as their classes, the same
 * scan summary); a thread never runs far ahead of a consumer that waits; a file dropped part-way
 * leaves the thread free for the next; a thread that dies fails its files, not the run.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ReaderThreads } from '../../bin/cli/reader-threads/threads';
import { InputReadError, ThreadFailedError, type TrailwatchError } from '../../lambda/core/errors';
import {
  type ClassifiedBatch,
  type ClassifyRequest,
  classifyInProcess,
  type RecordClassifier,
} from '../../lambda/core/record-classifier';
import type { ScanSummary } from '../../lambda/core/record-stream';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { deliveryText } from '../bench/generate';
import { FIXTURES } from '../helpers/corpus';
import { chunks, ec2Call, logFile } from '../helpers/records';

jest.setTimeout(60_000);

function request(source: string): ClassifyRequest {
  return { settings: DEFAULT_SETTINGS, source, expiresAt: 1_900_000_000, preselect: true };
}

function emptyScan(): ScanSummary {
  return { digest: false, bytes: 0, gzip: false, passed: 0 };
}

const MB = 1024 * 1024;

/** A generated delivery file's text. */
function generated(bytes: number, seed: number): Buffer {
  return deliveryText(bytes, seed).text;
}

/** Everything a classifier makes of a file: its batches, its error, its summary. */
async function outcome(
  classifier: RecordClassifier,
  bytes: Buffer,
  source: string,
): Promise<{ batches: ClassifiedBatch[]; error?: { class: string; message: string }; scan: ScanSummary }> {
  const scan = emptyScan();
  const batches: ClassifiedBatch[] = [];
  try {
    for await (const batch of classifier.classify(chunks(bytes, 256 * 1024), request(source), scan))
      batches.push(batch);
    return { batches, scan };
  } catch (error) {
    const e = error as Error;
    return { batches, error: { class: e.constructor.name, message: e.message }, scan };
  }
}

/** Every file under a directory. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

describe('reading on another thread', () => {
  let threads: ReaderThreads;
  beforeEach(() => {
    threads = new ReaderThreads(1);
  });
  afterEach(() => threads.close());

  it('gives, file by file, what reading on the main thread gives: batches, errors, summary', async () => {
    const broken = logFile([ec2Call('StopInstances'), ec2Call('StartInstances')]);
    const cases: [string, Buffer][] = [
      ...filesUnder(join(FIXTURES, 'cloudtrail')).map((f): [string, Buffer] => [
        relative(FIXTURES, f),
        readFileSync(f),
      ]),
      ['generated, 2 MB', gzipSync(generated(2 * MB, 7))],
      ['gzip cut short', broken.subarray(0, broken.length - 9)],
      ['not CloudTrail', Buffer.from('{"hello": "world"}')],
      ['a broken array', Buffer.from('{"Records": [{"eventSource": "ec2.amazonaws.com"} {"x": 1}]}')],
      ['empty', Buffer.alloc(0)],
    ];
    expect(cases.length).toBeGreaterThan(20);
    let errors = 0;
    for (const [name, bytes] of cases) {
      const here = await outcome({ classify: classifyInProcess }, bytes, name);
      const there = await outcome(threads, bytes, name);
      expect({ name, ...there }).toEqual({ name, ...here });
      if (here.error) errors++;
    }
    // the error cases were errors, of their own classes
    expect(errors).toBeGreaterThanOrEqual(4);
  });

  it('throws the input error itself when reading the file fails part-way', async () => {
    const failure = new InputReadError('connection reset', 's3://b/k');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* chunks(gzipSync(generated(MB, 3)), 64 * 1024);
      throw failure;
    }
    const scan = emptyScan();
    const read = async (): Promise<void> => {
      for await (const _ of threads.classify(failing(), request('s3://b/k'), scan));
    };
    await expect(read()).rejects.toBe(failure);
  });

  it('reads a few chunks ahead of a consumer that waits, no more, and goes on when asked', async () => {
    const text = generated(8 * MB, 11); // about 2,000 chunks of 4 KB
    let pulled = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const piece of chunks(text, 4096)) {
        pulled++;
        yield piece;
      }
    }
    const scan = emptyScan();
    const batches = threads.classify(counted(), { ...request('x'), readAheadBytes: 64 * 1024 }, scan);
    const iterator = batches[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // the thread's own read-ahead and its credits, a small part of the file
    expect(pulled).toBeLessThan(200);
    let more = 1;
    while (!(await iterator.next()).done) more++;
    expect(pulled).toBe(Math.ceil(text.length / 4096));
    expect(more).toBeGreaterThan(10);
    expect(scan.bytes).toBe(text.length);
  });

  it('reads one file at a time: the next starts once the thread has read the last', async () => {
    const first = gzipSync(generated(8 * MB, 21));
    const second = gzipSync(generated(MB, 22));
    const a = threads.classify(chunks(first, 64 * 1024), request('a'), emptyScan())[Symbol.asyncIterator]();
    const bScan = emptyScan();
    const b = threads.classify(chunks(second, 64 * 1024), request('b'), bScan)[Symbol.asyncIterator]();
    await a.next();
    const bFirst = b.next();
    let bStarted = false;
    void bFirst.then(() => {
      bStarted = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    // the first file is not read to its end (its consumer waits): the second has not started
    expect(bStarted).toBe(false);
    expect(bScan.bytes).toBe(0);
    while (!(await a.next()).done);
    expect((await bFirst).done).toBe(false);
    while (!(await b.next()).done);
    expect(bScan.bytes).toBe(gunzipSync(second).length);
  });

  it('drops a file the consumer stops reading, and reads the next one in full', async () => {
    const file = gzipSync(generated(4 * MB, 5));
    for await (const _ of threads.classify(chunks(file, 64 * 1024), request('first'), emptyScan())) break;
    const next = await outcome(threads, file, 'second');
    const here = await outcome({ classify: classifyInProcess }, file, 'second');
    expect(next).toEqual(here);
  });

  it('fails the files of a thread that dies with ThreadFailedError naming them; the next file gets a new thread', async () => {
    const file = gzipSync(generated(4 * MB, 9));
    const scan = emptyScan();
    const iterator = threads
      .classify(chunks(file, 64 * 1024), request('s3://b/dying'), scan)
      [Symbol.asyncIterator]();
    await iterator.next();
    // the thread is killed as a crash would end it
    await (
      threads as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }
    ).threads[0]?.worker.terminate();
    const error = await (async () => {
      try {
        while (!(await iterator.next()).done);
      } catch (e) {
        return e as TrailwatchError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ThreadFailedError);
    expect(error?.source).toBe('s3://b/dying');
    expect(error?.message).toMatch(/reader thread ended/);
    const next = await outcome(threads, file, 'after');
    expect(next.error).toBeUndefined();
    expect(next.batches.length).toBeGreaterThan(0);
  });
});
