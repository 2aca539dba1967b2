import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { p4AgentChatter } from './measure-agent-chatter';
import { CACHE, json, quick, results, round, wanted } from './measure-common';
import { p4, p6 } from './measure-corpus';
import { p7 } from './measure-end-to-end';
import { p8 } from './measure-rules-cost';
import { p9 } from './measure-startup';
import { p3 } from './measure-store';
import { p1, p2 } from './measure-throughput';

/* ------------------------------------------------------------------ main */

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  if (!json)
    console.error(`trailwatch bench${quick ? ' (quick)' : ''}: ratios measured side by side in this run`);
  if (wanted('P1')) await p1();
  if (wanted('P2')) await p2();
  if (wanted('P3')) await p3();
  if (wanted('P4')) {
    await p4();
    await p4AgentChatter();
  }
  if (wanted('P6')) p6();
  if (wanted('P7')) await p7();
  if (wanted('P8')) await p8();
  if (wanted('P9')) await p9();
  if (!json) {
    const rows = results.map((r) => [
      r.id,
      r.name,
      `${round(r.value)} ${r.unit}`,
      r.target,
      r.pass ? 'PASS' : 'FAIL',
    ]);
    const widths = [0, 1, 2, 3, 4].map((c) =>
      Math.max(
        ...[['id', 'measurement', 'value', 'target', 'result'], ...rows].map((r) => String(r[c]).length),
      ),
    );
    const line = (r: (string | number)[]): string =>
      r
        .map((v, c) => String(v).padEnd(widths[c] as number))
        .join('  ')
        .trimEnd();
    console.log(line(['id', 'measurement', 'value', 'target', 'result']));
    for (const r of rows) console.log(line(r));
  }
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'last-run.json'), `${JSON.stringify(results, null, 2)}\n`);
  // --quick is a smoke run of the machinery on small files: its numbers are reported, not judged
  process.exitCode = quick || results.every((r) => r.pass) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 2;
});
