import { GetObjectCommand, NoSuchKey, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { InputReadError, UsageError } from './core/errors';
import type { ObjectReader } from './core/notification';

/** `s3://bucket/key…` split into bucket and key. @throws UsageError */
export function parseS3Url(url: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url.trim());
  if (!m?.[1]) throw new UsageError(`expected s3://BUCKET[/PREFIX], got '${url}'`, url);
  return { bucket: m[1], key: m[2] ?? '' };
}

/**
 * An S3 client from the SDK's standard settings. With an endpoint override (AWS_ENDPOINT_URL_S3,
 * else AWS_ENDPOINT_URL) it uses path-style addressing, which S3-compatible servers expect.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env, config: S3ClientConfig = {}): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  return new S3Client({ ...(endpoint ? { endpoint, forcePathStyle: true } : {}), ...config });
}

/** Reads objects with GetObject, as streams. */
export class S3ObjectReader implements ObjectReader {
  constructor(private readonly client: S3Client = createS3Client()) {}

  /** @throws InputReadError naming the object (not found, access denied, …) */
  async read(bucket: string, key: string): Promise<AsyncIterable<Uint8Array>> {
    const url = `s3://${bucket}/${key}`;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new InputReadError('object has no body', url);
      return out.Body as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (error instanceof InputReadError) throw error;
      const notFound = error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey';
      throw new InputReadError(
        notFound ? 'object not found (deleted before it was read?)' : (error as Error).message,
        url,
        { cause: error },
      );
    }
  }
}
