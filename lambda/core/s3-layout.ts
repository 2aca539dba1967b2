import { classifyKey, parseLogKey } from './s3-key';

/**
 * Finding the log files of a CloudTrail bucket without listing everything. CloudTrail writes
 *
 *   [<prefix>/]AWSLogs/[<o-organization>/]<account>/CloudTrail/<region>/<YYYY>/<MM>/<DD>/<file>.json.gz
 *
 * so accounts, regions, years and months are "folders" that one delimited listing each reveals, and
 * a time range selects days without listing the others. The listing itself is injected (S3's
 * ListObjectsV2, one page per call): this module has no AWS SDK.
 */

/** One page of a listing: objects (with a delimiter: those directly under the prefix) and folders. */
export interface ListPage {
  readonly objects: readonly { readonly key: string; readonly size: number }[];
  /** Common prefixes (with a delimiter), each ending in the delimiter. */
  readonly prefixes: readonly string[];
  /** Continuation token of the next page, if any. */
  readonly next?: string;
}

export interface ObjectLister {
  /** One ListObjectsV2 page. */
  list(prefix: string, options: { delimiter?: string; continuationToken?: string }): Promise<ListPage>;
}

export interface LogObject {
  readonly key: string;
  readonly size: number;
}

export interface LayoutFilter {
  /** Key prefix under the bucket (what the user gave after `s3://bucket/`). */
  readonly prefix: string;
  /** Files of events at or after (by delivery day folder, UTC). */
  readonly sinceMs?: number;
  /** Files of events at or before (by delivery day folder; the next day is read too, see `DAY_SLACK_MS`). */
  readonly untilMs?: number;
  /** Only these account IDs (empty or absent: all). */
  readonly accounts?: ReadonlySet<string>;
  /** Only these regions (empty or absent: all). */
  readonly regions?: ReadonlySet<string>;
}

/** What the walk did, for progress and for tests of the pruning. */
export interface ListStats {
  listCalls: number;
  /** Objects seen in listings (log files or not). */
  objectsSeen: number;
}

/**
 * CloudTrail files are foldered by delivery time: events of the last minutes of a day arrive in the
 * next day's folder. The day after `--until` is read too.
 */
export const DAY_SLACK_MS = 86_400_000;

const DAY_MS = 86_400_000;
const ORG = /^o-[a-z0-9]{10,32}$/;

type Level = 'awslogs' | 'org' | 'account' | 'service' | 'region' | 'year' | 'month' | 'day';

interface Range {
  readonly from?: string;
  readonly to?: string;
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Every log file under the filter's prefix that can hold events in the range, of the selected
 * accounts and regions, in key order. Digest and Insights files, folder markers and other keys are
 * not yielded.
 */
export async function* findLogObjects(
  lister: ObjectLister,
  filter: LayoutFilter,
  stats: ListStats = { listCalls: 0, objectsSeen: 0 },
): AsyncGenerator<LogObject> {
  const walk = new LayoutWalk(lister, filter, stats);
  const start = startingPoint(filter.prefix);
  if (start) {
    yield* walk.walk(start.prefix, start.level);
    return;
  }
  // no AWSLogs/ in the prefix: the trail's own key prefix, or the bucket's root
  const prefix = filter.prefix;
  if (prefix === '' || prefix.endsWith('/')) {
    const top = await walk.folders(prefix);
    if (top.includes(`${prefix}AWSLogs/`)) {
      yield* walk.walk(`${prefix}AWSLogs/`, 'awslogs');
      return;
    }
  }
  // not the CloudTrail layout (or not at a folder boundary): list everything, filter by key
  yield* walk.flat(prefix);
}

/** The walk down the layout: one delimited listing per folder level, flat listings below. */
class LayoutWalk {
  private readonly range: Range;
  private readonly unbounded: boolean;
  private readonly accounts: ReadonlySet<string> | undefined;
  private readonly regions: ReadonlySet<string> | undefined;

  constructor(
    private readonly lister: ObjectLister,
    filter: LayoutFilter,
    private readonly stats: ListStats,
  ) {
    this.range = {
      ...(filter.sinceMs !== undefined ? { from: day(filter.sinceMs) } : {}),
      ...(filter.untilMs !== undefined ? { to: day(filter.untilMs + DAY_SLACK_MS) } : {}),
    };
    this.unbounded = this.range.from === undefined && this.range.to === undefined;
    this.accounts = filter.accounts?.size ? filter.accounts : undefined;
    this.regions = filter.regions?.size ? filter.regions : undefined;
  }

  /** Every page of one listing. */
  private async *pages(prefix: string, delimiter?: string): AsyncGenerator<ListPage> {
    let token: string | undefined;
    do {
      this.stats.listCalls++;
      const page = await this.lister.list(prefix, {
        ...(delimiter ? { delimiter } : {}),
        ...(token ? { continuationToken: token } : {}),
      });
      this.stats.objectsSeen += page.objects.length;
      yield page;
      token = page.next;
    } while (token);
  }

  async folders(prefix: string): Promise<string[]> {
    const out: string[] = [];
    for await (const page of this.pages(prefix, '/')) out.push(...page.prefixes);
    return out;
  }

  /** Objects under a prefix (all depths), kept when they are log files in the filter. */
  async *flat(prefix: string): AsyncGenerator<LogObject> {
    for await (const page of this.pages(prefix))
      for (const o of page.objects) if (this.selected(o.key, o.size)) yield { key: o.key, size: o.size };
  }

  private selected(key: string, size: number): boolean {
    // only CloudTrail log file keys: AWS Config's `AWSLogs/<account>/Config/…json.gz` are not
    if (classifyKey(key, size) !== 'log') return false;
    const parts = parseLogKey(key);
    if (!parts) return false;
    if (this.accounts && !this.accounts.has(parts.accountId)) return false;
    if (this.regions && !this.regions.has(parts.region)) return false;
    if (this.range.from !== undefined && parts.date < this.range.from) return false;
    if (this.range.to !== undefined && parts.date > this.range.to) return false;
    return true;
  }

  async *walk(prefix: string, level: Level): AsyncGenerator<LogObject> {
    // below a region, without a time range, one flat listing is the fewest calls
    if (this.unbounded && (level === 'region' || level === 'year' || level === 'month' || level === 'day')) {
      yield* this.flat(prefix);
      return;
    }
    switch (level) {
      case 'awslogs':
      case 'org':
        for (const f of await this.folders(prefix)) {
          const name = last(f);
          if (level === 'awslogs' && ORG.test(name)) yield* this.walk(f, 'org');
          else if (!this.accounts || this.accounts.has(name)) yield* this.walk(f, 'account');
        }
        return;
      case 'account':
        // CloudTrail-Digest/ and CloudTrail-Insight/ are beside CloudTrail/: not listed at all
        yield* this.walk(`${prefix}CloudTrail/`, 'service');
        return;
      case 'service':
        for (const f of await this.folders(prefix))
          if (!this.regions || this.regions.has(last(f))) yield* this.walk(f, 'region');
        return;
      case 'region':
      case 'year':
        yield* this.dated(prefix, level);
        return;
      case 'month':
        yield* this.days(prefix);
        return;
      case 'day':
        yield* this.flat(prefix);
        return;
    }
  }

  /** The years of a region, or the months of a year: those in the range, whole ones listed flat. */
  private async *dated(prefix: string, level: 'region' | 'year'): AsyncGenerator<LogObject> {
    for (const f of await this.folders(prefix)) {
      const span = level === 'region' ? yearSpan(f) : monthSpan(f);
      if (!span || !overlaps(this.range, span.first, span.last)) continue;
      if (within(this.range, span.first, span.last)) yield* this.flat(f);
      else yield* this.walk(f, level === 'region' ? 'year' : 'month');
    }
  }

  /** A month at an end of the range: its days in the range, each listed directly. */
  private async *days(prefix: string): AsyncGenerator<LogObject> {
    const [y, m] = prefix.slice(0, -1).split('/').slice(-2);
    const start = Date.UTC(Number(y), Number(m) - 1, 1);
    for (let t = start; new Date(t).getUTCMonth() === Number(m) - 1; t += DAY_MS) {
      const d = day(t);
      if (within(this.range, d, d)) yield* this.flat(`${prefix}${d.slice(8, 10)}/`);
    }
  }
}

const last = (folder: string): string => folder.slice(0, -1).split('/').pop() ?? '';

/** The first and last day of a year folder (`…/2025/`), if it is one. */
function yearSpan(folder: string): { first: string; last: string } | undefined {
  const y = last(folder);
  return /^\d{4}$/.test(y) ? { first: `${y}-01-01`, last: `${y}-12-31` } : undefined;
}

/** The first and last day of a month folder (`…/2025/03/`), if it is one. */
function monthSpan(folder: string): { first: string; last: string } | undefined {
  const [y, m] = folder.slice(0, -1).split('/').slice(-2);
  if (!/^\d{2}$/.test(m ?? '')) return undefined;
  return { first: `${y}-${m}-01`, last: day(Date.UTC(Number(y), Number(m), 0)) };
}

/** Where a prefix that names part of the layout starts the walk; undefined when it does not. */
function startingPoint(prefix: string): { prefix: string; level: Level } | undefined {
  const at = prefix.lastIndexOf('AWSLogs/');
  if (at < 0 || (at > 0 && prefix[at - 1] !== '/')) return undefined;
  const base = prefix.slice(0, at + 'AWSLogs/'.length);
  const rest = prefix.slice(base.length);
  if (rest !== '' && !rest.endsWith('/')) return undefined; // a partial name: filter a flat listing
  const parts = rest.split('/').filter((p) => p !== '');
  const org = parts[0] !== undefined && ORG.test(parts[0]);
  const levels: Level[] = org
    ? ['awslogs', 'org', 'account', 'service', 'region', 'year', 'month', 'day']
    : ['awslogs', 'account', 'service', 'region', 'year', 'month', 'day'];
  const level = levels[parts.length];
  if (!level) return undefined;
  // inside an account, the next folder must be CloudTrail/
  const accountAt = org ? 2 : 1;
  if (parts.length > accountAt && parts[accountAt] !== 'CloudTrail') return undefined;
  return { prefix, level };
}

function overlaps(range: Range, first: string, last: string): boolean {
  return (range.from === undefined || last >= range.from) && (range.to === undefined || first <= range.to);
}

function within(range: Range, first: string, last: string): boolean {
  return (range.from === undefined || first >= range.from) && (range.to === undefined || last <= range.to);
}
