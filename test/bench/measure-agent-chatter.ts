import { Readable } from 'node:stream';
import { isAgentCall as isRoutineAgentCall } from '../../lambda/core/access/agent-calls';
import { extractEvent } from '../../lambda/core/event';
import { extractPrincipal, instanceOfSession } from '../../lambda/core/identity';
import { buildItems, expiresAtFor, type TableItem } from '../../lambda/core/items';
import { processLogFile } from '../../lambda/core/pipeline';
import { recordHash } from '../../lambda/core/record-hash';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { MemoryStore } from '../helpers/writer';
import { DAY_MS } from './agent-chatter-calls';
import {
  type ChatterOptions,
  type CloudTrailRecord,
  deliveryFiles,
  generateAgentChatter,
} from './generate-agent-chatter';
import { json, quick, report, round } from './measure-common';
import { ORIGINAL_INDEX_KINDS, writeUnits } from './write-units';

/**
 * The table's write units per instance-day of a fleet's background chatter made with instance
 * credentials (issue 12, decision 1), two ways:
 *
 * - **after**: what the pipeline keeps. The records go through the real pure pipeline
 *   (`processLogFile`, preselection on, default settings, one delivery file per five minutes), so the
 *   decision "kept?" is the product's own, routine agent calls included;
 * - **before**: the switch `keepAllInstanceCalls`: every call made with an instance's credentials is
 *   kept. The calls the pipeline did not keep are turned into items by the same functions the
 *   pipeline's classification uses (`extractEvent`, `buildItems`, with the record's hash and TTL).
 *
 * Write units are DynamoDB's (`write-units.ts`); each side is also counted with the four indexes
 * trailwatch had before issue 12 only (`ORIGINAL_INDEX_KINDS`).
 */

const NOT_EVENT_COST: ReadonlySet<string> = new Set(['finding', 'file', 'conflict']);

export interface Indexed {
  /** Indexed events (each has one event item). */
  readonly events: number;
  /** Their event and index items. */
  readonly items: TableItem[];
}

/** The instance whose own credentials made a record's call, if any. */
function callerInstance(record: CloudTrailRecord): string | undefined {
  return instanceOfSession(extractPrincipal(record.userIdentity));
}

const BUCKET = 's3://trailwatch-logs-123456789012-us-east-1';

/** Indexes the records as the pipeline does; `keepAllInstanceCalls` is "before" (see above). */
export async function indexChatter(
  records: readonly CloudTrailRecord[],
  options: { readonly keepAllInstanceCalls: boolean; readonly day?: number },
): Promise<Indexed> {
  const store = new MemoryStore();
  const seen = new Map<string, string>();
  // a fixed clock: the items' TTL, and so their size, do not depend on when the bench runs
  const nowMs = (options.day ?? Date.UTC(2025, 2, 1)) + DAY_MS;
  let events = 0;
  const files = deliveryFiles(records);
  for (const file of files) {
    const ctx = { source: `${BUCKET}/${file.key}`, settings: DEFAULT_SETTINGS, seen, now: () => nowMs };
    const stats = await processLogFile(Readable.from([file.body]), ctx, store);
    if (stats.status === 'failed' || stats.rejected > 0)
      throw new Error(`${ctx.source} not indexed cleanly: ${stats.error?.message ?? 'rejected records'}`);
    events += stats.indexed;
  }
  // what indexing events costs: not findings, file markers or conflicts (the chatter makes none)
  const items = [...store.items.values()].filter((i) => !NOT_EVENT_COST.has(i.kind));
  if (!options.keepAllInstanceCalls) return { events, items };

  const kept = new Set(items.filter((i) => i.kind === 'event').map((i) => i.pk));
  const expiresAt = expiresAtFor(nowMs, DEFAULT_SETTINGS.retentionDays);
  for (const file of files) {
    for (const record of file.records) {
      if (kept.has(`EVENT#${String(record.eventID)}`) || callerInstance(record) === undefined) continue;
      const extraction = extractEvent(record, JSON.stringify(record), `${BUCKET}/${file.key}`);
      if (!extraction.ok) throw new Error(`agent chatter record not extractable: ${extraction.reason}`);
      const hash = recordHash(record);
      const ttl = expiresAt === undefined ? {} : { expiresAt };
      items.push(...buildItems(extraction.event, extraction.timeMs, { ...ttl, recordHash: hash }));
      events++;
    }
  }
  return { events, items };
}

export interface ChatterSide {
  readonly eventsPerInstanceDay: number;
  readonly itemsPerInstanceDay: number;
  readonly writeUnitsPerInstanceDay: number;
  /** With the four original indexes only (`ORIGINAL_INDEX_KINDS`). */
  readonly writeUnitsPerInstanceDayOriginalIndexes: number;
}

export interface ChatterMeasurement {
  readonly instances: number;
  readonly recordsPerInstanceDay: number;
  /** Records of routine agent calls (by the list of `agent-calls`), per instance-day. */
  readonly routinePerInstanceDay: number;
  readonly before: ChatterSide;
  readonly after: ChatterSide;
  /** Routine agent calls the pipeline kept ("after"): none when the list and the pipeline agree. */
  readonly routineKept: number;
  /** Calls not on the routine list that the pipeline did not keep. */
  readonly otherNotKept: number;
}

function side(indexed: Indexed, instances: number): ChatterSide {
  const per = (n: number): number => n / instances;
  return {
    eventsPerInstanceDay: per(indexed.events),
    itemsPerInstanceDay: per(indexed.items.length),
    writeUnitsPerInstanceDay: per(writeUnits(indexed.items)),
    writeUnitsPerInstanceDayOriginalIndexes: per(writeUnits(indexed.items, ORIGINAL_INDEX_KINDS)),
  };
}

const routine = (r: CloudTrailRecord): boolean =>
  isRoutineAgentCall(String(r.eventSource), String(r.eventName));

/** Generates one instance-day of chatter and measures it before and after. */
export async function measureAgentChatter(options: ChatterOptions): Promise<ChatterMeasurement> {
  const records = generateAgentChatter(options);
  const day = options.day === undefined ? {} : { day: options.day };
  const before = await indexChatter(records, { keepAllInstanceCalls: true, ...day });
  const after = await indexChatter(records, { keepAllInstanceCalls: false, ...day });
  const kept = new Set(after.items.filter((i) => i.kind === 'event').map((i) => i.pk));
  const isKept = (r: CloudTrailRecord): boolean => kept.has(`EVENT#${String(r.eventID)}`);
  const n = options.instances;
  return {
    instances: n,
    recordsPerInstanceDay: records.length / n,
    routinePerInstanceDay: records.filter(routine).length / n,
    before: side(before, n),
    after: side(after, n),
    routineKept: records.filter((r) => routine(r) && isKept(r)).length,
    otherNotKept: records.filter((r) => !routine(r) && !isKept(r)).length,
  };
}

/** The trails the measurement is run for: what a trail logs changes what the chatter is. */
export const SCENARIOS: readonly { name: string; options: Omit<ChatterOptions, 'instances'> }[] = [
  { name: 'management events, a quarter of the agents polling ec2messages', options: {} },
  { name: 'management events only, no ec2messages calls logged', options: { legacyPollingShare: 0 } },
  {
    name: 'management and data events (SSM control channels, S3 objects), ec2messages as above',
    options: { dataEvents: true },
  },
];

/** P4 lines of the bench: the first scenario (the others in the details and the standalone run). */
export async function p4AgentChatter(): Promise<void> {
  const instances = quick ? 4 : 40;
  const m = await measureAgentChatter({ instances, ...SCENARIOS[0]?.options });
  const details = {
    scenario: SCENARIOS[0]?.name,
    instances,
    recordsPerInstanceDay: round(m.recordsPerInstanceDay),
    routinePerInstanceDay: round(m.routinePerInstanceDay),
    before: roundSide(m.before),
    after: roundSide(m.after),
    afterOverBefore: round(m.after.writeUnitsPerInstanceDay / m.before.writeUnitsPerInstanceDay),
    routineKept: m.routineKept,
    otherNotKept: m.otherNotKept,
  };
  for (const [label, s] of [
    ['before (every call made with instance credentials kept)', m.before],
    ['after (the routine agent calls not kept)', m.after],
  ] as const)
    report({
      id: 'P4',
      name: `write units per instance-day of agent chatter, ${label}`,
      value: s.writeUnitsPerInstanceDay,
      unit: 'WCU',
      target: 'reported',
      pass: true,
      details,
    });
}

function roundSide(s: ChatterSide): Record<string, number> {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]));
}

/** `tsx test/bench/measure-agent-chatter.ts [--instances N] [--seed S]`: every scenario, printed. */
async function main(): Promise<void> {
  const arg = (name: string, fallback: number): number => {
    const i = process.argv.indexOf(name);
    return i < 0 ? fallback : Number(process.argv[i + 1]);
  };
  const instances = arg('--instances', quick ? 4 : 40);
  const seed = arg('--seed', 12);
  for (const scenario of SCENARIOS) {
    const m = await measureAgentChatter({ instances, seed, ...scenario.options });
    if (json) {
      console.log(JSON.stringify({ scenario: scenario.name, ...m }));
      continue;
    }
    const f = (n: number): string => round(n).toLocaleString('en-US');
    console.log(`${scenario.name}:`);
    console.log(`  instances ${instances}`);
    console.log(
      `  records per instance-day ${f(m.recordsPerInstanceDay)} (routine agent calls ${f(m.routinePerInstanceDay)})`,
    );
    for (const [k, label] of [
      ['eventsPerInstanceDay', 'indexed events per instance-day'],
      ['itemsPerInstanceDay', 'items per instance-day'],
      ['writeUnitsPerInstanceDay', 'write units per instance-day'],
      ['writeUnitsPerInstanceDayOriginalIndexes', 'write units per instance-day, four original indexes'],
    ] as const)
      console.log(`  ${label}: before ${f(m.before[k])}, after ${f(m.after[k])}`);
    const ratio = m.before.writeUnitsPerInstanceDay / m.after.writeUnitsPerInstanceDay;
    console.log(`  before/after write units: ${Number.isFinite(ratio) ? `${f(ratio)}x` : 'after is 0'}`);
    console.log(
      `  routine calls kept after: ${m.routineKept}; other calls not kept after: ${m.otherNotKept}`,
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  });
}
