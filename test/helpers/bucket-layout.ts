import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLogRecords } from '../../lambda/core/record-stream';
import { chunks } from './records';

/**
 * Real CloudTrail records laid out as CloudTrail delivers them into a bucket:
 *
 *   AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<time>_<id>.json.gz
 *
 * one file per account, region and 5-minute delivery window, foldered by delivery time (the
 * window's end: events of 23:57 land in the next day's folder, as they do for real), plus what a
 * real bucket also holds: digest files, an Insights file, a folder marker and stray objects.
 */

export const ORG_ID = 'o-a1b2c3d4e5';

export interface LaidOutFile {
  readonly key: string;
  readonly body: Buffer;
  readonly account: string;
  readonly region: string;
  /** Delivery folder date, YYYY-MM-DD. */
  readonly day: string;
  readonly eventIds: readonly string[];
}

export interface BucketLayout {
  /** The log files. */
  readonly files: readonly LaidOutFile[];
  /** Other objects of the bucket (digests, Insights, folder markers, strays). */
  readonly others: ReadonlyMap<string, Buffer>;
}

type Rec = Record<string, unknown>;

/** Every record of the JSON and gzipped JSON files under `dir` (any of the accepted shapes). */
export async function recordsUnder(dir: string): Promise<Rec[]> {
  const out: Rec[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(d, e.name);
      if (e.isDirectory()) await walk(path);
      else if (/\.json(\.gz)?$/.test(e.name)) {
        try {
          for await (const r of readLogRecords(chunks(readFileSync(path)))) {
            if (r.kind !== 'record') continue;
            try {
              const v = JSON.parse(r.bytes.toString('utf8')) as unknown;
              if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Rec);
            } catch {
              // a broken record of the corpus: not part of a delivery file
            }
          }
        } catch {
          // a file of the corpus that is not CloudTrail at all
        }
      }
    }
  };
  await walk(dir);
  return out;
}

function text(v: unknown, fallback: string): string {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : fallback;
}

/**
 * Lays the records out; `organization` puts the accounts under AWSLogs/o-…/; `folderMarkers` adds a
 * zero-byte `folder/` object at every level.
 */
export function layOut(
  records: readonly Rec[],
  options: { organization?: boolean; prefix?: string; folderMarkers?: boolean } = {},
): BucketLayout {
  const groups = new Map<string, { account: string; region: string; delivered: number; records: Rec[] }>();
  for (const r of records) {
    const t = Date.parse(text(r.eventTime, ''));
    if (Number.isNaN(t)) continue;
    const identity = (r.userIdentity ?? {}) as Rec;
    const account = text(r.recipientAccountId, text(identity.accountId, '111122223333'))
      .padStart(12, '0')
      .slice(-12);
    if (!/^\d{12}$/.test(account)) continue;
    const region = text(r.awsRegion, 'us-east-1');
    const delivered = Math.ceil((t + 1) / 300_000) * 300_000;
    const id = `${account}|${region}|${delivered}`;
    let g = groups.get(id);
    if (!g) {
      g = { account, region, delivered, records: [] };
      groups.set(id, g);
    }
    g.records.push(r);
  }
  const base = `${options.prefix ?? ''}AWSLogs/${options.organization ? `${ORG_ID}/` : ''}`;
  const files: LaidOutFile[] = [];
  for (const g of [...groups.values()].sort((a, b) => a.delivered - b.delivered)) {
    const iso = new Date(g.delivered).toISOString();
    const day = iso.slice(0, 10);
    const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
    const body = gzipSync(JSON.stringify({ Records: g.records }));
    const unique = createHash('sha256').update(body).digest('base64url').slice(0, 16);
    files.push({
      key: `${base}${g.account}/CloudTrail/${g.region}/${day.replace(/-/g, '/')}/${g.account}_CloudTrail_${g.region}_${stamp}_${unique}.json.gz`,
      body,
      account: g.account,
      region: g.region,
      day,
      eventIds: g.records.map((r) => text(r.eventID, '')).filter((id) => id !== ''),
    });
  }
  const others = new Map<string, Buffer>();
  const first = files[0];
  if (first) {
    const digestDir = `${base}${first.account}/CloudTrail-Digest/${first.region}/${first.day.replace(/-/g, '/')}/`;
    others.set(
      `${digestDir}${first.account}_CloudTrail-Digest_${first.region}_x.json.gz`,
      gzipSync('{"digestStartTime":"x"}'),
    );
    others.set(
      `${base}${first.account}/CloudTrail-Insight/${first.region}/${first.day.replace(/-/g, '/')}/i.json.gz`,
      gzipSync('{"Records":[]}'),
    );
    others.set(`${base}${first.account}/CloudTrail/${first.region}/`, Buffer.alloc(0));
    others.set(
      `${base}${first.account}/CloudTrail/${first.region}/${first.day.replace(/-/g, '/')}/notes.txt`,
      Buffer.from('x'),
    );
  }
  others.set(`${options.prefix ?? ''}README.txt`, Buffer.from('not a log'));
  if (options.folderMarkers) {
    // a zero-byte `folder/` object for every folder, as the S3 console creates them
    for (const f of files) {
      const parts = f.key.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) others.set(`${parts.slice(0, i).join('/')}/`, Buffer.alloc(0));
    }
  }
  return { files, others };
}
