import type { EventConflict } from '../../lambda/core/conflicts';
import type { IndexedEvent } from '../../lambda/core/event';
import type { FindingLine } from '../../lambda/core/findings';
import { principalName } from '../../lambda/core/identity';
import type { Io } from './io';
import { type Cell, type Column, type FittedTable, fitTable, wrapText } from './table';

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

export { ACCESS_COLUMNS, EVENT_COLUMNS, FINDING_COLUMNS, KEY_PUSH_COLUMNS } from './columns';
export type { Column } from './table';

export interface TableOptions {
  /** The terminal's width (`tableWidth`); undefined: every cell in full. */
  readonly width?: number | undefined;
  /** `--wide`: every cell in full, principals as their ARN, whatever the width. */
  readonly wide?: boolean;
}

/**
 * The width tables are fitted to: the terminal's when stdout is one, else `COLUMNS` when set (a
 * whole number above 0); undefined when stdout is a pipe or a file and COLUMNS is unset: cells in
 * full, for pasting and grepping.
 */
export function tableWidth(io: Pick<Io, 'terminalColumns' | 'env'>): number | undefined {
  if (io.terminalColumns !== undefined && io.terminalColumns > 0) return io.terminalColumns;
  const columns = io.env.COLUMNS?.trim();
  return columns && /^[1-9]\d{0,5}$/.test(columns) ? Number(columns) : undefined;
}

/** A table of `rows` fitted to `options.width` (table.ts), every cell cleaned for the terminal. */
export function layoutTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: TableOptions = {},
): FittedTable {
  const width = options.wide ? undefined : options.width;
  const cells = rows.map((r) =>
    columns.map((c): Cell => {
      if (options.wide) return { text: clean((c.wide ?? c.value)(r)) };
      const shorter = width !== undefined && c.shorter ? c.shorter(r).map(clean) : [];
      return { text: clean(c.value(r)), ...(shorter.length ? { shorter } : {}) };
    }),
  );
  return fitTable(columns, cells, width);
}

/** A plain table: the header line and a line per row, columns two spaces apart (`layoutTable`). */
export function renderTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: TableOptions = {},
): string {
  return layoutTable(rows, columns, options).lines.join('\n');
}

/**
 * Rows newest first: NDJSON lines with `--json`, else a table fitted to the terminal (`tableWidth`;
 * in full with `--wide`) and a count line (or `none`).
 */
export function printList<T>(
  io: Io,
  rows: readonly T[],
  more: boolean,
  how: { json: boolean; noun: string; columns: readonly Column<T>[]; none: string; wide?: boolean },
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
  const width = tableWidth(io);
  const table = layoutTable(rows, how.columns, { width, wide: how.wide === true });
  io.out(table.lines.join('\n'));
  const notes = [
    more
      ? `Showing the newest ${rows.length} ${how.noun}; narrow with --since/--until or raise --limit for more.`
      : `${rows.length} ${how.noun.replace(/s$/, '(s)')}, newest first.`,
  ];
  if (table.dropped.length > 0)
    notes.push(
      `Fitted to ${width} columns, without ${table.dropped.join(', ')}: --wide shows every column in full.`,
    );
  else if (table.shortened) notes.push(`Fitted to ${width} columns: --wide shows every value in full.`);
  io.out(`\n${notes.map((n) => wrapText(n, width)).join('\n')}`);
}

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
    // the session name when the ARN does not end with it (an anonymised or mangled ARN)
    ['Session', p.sessionName && !principalName(p).endsWith(`/${p.sessionName}`) ? p.sessionName : undefined],
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
