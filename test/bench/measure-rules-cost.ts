import { createReadStream, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type FileStats, processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { createDocumentClient, type EventStore } from '../../lambda/store/event-store';
import { startDynalite, storeAt, TEST_CREDENTIALS } from '../helpers/dynalite';
import { assumedRole, chunks, iamUser, keyPush, logFile, type Rec } from '../helpers/records';
import { type CapacityCount, recordCapacity, requestTotal } from './capacity';
import { deliveryText, writeDeliveryFile } from './generate';
import { KEYS } from './generate-data';
import { CACHE, json, MB, quick, report, round } from './measure-common';

/**
 * P8: the cost of a file does not grow with history (issue 14, "linear cost"). The same generated
 * delivery file is ingested through the real `EventStore` on dynalite into two tables whose SSH keys
 * (the file's three keys) already have a history of pushes, written by the pipeline from earlier
 * files: N pushes per key, then 10 N, at the same pace (one every 10 minutes, two principals, a new
 * instance each) up to the file's first event, so the last hours of history, which the windowed
 * rules read, are the same in both. The read and write units of the file alone (`capacity.ts`: as
 * DynamoDB bills them) are compared: 10x the history should cost the file at most 1.2x.
 *
 * Also reported: the requests the same file makes into an empty table, per kind and per finding;
 * and with `--rules-mb=N`, the requests of N MB of the end-to-end benchmark's files (P7's, cached in
 * .bench/) ingested one after the other (the issue counted 32,164 requests on 100 MB).
 */

const HISTORY_PER_KEY = quick ? 20 : 100;
const FILE_BYTES = (quick ? 1 : 8) * MB;
/** History pushes per history file. */
const PER_HISTORY_FILE = 300;
const PUSH_EVERY_MS = 10 * 60_000;
/** Where the generator's files start (`RecordGenerator`): history ends there. */
const FILE_START_MS = Date.UTC(2025, 2, 1);

function historyRecords(perKey: number): Rec[] {
  const principals = [iamUser('alice', 'AKIAEXAMPLEALICE0001'), assumedRole('Ops', 'bob')];
  const out: Rec[] = [];
  for (const [k, publicKey] of KEYS.entries()) {
    for (let i = 0; i < perKey; i++) {
      const timeMs = FILE_START_MS - (perKey - i) * PUSH_EVERY_MS - k * 7_000;
      out.push(
        keyPush(
          {
            eventTime: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
            userIdentity: principals[i % 2],
          },
          {
            instanceId: `i-0${k}${i.toString(16).padStart(15, '0')}`,
            sSHPublicKey: publicKey,
            instanceOSUser: 'ec2-user',
          },
        ),
      );
    }
  }
  return out.sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));
}

interface Table {
  store: EventStore;
  recorder: { count: CapacityCount; reset(): void };
}

async function table(endpoint: string, name: string): Promise<Table> {
  const client = createDocumentClient({ endpoint, region: 'us-east-1', credentials: TEST_CREDENTIALS });
  const recorder = recordCapacity(client);
  const store = await storeAt(endpoint, { tableName: name, client });
  recorder.reset();
  return { store, recorder };
}

async function ingest(t: Table, text: Buffer, source: string): Promise<FileStats> {
  const stats = await processLogFile(chunks(text), { source, settings: DEFAULT_SETTINGS }, t.store);
  if (stats.status === 'failed') throw new Error(`P8: ${source} failed: ${String(stats.error)}`);
  return stats;
}

interface Run {
  historyPushes: number;
  readUnits: number;
  readUnitsOwn: number;
  itemsRead: number;
  writeUnits: number;
  requests: Record<string, number>;
  findings: number;
  sshKeyPushes: number;
}

/** The file's own cost on a table whose keys have `perKey` pushes of history. */
async function withHistory(endpoint: string, perKey: number, file: Buffer): Promise<Run> {
  const t = await table(endpoint, `p8-history-${perKey}`);
  const history = historyRecords(perKey);
  for (let i = 0; i < history.length; i += PER_HISTORY_FILE)
    await ingest(t, logFile(history.slice(i, i + PER_HISTORY_FILE)), `history-${i}`);
  t.recorder.reset();
  const stats = await ingest(t, file, 'file');
  const c = t.recorder.count;
  return {
    historyPushes: history.length,
    readUnits: c.readUnits,
    readUnitsOwn: c.readUnitsOwn,
    itemsRead: c.itemsRead,
    writeUnits: c.writeUnits,
    requests: { ...c.requests },
    findings: stats.findings,
    sshKeyPushes: stats.sshKeyPushes,
  };
}

/** Requests of files into an empty table, per kind, with the findings they recorded. */
interface RequestSummary {
  files: number;
  records: number;
  indexed: number;
  findings: number;
  requests: number;
  byKind: Record<string, number>;
  putsByItemKind: Record<string, number>;
  requestsPerFinding: number;
  readUnits: number;
  writeUnits: number;
}

function requestSummary(count: CapacityCount, stats: readonly FileStats[]): RequestSummary {
  const findings = stats.reduce((n, s) => n + s.findings, 0);
  const total = requestTotal(count);
  return {
    files: stats.length,
    records: stats.reduce((n, s) => n + s.records, 0),
    indexed: stats.reduce((n, s) => n + s.indexed, 0),
    findings,
    requests: total,
    byKind: { ...count.requests },
    putsByItemKind: { ...count.putsByKind },
    // a finding's own requests: its two once-only items, and the additions of its rule to the items
    requestsPerFinding:
      findings > 0
        ? round(((count.putsByKind.finding ?? 0) + (count.requests.UpdateItem ?? 0)) / findings)
        : 0,
    readUnits: count.readUnits,
    writeUnits: count.writeUnits,
  };
}

/** `--rules-mb=N`: the end-to-end benchmark's files (16 MB each), generated into .bench/ if missing. */
async function endToEndFiles(mb: number): Promise<string[]> {
  const count = Math.max(1, Math.round(mb / 16));
  const dir = join(CACHE, `p8-${count}x16MB`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const name = `123456789012_CloudTrail_us-east-1_20250301T${String(i).padStart(4, '0')}Z_bench.json.gz`;
    if (!existsSync(join(dir, name))) await writeDeliveryFile(join(dir, name), 16 * MB, 1000 + i);
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => join(dir, f));
}

export async function p8(): Promise<void> {
  const dynamo = await startDynalite();
  try {
    const file = deliveryText(FILE_BYTES, 7).text;
    const base = await withHistory(dynamo.endpoint, HISTORY_PER_KEY, file);
    const tenfold = await withHistory(dynamo.endpoint, 10 * HISTORY_PER_KEY, file);
    const empty = await table(dynamo.endpoint, 'p8-empty');
    const alone = await ingest(empty, file, 'file');
    const details = {
      fileMB: round(file.length / MB),
      historyPerKey: [HISTORY_PER_KEY, 10 * HISTORY_PER_KEY],
      base,
      tenfold,
      emptyTable: requestSummary(empty.recorder.count, [alone]),
    };
    const reads = tenfold.readUnits / base.readUnits;
    const writes = tenfold.writeUnits / base.writeUnits;
    report({
      id: 'P8',
      name: `read units of a file whose SSH keys have 10x more history (${round(tenfold.readUnits)} vs ${round(base.readUnits)} RCU)`,
      value: reads,
      unit: 'x',
      target: '<= 1.2',
      pass: reads <= 1.2,
      details,
    });
    report({
      id: 'P8',
      name: `write units of the same file, 10x history (${round(tenfold.writeUnits)} vs ${round(base.writeUnits)} WCU)`,
      value: writes,
      unit: 'x',
      target: '<= 1.2',
      pass: writes <= 1.2,
      details,
    });
    const alone1 = details.emptyTable;
    report({
      id: 'P8',
      name: `store requests per finding, the file into an empty table (${alone1.requests} requests, ${alone1.findings} findings)`,
      value: alone1.requestsPerFinding,
      unit: 'requests',
      target: 'reported',
      pass: true,
      details,
    });
    await endToEnd(dynamo.endpoint);
  } finally {
    await dynamo.close();
  }
}

async function endToEnd(endpoint: string): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--rules-mb='));
  if (!arg) return;
  const files = await endToEndFiles(Number(arg.slice('--rules-mb='.length)));
  const t = await table(endpoint, 'p8-end-to-end');
  t.recorder.reset();
  const stats: FileStats[] = [];
  const started = performance.now();
  for (const path of files)
    stats.push(
      await processLogFile(createReadStream(path), { source: path, settings: DEFAULT_SETTINGS }, t.store),
    );
  const summary = {
    ...requestSummary(t.recorder.count, stats),
    seconds: round((performance.now() - started) / 1000),
  };
  if (!json) console.error(`  P8 --rules-mb: ${JSON.stringify(summary)}`);
  report({
    id: 'P8',
    name: `store requests of ${files.length} files of 16 MB into an empty table, one after the other (${summary.requests} requests)`,
    value: summary.requestsPerFinding,
    unit: 'requests per finding',
    target: 'reported',
    pass: true,
    details: summary,
  });
}
