import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { ListPage, ObjectLister } from '../../lambda/core/s3-layout';
import type { EventStore } from '../../lambda/store/event-store';
import { type BucketLayout, layOut, recordsUnder } from './bucket-layout';
import { CORPUS, corpusPresent, FIXTURES } from './corpus';
import { type LocalDynamo, startDynalite, storeAt } from './dynalite';
import { type LocalS3, startS3rver } from './s3rver';
import type { Item } from './table-dump';

export const SINGLE = 'single-bucket';
export const ORGB = 'org-bucket';
export const RESUME = 'resume-bucket';
export const haveMoto = spawnSync('moto_server', ['--help'], { encoding: 'utf8' }).status === 0;

/** A lister that counts, around the real one. */
export function counting(
  lister: ObjectLister,
): ObjectLister & { calls: { prefix: string; delimiter?: string }[]; objects: string[] } {
  const calls: { prefix: string; delimiter?: string }[] = [];
  const objects: string[] = [];
  return {
    calls,
    objects,
    list: async (prefix, options): Promise<ListPage> => {
      calls.push({ prefix, ...(options.delimiter ? { delimiter: options.delimiter } : {}) });
      const page = await lister.list(prefix, options);
      objects.push(...page.objects.map((o) => o.key));
      return page;
    },
  };
}

export function eventIdsOf(table: Map<string, Item>): Set<string> {
  return new Set(
    [...table.values()].filter((i) => i.kind === 'event').map((i) => String(i.pk).slice('EVENT#'.length)),
  );
}

/** s3rver holding the single-account and organization layouts (and an empty bucket to resume in), and dynalite. */
export interface BackfillWorld {
  readonly s3: LocalS3;
  readonly dynamo: LocalDynamo;
  readonly single: BucketLayout;
  readonly org: BucketLayout;
  /** A store on a fresh table. */
  newStore(): Promise<EventStore>;
  /** Stops both servers and restores the environment. */
  close(): Promise<void>;
}

export async function startBackfillWorld(): Promise<BackfillWorld> {
  const saved = { ...process.env };
  let tables = 0;
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });
  const records = [
    ...(await recordsUnder(join(FIXTURES, 'cloudtrail'))),
    ...(corpusPresent ? await recordsUnder(CORPUS) : []),
  ];
  const single = layOut(records, { folderMarkers: true });
  const org = layOut(records, { organization: true, prefix: 'trails/', folderMarkers: true });
  const s3 = await startS3rver([SINGLE, ORGB, RESUME]);
  const dynamo = await startDynalite();
  process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
  for (const [bucket, layout] of [
    [SINGLE, single],
    [ORGB, org],
  ] as const) {
    for (const f of layout.files) await s3.put(bucket, f.key, f.body);
    for (const [key, body] of layout.others) await s3.put(bucket, key, body);
  }
  return {
    s3,
    dynamo,
    single,
    org,
    newStore: async () => storeAt(dynamo.endpoint, { tableName: `backfill-${++tables}` }),
    close: async () => {
      process.env = saved;
      await s3.close();
      await dynamo.close();
    },
  };
}
