import { GetObjectCommand, NoSuchKey, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { InputReadError, UsageError } from '../../lambda/core/errors';

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

/** The body of `s3://bucket/key` as a stream of chunks. @throws InputReadError naming the object */
export async function readS3Object(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
  client = createS3Client(env),
): Promise<AsyncIterable<Uint8Array>> {
  const { bucket, key } = parseS3Url(url);
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) throw new InputReadError('object has no body', url);
    return out.Body as AsyncIterable<Uint8Array>;
  } catch (error) {
    if (error instanceof InputReadError) throw error;
    const reason =
      error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey'
        ? 'object not found (deleted?)'
        : (error as Error).message;
    throw new InputReadError(reason, url, { cause: error });
  }
}
