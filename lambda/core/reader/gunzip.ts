import { pipeline } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { DecompressionError } from '../errors';

/**
 * A log file's bytes as decompressed chunks: gzip-compressed or not, detected from the first bytes
 * (not the name). Gunzip runs as a zlib stream, on the libuv thread pool, ahead of the consumer.
 */

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface DecompressedFile {
  readonly gzip: boolean;
  readonly chunks: AsyncIterable<Buffer>;
}

/** Decompressed bytes held ready ahead of the consumer, unless told otherwise. */
export const DEFAULT_READ_AHEAD = 8 * 1024 * 1024;
/** Size of gunzip's output chunks (the read-ahead is at least one). */
const GUNZIP_CHUNK = 1024 * 1024;

/**
 * Reads the first bytes of `input` to tell gzip from text; undefined when the input is empty.
 * `readAhead`: decompressed bytes gunzip may hold ready ahead of the consumer.
 */
export async function decompressed(
  input: AsyncIterable<Uint8Array>,
  readAhead = DEFAULT_READ_AHEAD,
): Promise<DecompressedFile | undefined> {
  const source = input[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array>;
  do first = await source.next();
  while (!first.done && first.value.length === 0);
  if (first.done) return undefined;
  const gzip = first.value.length >= 2 && first.value[0] === GZIP_MAGIC_0 && first.value[1] === GZIP_MAGIC_1;
  const chunks = buffers(first.value, source);
  return { gzip, chunks: gzip ? gunzip(chunks, readAhead) : chunks };
}

/**
 * `rest` with `first` put back in front, as Buffers (views, not copies). When the consumer stops
 * early, `rest` is closed (`return()`), so a stream behind it is not left open.
 */
async function* buffers(first: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Buffer> {
  let head: Uint8Array | undefined = first;
  const iterator: AsyncIterator<Uint8Array> = {
    next: () => {
      if (head === undefined) return rest.next();
      const value = head;
      head = undefined;
      return Promise.resolve({ value, done: false });
    },
    return: async () => (await rest.return?.()) ?? { value: undefined, done: true },
  };
  for await (const value of { [Symbol.asyncIterator]: () => iterator })
    yield Buffer.from(value.buffer, value.byteOffset, value.length);
}

function describeZlibError(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message))
    return 'gzip data is truncated (unexpected end of file)';
  return `gzip data is corrupt (${message})`;
}

/**
 * Gunzips with backpressure (`stream.pipeline`): input is pulled only as fast as decompressed output
 * is consumed. An error of the input is thrown as it is; one of the gzip data as DecompressionError.
 */
async function* gunzip(input: AsyncIterable<Buffer>, readAhead: number): AsyncGenerator<Buffer> {
  // a deep read-ahead lets gunzip run on the libuv thread pool while this thread scans what it already has
  const stream = createGunzip({
    chunkSize: GUNZIP_CHUNK,
    readableHighWaterMark: Math.max(GUNZIP_CHUNK, readAhead),
  } as ZlibOptions);
  let inputError: unknown;
  const source = async function* (): AsyncGenerator<Buffer> {
    try {
      yield* input;
    } catch (error) {
      inputError = error;
      throw error;
    }
  };
  // settles once the input is read (or closed) and gunzip has taken it all (or was destroyed)
  const settled = new Promise<void>((resolve) => {
    pipeline(source(), stream, () => resolve());
  });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (error) {
    if (inputError !== undefined) throw inputError;
    throw new DecompressionError(describeZlibError(error), undefined, { cause: error });
  } finally {
    stream.destroy();
    await settled;
  }
  if (inputError !== undefined) throw inputError;
}
