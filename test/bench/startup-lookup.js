// The lookup of `trailwatch query instance ID --db DIR` without the start-up: in a fresh process, the
// built modules the command uses are loaded first (not timed), then the store is opened, the
// instance's partition read as the command reads it, its items turned into events, and the store
// closed; twice: the first (cold, as the command does it once) and a second (warm). Used by the P9
// bench (after `npm run build`):
//   node test/bench/startup-lookup.js DIR INSTANCE_ID
// Prints {"firstMs":…,"firstCpuMs":…,"warmMs":…,"events":…} on stdout (wall and CPU milliseconds).
const { join } = require('node:path');

const dist = join(__dirname, '..', '..', 'dist');
const { openStore } = require(join(dist, 'bin', 'cli', 'store.js'));
// what openStore loads on its first call: loaded here, so that it is not timed
require(join(dist, 'bin', 'cli', 'local-store', 'open.js'));
const { lookupPartition } = require(join(dist, 'lambda', 'core', 'lookup.js'));
const { itemToEvent } = require(join(dist, 'lambda', 'core', 'items.js'));

async function lookup(db, id) {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const opened = await openStore({ db });
  let events;
  try {
    const { items } = await opened.store.query(lookupPartition('instance', id), {
      limit: 100,
      nowMs: Date.now(),
    });
    events = items.map(itemToEvent);
  } finally {
    await opened.close();
  }
  const ms = performance.now() - t;
  const { user, system } = process.cpuUsage(cpu);
  return { ms, cpuMs: (user + system) / 1000, events: events.length };
}

async function main() {
  const [db, id] = process.argv.slice(2);
  if (!db || !id) throw new Error('usage: node test/bench/startup-lookup.js DIR INSTANCE_ID');
  const first = await lookup(db, id);
  const warm = await lookup(db, id);
  process.stdout.write(
    JSON.stringify({ firstMs: first.ms, firstCpuMs: first.cpuMs, warmMs: warm.ms, events: first.events }),
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
