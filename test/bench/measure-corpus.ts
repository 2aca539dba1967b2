import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { dynamoItemSize, type TableItem } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { logFilesUnder } from '../helpers/files';
import { MemoryStore } from '../helpers/writer';
import { CACHE, MB, median, quick, ROOT, report, round } from './measure-common';
import { ORIGINAL_INDEX_KINDS, writeUnits } from './write-units';

/** P4 item sizes and write units on the real corpus, and P6 the Lambda bundle size and init time. */

/* ------------------------------------------------------------------ P4 */

export async function p4(): Promise<void> {
  const shared = join(ROOT, '..', 'shared', 'corpus', 'real');
  const dir = existsSync(shared) ? shared : join(ROOT, 'test', 'fixtures', 'cloudtrail');
  const store = new MemoryStore();
  const seen = new Map<string, string>();
  // a realistic S3 source, as the Lambda records it
  const source =
    's3://trailwatch-logs-123456789012-us-east-1/AWSLogs/123456789012/CloudTrail/us-east-1/2025/03/01/123456789012_CloudTrail_us-east-1_20250301T1000Z_AbCdEfGhIjKlMnOp.json.gz';
  let events = 0;
  for (const file of logFilesUnder(dir)) {
    const stats = await processLogFile(
      createReadStream(file),
      { source, settings: DEFAULT_SETTINGS, seen },
      store,
    );
    events += stats.indexed;
  }
  const items = [...store.items.values()].filter((i: TableItem) => i.kind !== 'finding');
  const sizes = items.map((i) => dynamoItemSize(i)).sort((a, b) => a - b);
  const at = (q: number): number => sizes[Math.min(sizes.length - 1, Math.floor(q * sizes.length))] as number;
  const wcu = sizes.reduce((n, s) => n + Math.ceil(s / 1024), 0) / events;
  // the same events with the index items of the four indexes trailwatch had before issue 12 only
  const originalWcu = writeUnits(items, ORIGINAL_INDEX_KINDS) / events;
  const details = {
    corpus: dir,
    events,
    items: items.length,
    p50: at(0.5),
    p99: at(0.99),
    max: sizes[sizes.length - 1],
    writeUnitsPerEvent: round(wcu),
    writeUnitsPerEventOriginalIndexes: round(originalWcu),
    itemsPerEvent: round(items.length / events),
  };
  report({
    id: 'P4',
    name: 'item size p99 on the real corpus',
    value: at(0.99),
    unit: 'bytes',
    target: '<= 1024',
    pass: at(0.99) <= 1024,
    details,
  });
  report({
    id: 'P4',
    name: 'write units per indexed event',
    value: wcu,
    unit: 'WCU',
    target: 'reported',
    pass: true,
    details,
  });
  report({
    id: 'P4',
    name: 'write units per indexed event, the four original indexes only (instance, user, resource, key)',
    value: originalWcu,
    unit: 'WCU',
    target: 'reported',
    pass: true,
    details: { ...details, allIndexesOverOriginal: round(wcu / originalWcu) },
  });
}

/* ------------------------------------------------------------------ P6 */

export function p6(): void {
  const out = join(CACHE, 'bundle');
  mkdirSync(out, { recursive: true });
  // as NodejsFunction bundles it (lib/constructs/ingest-function.ts)
  buildSync({
    entryPoints: [join(ROOT, 'lambda', 'handler.ts')],
    bundle: true,
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    external: ['@aws-sdk/*'],
    outfile: join(out, 'index.js'),
    logLevel: 'silent',
  });
  const bundleBytes = statSync(join(out, 'index.js')).size;
  report({
    id: 'P6',
    name: 'Lambda bundle size (minified)',
    value: bundleBytes / MB,
    unit: 'MB',
    target: '<= 1',
    pass: bundleBytes <= MB,
    details: { bytes: bundleBytes },
  });

  // as the function runs: NODE_OPTIONS as the stack sets it (which also drops the TypeScript loader)
  const env = {
    ...process.env,
    NODE_OPTIONS: '--enable-source-maps',
    TABLE_NAME: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const time = (code: string): number => {
    const t = performance.now();
    const run = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`P6 child failed: ${run.stderr}`);
    return performance.now() - t;
  };
  const bare =
    "require('@aws-sdk/client-dynamodb'); require('@aws-sdk/lib-dynamodb'); require('@aws-sdk/client-s3');";
  const ours = `require(${JSON.stringify(join(out, 'index.js'))});`;
  const runs = quick ? 5 : 15;
  const bareMs: number[] = [];
  const oursMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    bareMs.push(time(bare));
    oursMs.push(time(ours));
  }
  const ratio = median(oursMs) / median(bareMs);
  report({
    id: 'P6',
    name: 'module init time vs a bare import of the SDK clients (process start to loaded)',
    value: ratio,
    unit: 'x',
    target: '<= 1.3',
    pass: ratio <= 1.3,
    details: { bundleInitMs: round(median(oursMs)), bareSdkInitMs: round(median(bareMs)), runs },
  });
}
