// The DuckDB peer of the P7 bench, in its own process (so its wall time and peak RSS are its own):
// loads every record of DIR/*.json.gz into a table of JSON rows in a database file, then answers
// "events of instance X" for each id by a scan of that table.
//   node test/bench/duckdb-peer.js DIR DBFILE ID...
// Prints {"loadMs":…,"loadCpuMs":…,"rows":…,"queryMs":[…],"answers":[…]}; exit code 3 when @duckdb/node-api is
// not installed (its message on stderr).
const { join } = require('node:path');

const MB = 1024 * 1024;

async function main() {
  const [dir, dbFile, ...ids] = process.argv.slice(2);
  let api;
  try {
    api = require('@duckdb/node-api');
  } catch (error) {
    console.error(`@duckdb/node-api unavailable: ${String(error.message).split('\n')[0]}`);
    process.exitCode = 3;
    return;
  }
  const t = performance.now();
  const cpu = process.cpuUsage();
  const instance = await api.DuckDBInstance.create(dbFile);
  const con = await instance.connect();
  const glob = join(dir, '*.json.gz').replace(/'/g, "''");
  await con.run(
    `CREATE TABLE records AS SELECT unnest(Records) AS rec FROM read_json('${glob}', ` +
      `columns = {Records: 'JSON[]'}, maximum_object_size = ${1024 * MB})`,
  );
  await con.run('CHECKPOINT');
  const loadMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  // the load's CPU time on all of DuckDB's threads (it loads on every core)
  const loadCpuMs = (used.user + used.system) / 1000;
  const rows = Number((await con.runAndReadAll('SELECT count(*) FROM records')).getRows()[0][0]);
  const queryMs = [];
  const answers = [];
  for (const id of ids) {
    const q = performance.now();
    const found = await con.runAndReadAll('SELECT rec FROM records WHERE contains(rec::VARCHAR, $1)', [id]);
    answers.push(found.getRows().length);
    queryMs.push(performance.now() - q);
  }
  con.closeSync();
  instance.closeSync();
  process.stdout.write(JSON.stringify({ loadMs, loadCpuMs, rows, queryMs, answers }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
