import {
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { InputReadError } from './core/errors';
import type { ObjectReader } from './core/notification';
import type { ListPage, ObjectLister } from './core/s3-layout';

export { parseS3Url } from './core/s3-key';

/**
 * An S3 client from the SDK's standard settings. With an endpoint override (AWS_ENDPOINT_URL_S3,
 * else AWS_ENDPOINT_URL) it uses path-style addressing, which S3-compatible servers expect. Without
 * a configured region it starts from us-east-1 and follows S3's redirects to the bucket's region.
 */
export function createS3Client(env: NodeJS.ProcessEnv = process.env, config: S3ClientConfig = {}): S3Client {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  return new S3Client({
    followRegionRedirects: true,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(region || config.profile ? {} : { region: 'us-east-1' }),
    ...config,
  });
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

/** Lists a bucket with ListObjectsV2, one page (up to 1,000 keys) per call. */
export class S3ObjectLister implements ObjectLister {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = createS3Client(),
  ) {}

  /** @throws InputReadError naming the bucket and prefix (no such bucket, access denied, …) */
  async list(prefix: string, options: { delimiter?: string; continuationToken?: string }): Promise<ListPage> {
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(options.continuationToken ? { ContinuationToken: options.continuationToken } : {}),
        }),
      );
      return {
        objects: (out.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, size: o.Size ?? 0 }] : [])),
        prefixes: (out.CommonPrefixes ?? []).flatMap((p) => (p.Prefix ? [p.Prefix] : [])),
        ...(out.IsTruncated && out.NextContinuationToken ? { next: out.NextContinuationToken } : {}),
      };
    } catch (error) {
      throw new InputReadError(
        `cannot list: ${(error as Error).name === 'NoSuchBucket' ? 'no such bucket' : (error as Error).message}`,
        `s3://${this.bucket}/${prefix}`,
        { cause: error },
      );
    }
  }
}
