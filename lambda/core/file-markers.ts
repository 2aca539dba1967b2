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
  return {
    pk: fileFolderPartition(object.bucket, object.key),
    sk: fileName(object.key),
    ...markerAttributes(object.size, stats, settings, nowMs),
  };
}

/** What a marker says of its file, whatever kind of file it is. */
function markerAttributes(
  size: number | undefined,
  stats: FileStats,
  settings: Settings,
  nowMs: number,
): Omit<TableItem, 'pk' | 'sk'> & { readonly kind: 'file' } {
  // kept as long as the items it vouches for (their TTL counts from the same write time)
  const expiresAt = expiresAtFor(nowMs, settings.retentionDays);
  return {
    kind: 'file',
    ...(size !== undefined ? { size } : {}),
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

/**
 * Markers of local files (`trailwatch ingest`), so that an ingest interrupted or run again skips the
 * files it finished. A local file is known by its absolute path, its size and its modification
 * time: no byte of it is read to decide (a content digest would read every file, done or not, and a
 * digest of some bytes only could take two different files for one and skip one unread). A file
 * rewritten in place gets a new time or size and is read again; a file copied or moved elsewhere, or
 * touched, is read again too (harmless: the same records give the same items).
 *
 * | item             | pk                               | sk            |
 * | ---------------- | -------------------------------- | ------------- |
 * | local file marker | `FILES#file:///<directory>/`    | `<file name>` |
 *
 * (`file://` cannot be an S3 bucket name, so these never meet a bucket's markers.)
 */

/** A local file as its marker knows it: its `file://` URL (as in items' `source`), size and time. */
export interface LocalFileIdentity {
  /** `file:///abs/dir/name.json.gz` */
  readonly url: string;
  readonly size: number;
  /** Modification time, in milliseconds (whole: file systems differ in what they keep below). */
  readonly mtimeMs: number;
}

/** The partition of the markers of the local files in the directory of `url`. */
export function localFolderPartition(url: string): string {
  return `${FILES_PREFIX}${url.slice(0, url.lastIndexOf('/') + 1)}`;
}

export function localFileMarkerItem(
  file: LocalFileIdentity,
  stats: FileStats,
  settings: Settings,
  nowMs: number,
): TableItem {
  return {
    pk: localFolderPartition(file.url),
    sk: fileName(file.url),
    ...markerAttributes(file.size, stats, settings, nowMs),
    mtimeMs: Math.floor(file.mtimeMs),
  };
}

/** Names of the local files of a folder partition done for `settings`, with their size and time. */
export function doneLocalFiles(
  items: readonly Record<string, unknown>[],
  settings: Settings,
): Map<string, { readonly size: number; readonly mtimeMs: number }> {
  const done = new Map<string, { size: number; mtimeMs: number }>();
  for (const item of items) {
    if (item.kind !== 'file' || typeof item[TABLE_SCHEMA.sortKey] !== 'string') continue;
    if (typeof item.size !== 'number' || typeof item.mtimeMs !== 'number') continue;
    if (settings.includeReadOnly && item.includeReadOnly !== true) continue;
    done.set(item[TABLE_SCHEMA.sortKey] as string, { size: item.size, mtimeMs: item.mtimeMs });
  }
  return done;
}

/** Whether a local file is done by the markers of its directory: same name, size and time. */
export function isLocalDone(
  done: ReadonlyMap<string, { readonly size: number; readonly mtimeMs: number }>,
  file: LocalFileIdentity,
): boolean {
  const marked = done.get(fileName(file.url));
  return marked !== undefined && marked.size === file.size && marked.mtimeMs === Math.floor(file.mtimeMs);
}
