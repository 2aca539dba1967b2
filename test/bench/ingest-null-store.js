// Extraction only: the CLI's own ingest code (discovery, files at once, gunzip, pipeline) with a store
// that keeps nothing, cold in its own process like the CLI. Used by the P7 bench; run it yourself to
// profile the pipeline's own cost (after `npm run build`):
//   node --cpu-prof test/bench/ingest-null-store.js DIR [--concurrency N]
// Prints {"records":…,"indexed":…,"items":…} on stdout.
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'dist');
const { discoverFiles, ingestFiles } = require(join(dist, 'bin', 'cli', 'ingest.js'));
const { DEFAULT_INGEST_CONCURRENCY } = require(join(dist, 'bin', 'cli', 'commands', 'ingest.js'));
const { DEFAULT_SETTINGS } = require(join(dist, 'lambda', 'core', 'settings.js'));

const store = {
  write: async () => {},
  putItem: async () => {},
  putItemIfAbsent: async () => true,
  createItem: async () => ({ created: true }),
  addToStringSet: async () => {},
  addToStringSets: async () => {},
  readPartition: async () => [],
};

async function main() {
  const args = process.argv.slice(2);
  const at = args.indexOf('--concurrency');
  const concurrency = at >= 0 ? Number(args.splice(at, 2)[1]) : DEFAULT_INGEST_CONCURRENCY.local;
  const ra = args.indexOf('--read-ahead-mb');
  const flow = ra >= 0 ? { readAheadBytes: Number(args.splice(ra, 2)[1]) * 1024 * 1024 } : undefined;
  if (!(concurrency >= 1) || args.length === 0)
    throw new Error(
      'usage: node test/bench/ingest-null-store.js DIR... [--concurrency N] [--read-ahead-mb N]',
    );
  const { files } = await discoverFiles(args);
  const totals = await ingestFiles(files, { settings: DEFAULT_SETTINGS, concurrency, store, flow });
  if (totals.filesFailed > 0) throw new Error(`${totals.filesFailed} file(s) failed`);
  const { records, indexed, items } = totals;
  process.stdout.write(JSON.stringify({ records, indexed, items }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
