import { expiresAtFor, type TableItem } from './items';
import type { FileStats } from './pipeline';
import type { Settings } from './settings';
import { TABLE_SCHEMA } from './table-schema';

/**
 * A marker per log file fully processed, so that a backfill run after an interruption (or after the
 * deployed function already took the new files) skips what is done and loses nothing: a file is
 * marked only once every one of its items is stored.
 *
 * | item        | pk                           | sk          |
 * | ----------- | ---------------------------- | ----------- |
 * | file marker | `FILES#<bucket>/<folder>/`   | `<file name>` |
 *
 * One partition per delivery folder (a day of one account and region): one Query tells which of
 * its files are done.
 */

export const FILES_PREFIX = 'FILES#';

/** The partition of the markers of the files in the folder of `key`. */
export function fileFolderPartition(bucket: string, key: string): string {
  return `${FILES_PREFIX}${bucket}/${key.slice(0, key.lastIndexOf('/') + 1)}`;
}

function fileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export function fileMarkerItem(
  object: { readonly bucket: string; readonly key: string; readonly size?: number },
  stats: FileStats,
  settings: Settings,
  nowMs: number,
): TableItem {
  // kept as long as the items it vouches for (their TTL counts from the same write time)
  const expiresAt = expiresAtFor(nowMs, settings.retentionDays);
  return {
    pk: fileFolderPartition(object.bucket, object.key),
    sk: fileName(object.key),
    kind: 'file',
    ...(object.size !== undefined ? { size: object.size } : {}),
    records: stats.records,
    indexed: stats.indexed,
    includeReadOnly: settings.includeReadOnly,
    processedAt: new Date(nowMs).toISOString(),
    ...(expiresAt !== undefined ? { [TABLE_SCHEMA.timeToLiveAttribute]: expiresAt } : {}),
  };
}

/** Names of the files of a folder partition that are done for `settings`, with their sizes. */
export function doneFiles(
  items: readonly Record<string, unknown>[],
  settings: Settings,
): Map<string, number | undefined> {
  const done = new Map<string, number | undefined>();
  for (const item of items) {
    if (item.kind !== 'file' || typeof item[TABLE_SCHEMA.sortKey] !== 'string') continue;
    // a file indexed without read-only calls is not done for a run that wants them
    if (settings.includeReadOnly && item.includeReadOnly !== true) continue;
    done.set(item[TABLE_SCHEMA.sortKey] as string, typeof item.size === 'number' ? item.size : undefined);
  }
  return done;
}

/** Whether a listed object is done by the markers of its folder (same size, when both are known). */
export function isDone(done: ReadonlyMap<string, number | undefined>, key: string, size: number): boolean {
  const name = fileName(key);
  if (!done.has(name)) return false;
  const marked = done.get(name);
  return marked === undefined || marked === size;
}
