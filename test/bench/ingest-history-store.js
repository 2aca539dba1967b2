// The CLI's own ingest code with a store that keeps only what the stateful rules read back (SSH key
// partitions `KEY#`, the rules' own histories `HISTORY#`, summaries `SUMMARY#`), in memory, and drops
// everything else: the rules phase does its real work (its reads return the history earlier files
// wrote), the store costs next to nothing. The null store (ingest-null-store.js) returns no history,
// so its rules judge nothing. Run it yourself to profile the rules' cost (after `npm run build`):
//   node --cpu-prof test/bench/ingest-history-store.js DIR [--concurrency N]
// Prints {"records":…,"indexed":…,"items":…,"findings":…,"kept":…,"findingsDigest":…} on stdout: the
// digest is of the finding items (`FINDINGS`, kept too; without their TTL, which follows the clock), to
// compare two versions' findings.
const { createHash } = require('node:crypto');
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'dist');
const { discoverFiles, ingestFiles } = require(join(dist, 'bin', 'cli', 'ingest.js'));
const { DEFAULT_INGEST_CONCURRENCY } = require(join(dist, 'bin', 'cli', 'commands', 'ingest.js'));
const { DEFAULT_SETTINGS } = require(join(dist, 'lambda', 'core', 'settings.js'));
const { sortKeyRange } = require(join(dist, 'lambda', 'core', 'items.js'));

const KEPT = ['KEY#', 'HISTORY#', 'SUMMARY#', 'FINDINGS'];
const kept = (pk) => KEPT.some((p) => pk.startsWith(p));

/** pk → sk → item */
const partitions = new Map();

function put(item) {
  if (!kept(item.pk)) return;
  let p = partitions.get(item.pk);
  if (!p) {
    p = new Map();
    partitions.set(item.pk, p);
  }
  p.set(item.sk, item);
}

const store = {
  write: async (items) => {
    for (const item of items) put(item);
  },
  putItem: async (item) => put(item),
  putItemIfAbsent: async (item) => {
    if (partitions.get(item.pk)?.has(item.sk)) return false;
    put(item);
    return true;
  },
  createItem: async (item) => {
    const existing = partitions.get(item.pk)?.get(item.sk);
    if (existing) return { created: false, existing };
    put(item);
    return { created: true };
  },
  addToStringSet: async (pk, sk, attribute, values) => add({ pk, sk, attribute, values }),
  addToStringSets: async (additions) => {
    for (const a of additions) add(a);
  },
  readPartition: async (pk, options = {}) => {
    const p = partitions.get(pk);
    if (!p) return [];
    const ranged = options.sinceMs !== undefined || options.untilMs !== undefined;
    const { from, to } = sortKeyRange(options.sinceMs, options.untilMs);
    return [...p.values()]
      .filter((i) => !ranged || (i.sk >= from && i.sk <= to))
      .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0))
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY);
  },
};

function add({ pk, sk, attribute, values }) {
  const item = partitions.get(pk)?.get(sk);
  if (!item) return;
  const set = new Set(item[attribute] instanceof Set ? item[attribute] : []);
  for (const v of values) set.add(v);
  partitions.get(pk).set(sk, { ...item, [attribute]: set });
}

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--concurrency');
  const concurrency = at >= 0 ? Number(args.splice(at, 2)[1]) : DEFAULT_INGEST_CONCURRENCY.local;
  if (!(concurrency >= 1) || args.length === 0)
    throw new Error('usage: node test/bench/ingest-history-store.js DIR... [--concurrency N]');
  const { files } = await discoverFiles(args);
  const totals = await ingestFiles(files, { settings: DEFAULT_SETTINGS, concurrency, store });
  if (totals.filesFailed > 0) throw new Error(`${totals.filesFailed} file(s) failed`);
  const { records, indexed, items, findings } = totals;
  let count = 0;
  for (const p of partitions.values()) count += p.size;
  const found = [...(partitions.get('FINDINGS')?.values() ?? [])].sort((a, b) => (a.sk < b.sk ? -1 : 1));
  const digest = createHash('sha256');
  for (const item of found)
    digest.update(
      `${JSON.stringify(item, (k, v) => (k === 'expiresAt' ? undefined : v instanceof Set ? [...v] : v))}\n`,
    );
  const findingsDigest = digest.digest('hex').slice(0, 16);
  if (process.env.FINDINGS_OUT)
    require('node:fs').writeFileSync(
      process.env.FINDINGS_OUT,
      found.map((i) => `${JSON.stringify(i)}\n`).join(''),
    );
  process.stdout.write(JSON.stringify({ records, indexed, items, findings, kept: count, findingsDigest }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
