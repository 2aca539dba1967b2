import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DecompressionError } from '../../lambda/core/errors';
import { decompressed } from '../../lambda/core/reader/gunzip';
import { readLogRecordBatches } from '../../lambda/core/reader/index';
import { ec2Call, logFile } from '../helpers/records';

/** An input of `size`-byte chunks that counts what was pulled and whether it was closed. */
function trackedInput(data: Buffer, size: number) {
  const state = { pulled: 0, closed: false, total: Math.ceil(data.length / size) };
  async function* generate(): AsyncGenerator<Buffer> {
    try {
      for (let i = 0; i < data.length; i += size) {
        await new Promise((resolve) => setImmediate(resolve));
        state.pulled++;
        yield data.subarray(i, i + size);
      }
    } finally {
      state.closed = true;
    }
  }
  return { input: generate(), state };
}

/** Resolves with the promise's outcome, or rejects if it takes longer than `ms`. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const manyRecords = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    ec2Call('StopInstances', { requestParameters: { n: i, pad: 'x'.repeat(100) } }),
  );

describe('reader: decompression', () => {
  it.each([
    ['gzip', true],
    ['plain', false],
  ])('stops reading and closes the input when the consumer stops early (%s)', async (_name, gzip) => {
    const { input, state } = trackedInput(logFile(manyRecords(20_000), gzip), 16 * 1024);
    const first = await within(
      10_000,
      (async () => {
        for await (const batch of readLogRecordBatches(input)) return batch;
        return undefined;
      })(),
    );
    expect(first?.length).toBeGreaterThan(0);
    expect(state.closed).toBe(true);
    expect(state.pulled).toBeLessThan(state.total);
  });

  it('pulls compressed input only as fast as the decompressed output is consumed', async () => {
    // random text barely compresses: 16 MB of it is far more than gunzip's read-ahead
    const text = Buffer.from(randomBytes(12 * 1024 * 1024).toString('base64'));
    const { input, state } = trackedInput(gzipSync(text, { level: 1 }), 64 * 1024);
    const file = await decompressed(input);
    if (file === undefined) throw new Error('the input is not empty');
    const chunks = file.chunks[Symbol.asyncIterator]();
    await chunks.next();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(state.pulled).toBeLessThan(state.total * 0.75);
    await chunks.return?.();
    expect(state.closed).toBe(true);
  });

  it('tells gzip from text by the content, and an empty input from both', async () => {
    const text = logFile([ec2Call('StopInstances')], false);
    expect((await decompressed(trackedInput(text, 7).input))?.gzip).toBe(false);
    expect((await decompressed(trackedInput(gzipSync(text), 7).input))?.gzip).toBe(true);
    expect(await decompressed(trackedInput(Buffer.alloc(0), 7).input)).toBeUndefined();
  });

  it('rethrows an error of the input itself as it is, not as a gzip error', async () => {
    const failure = new Error('connection reset by peer');
    const gz = logFile(manyRecords(2_000));
    async function* failing(): AsyncGenerator<Buffer> {
      yield gz.subarray(0, 4096);
      throw failure;
    }
    let caught: unknown;
    try {
      for await (const _ of readLogRecordBatches(failing())) {
        // read on
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(failure);
  });

  it('reports damaged gzip data as DecompressionError saying it is corrupt', async () => {
    const gz = Buffer.from(logFile([ec2Call('StopInstances')]));
    gz[2] = 7; // compression method: only 8 (deflate) exists
    const reading = (async () => {
      for await (const _ of readLogRecordBatches(trackedInput(gz, 1024).input)) {
        // read on
      }
    })();
    await expect(reading).rejects.toThrow(DecompressionError);
    await expect(reading).rejects.toThrow(/gzip data is corrupt/);
  });
});
