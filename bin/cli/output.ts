import type { AccessPath } from '../../lambda/core/access/paths';
import type { EventConflict } from '../../lambda/core/conflicts';
import type { IndexedEvent } from '../../lambda/core/event';
import type { FindingLine } from '../../lambda/core/findings';
import { principalLabel, principalName } from '../../lambda/core/identity';
import { RULES } from '../../lambda/core/rules';
import type { Io } from './io';

/**
 * Everything printed comes from log records, i.e. from whoever made the API calls. Nothing reaches
 * the terminal raw: tables strip escape sequences and control characters; JSON escapes them.
 */

// ESC sequences (CSI, OSC, two-byte), C0/C1 controls, DEL, and bidirectional overrides (Trojan Source).
// (biome.json lets this file match control characters in regular expressions: that is the point.)
const TERMINAL_ESCAPES =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-_]?|\u009b[0-?]*[ -/]*[@-~]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** Text safe to print on a terminal: escape sequences removed, other control characters as spaces. */
export function clean(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return s.replace(TERMINAL_ESCAPES, '').replace(CONTROL, ' ');
}

/**
 * JSON text (one NDJSON line, or indented with `indent`); the characters JSON.stringify leaves raw but
 * terminals act on (C1 controls, line separators, bidi overrides) are escaped too.
 */
export function jsonLine(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g,
    (c) => {
      return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
    },
  );
}

function fitCell(s: string, width: number): string {
  if (s.length <= width) return s.padEnd(width);
  return `${s.slice(0, Math.max(0, width - 1))}…`;
}

export interface Column<T> {
  readonly header: string;
  readonly max: number;
  readonly value: (row: T) => string;
}

/** A plain table: columns sized to their content up to `max`, cells cleaned and cut with `…`. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => clean(c.value(r))));
  const widths = columns.map((c, i) =>
    Math.min(c.max, Math.max(c.header.length, ...cells.map((r) => (r[i] ?? '').length))),
  );
  const line = (values: string[]): string =>
    values
      .map((v, i) => fitCell(v, widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/** Rows newest first: NDJSON lines with `--json`, else a table with a count line (or `none`). */
export function printList<T>(
  io: Io,
  rows: readonly T[],
  more: boolean,
  how: { json: boolean; noun: string; columns: readonly Column<T>[]; none: string },
): void {
  if (how.json) {
    for (const row of rows) io.out(jsonLine(row));
    if (more)
      io.err(
        `trailwatch: more than ${rows.length} ${how.noun}; narrow with --since/--until or raise --limit`,
      );
    return;
  }
  if (rows.length === 0) {
    io.out(how.none);
    return;
  }
  io.out(renderTable(rows, how.columns));
  io.out(
    more
      ? `\nShowing the newest ${rows.length} ${how.noun}; narrow with --since/--until or raise --limit for more.`
      : `\n${rows.length} ${how.noun.replace(/s$/, '(s)')}, newest first.`,
  );
}

function targets(e: IndexedEvent & { instanceCount?: number; resourceCount?: number }): string {
  const ids = [...e.instanceIds, ...e.resourceIds];
  const total = (e.instanceCount ?? e.instanceIds.length) + (e.resourceCount ?? e.resourceIds.length);
  const shown = ids.slice(0, 2).join(',');
  return total > 2 ? `${shown} +${total - 2}` : shown || '-';
}

/** Columns every event table has. */
const EVENT_TIME: Column<IndexedEvent> = { header: 'TIME', max: 24, value: (e) => e.eventTime };
const EVENT_USER: Column<IndexedEvent> = {
  header: 'USER',
  max: 40,
  value: (e) => principalLabel(e.principal),
};
const EVENT_SOURCE_IP: Column<IndexedEvent> = {
  header: 'SOURCE IP',
  max: 20,
  value: (e) => e.sourceIPAddress ?? '-',
};
const EVENT_FINDINGS: Column<IndexedEvent> = {
  header: 'FINDINGS',
  max: 60,
  value: (e) => (e.findings.length ? e.findings.join(',') : '-'),
};

/** How the event reached an instance (CONTRACT "Instance access"), `-` when it did not. */
const EVENT_METHOD: Column<IndexedEvent> = {
  header: 'METHOD',
  max: 25,
  value: (e) => e.access?.method ?? '-',
};

export const EVENT_COLUMNS: readonly Column<IndexedEvent>[] = [
  EVENT_TIME,
  { header: 'EVENT', max: 34, value: (e) => e.eventName },
  EVENT_METHOD,
  EVENT_USER,
  { header: 'TARGETS', max: 44, value: targets },
  EVENT_SOURCE_IP,
  { header: 'ERROR', max: 28, value: (e) => e.errorCode ?? '-' },
  EVENT_FINDINGS,
];

/** The columns of `query key`: who pushed the key, where, as which OS user. */
export const KEY_PUSH_COLUMNS: readonly Column<IndexedEvent>[] = [
  EVENT_TIME,
  { header: 'EVENT', max: 30, value: (e) => e.eventName },
  EVENT_USER,
  { header: 'INSTANCE', max: 20, value: (e) => e.instanceIds[0] ?? '-' },
  {
    header: 'OS USER',
    max: 16,
    value: (e) => e.ssh?.osUser ?? (e.ssh?.serialPort !== undefined ? `serial:${e.ssh.serialPort}` : '-'),
  },
  {
    header: 'KEY',
    max: 20,
    value: (e) => (e.ssh?.keyType ? `${e.ssh.keyType} ${e.ssh.keyBits ?? ''}`.trim() : '-'),
  },
  EVENT_SOURCE_IP,
  { header: 'ERROR', max: 24, value: (e) => e.errorCode ?? '-' },
  EVENT_FINDINGS,
];

/** The finding's first instance, and how many more the event names. */
function findingInstances(f: FindingLine): string {
  const more = Array.isArray(f.instanceIds) ? f.instanceIds.length - 1 : 0;
  return f.instanceId ? `${f.instanceId}${more > 0 ? ` +${more}` : ''}` : '-';
}

/** The longest rule ID, so that every one prints whole (it is what `--rule` takes). */
const RULE_WIDTH = Math.max('RULE'.length, ...RULES.map((r) => r.id.length));

/** The columns of `trailwatch findings`. */
export const FINDING_COLUMNS: readonly Column<FindingLine>[] = [
  { header: 'TIME', max: 24, value: (f) => f.eventTime ?? '-' },
  { header: 'SEVERITY', max: 8, value: (f) => f.severity ?? '-' },
  { header: 'RULE', max: RULE_WIDTH, value: (f) => f.rule },
  { header: 'ATTACK', max: 12, value: (f) => f.attack ?? '-' },
  { header: 'INSTANCE', max: 24, value: findingInstances },
  { header: 'PRINCIPAL', max: 50, value: (f) => f.principalArn ?? '-' },
  { header: 'KEY', max: 20, value: (f) => (f.fingerprint ? `${f.fingerprint.slice(0, 18)}…` : '-') },
  { header: 'DETAIL', max: 80, value: (f) => f.detail ?? '-' },
];

/** The columns of `trailwatch access`. */
export const ACCESS_COLUMNS: readonly Column<AccessPath>[] = [
  { header: 'TIME', max: 24, value: (a) => a.eventTime },
  { header: 'METHOD', max: 25, value: (a) => a.method },
  { header: 'PRINCIPAL', max: 40, value: (a) => principalLabel(a.principal) },
  { header: 'SOURCE IP', max: 20, value: (a) => a.sourceIPAddress ?? '-' },
  { header: 'OUTCOME', max: 28, value: (a) => a.outcome },
  { header: 'DETAIL', max: 70, value: (a) => a.detail },
  { header: 'SESSION END', max: 24, value: (a) => a.sessionEnd ?? '-' },
];

/** The access lines of `trailwatch event`: how the event reached an instance, the session, the caller. */
function accessRows(e: IndexedEvent): [string, string | undefined][] {
  const a = e.access;
  const addresses = e.privateAddresses ?? [];
  const shown = addresses.slice(0, 5).map(([id, ip]) => `${id} ${ip}`);
  if (addresses.length > 5) shown.push(`+${addresses.length - 5} more`);
  return [
    ['Access', a ? `${a.method}: ${a.detail}` : undefined],
    ['Targets', a?.targets],
    ['SSM session', e.sessionId],
    ['Made by', e.actorInstanceId ? `the role credentials of instance ${e.actorInstanceId}` : undefined],
    ['Key pairs', e.keyNames?.join(', ')],
    ['Private IPs', shown.join(', ') || undefined],
  ];
}

/** The findings rows of `trailwatch event`: a row per finding, its rule, severity, technique, detail. */
function findingRows(e: IndexedEvent, findings?: readonly FindingLine[]): [string, string][] {
  if (e.findings.length === 0) return [['Findings', 'none']];
  if (!findings) return [['Findings', e.findings.join(', ')]];
  return findings.map((f, i) => [
    i === 0 ? 'Findings' : '',
    `${f.rule} (${f.severity ?? 'severity unknown'}, ATT&CK ${f.attack ?? 'unknown'})` +
      (f.detail !== null ? `: ${f.detail}` : ': (finding not found: expired, or being recorded)'),
  ]);
}

/**
 * `label: value` lines for one event (`trailwatch event`); with `findings`, the finding lines of its
 * rules (a row each), else the rule IDs on one row.
 */
export function renderEventDetails(e: IndexedEvent, findings?: readonly FindingLine[]): string {
  const p = e.principal;
  const rows: [string, string | undefined][] = [
    ['Event ID', e.eventID],
    ['Time', e.eventTime],
    ['Event', `${e.eventSource} ${e.eventName}${e.eventType ? ` (${e.eventType})` : ''}`],
    ['Region', e.awsRegion],
    ['Account', e.accountId],
    ['Read-only', e.readOnly ? 'yes' : 'no'],
    ['Error', e.errorCode ? `${e.errorCode}${e.errorMessage ? `: ${e.errorMessage}` : ''}` : undefined],
    ['Principal', `${principalName(p)}${p.type ? ` (${p.type})` : ''}`],
    ['Access key', p.accessKeyId],
    ['Session of', p.sessionIssuerArn],
    ['Invoked by', p.invokedBy],
    ['Source IP', e.sourceIPAddress],
    ['User agent', e.userAgent],
    ['Instances', e.instanceIds.join(', ') || undefined],
    ['Resources', e.resourceIds.join(', ') || undefined],
    ['IDs', e.idsTruncated ? 'more IDs were referenced than are kept' : undefined],
    ...accessRows(e),
  ];
  if (e.ssh) {
    const s = e.ssh;
    rows.push(
      [
        'SSH key',
        s.fingerprint
          ? `${s.fingerprint} ${s.keyType ?? ''} ${s.keyBits ?? ''}`.trim()
          : '(not in the record)',
      ],
      ['Key problem', s.keyError],
      ['Key comment', s.keyComment],
      ['OS user', s.osUser],
      ['Serial port', s.serialPort === undefined ? undefined : String(s.serialPort)],
    );
  }
  rows.push(...findingRows(e, findings), ['Log file', e.source]);
  return rows
    .filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '')
    .map(([k, v]) => `${(k ? `${k}:` : '').padEnd(13)}${clean(v)}`)
    .join('\n');
}

/**
 * The records that reused an event's eventID with other content (`trailwatch event`): what each
 * claims, and the file that holds it. They are not indexed; the event above is the first record.
 */
export function renderConflicts(conflicts: readonly EventConflict[], more: boolean): string {
  if (conflicts.length === 0) return '';
  const lines = [
    `${'Conflicts:'.padEnd(13)}${conflicts.length}${more ? '+' : ''} other record(s) reuse this eventID with other content (forged or corrupt copies, not indexed):`,
  ];
  for (const c of conflicts) {
    lines.push(
      `  ${clean(c.detectedAt)}  ${clean(c.source ?? '(unknown file)')}`,
      `    claims ${clean(c.eventName)} at ${clean(c.eventTime)} by ${clean(c.principalArn)}` +
        `${c.sourceIPAddress ? ` from ${clean(c.sourceIPAddress)}` : ''}${c.errorCode ? ` (${clean(c.errorCode)})` : ''}; record hash ${clean(c.recordHash)}`,
    );
  }
  return lines.join('\n');
}

/** A record pretty-printed for a terminal, every control character escaped. */
export function renderRecord(record: unknown): string {
  return jsonLine(record, 2);
}
