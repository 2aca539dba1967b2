import {
  EVENT_COLUMNS,
  FINDING_COLUMNS,
  KEY_PUSH_COLUMNS,
  printList,
  renderTable,
  tableWidth,
} from '../../bin/cli/output';
import { type Column, fitTable, listCell, wrapText } from '../../bin/cli/table';
import { textWidth } from '../../bin/cli/text-width';
import type { IndexedEvent } from '../../lambda/core/event';
import { extractEvent } from '../../lambda/core/event';
import type { FindingLine } from '../../lambda/core/findings';
import { principalName } from '../../lambda/core/identity';
import { type FixtureRecord, stratusRecords } from '../helpers/fixture-records';
import { recordingIo } from '../helpers/io';

/** The SSH key pushes of two real Stratus detonations: an IAM user's and an Identity Center session's. */
const records: FixtureRecord[] = [
  ...stratusRecords('aws.lateral-movement.ec2-serial-console-send-ssh-public-key.json'),
  ...stratusRecords('aws.lateral-movement.ec2-instance-connect.json'),
].filter((r) => /SSHPublicKey$/.test(r.eventName));

const events: IndexedEvent[] = records.map((r) => {
  const e = extractEvent(r, JSON.stringify(r));
  if (!e.ok) throw new Error(e.reason);
  return { ...e.event, findings: ['ssh-key-multi-instance', 'ssh-key-multi-principal'] };
});

const findings: FindingLine[] = events.map((e) => ({
  rule: 'ssh-key-multi-principal',
  severity: 'medium',
  attack: 'T1098.004',
  eventID: e.eventID,
  eventTime: e.eventTime,
  instanceId: e.instanceIds[0] ?? null,
  principalArn: principalName(e.principal),
  fingerprint: e.ssh?.fingerprint ?? null,
  detail: `key pushed by 2 principals: ${principalName(e.principal)}, arn:aws:iam::572910899909:user/christophe`,
}));

const EMAIL = 'randomca0L529zwNAY@gmail.com';
const SSO_LABEL = `${EMAIL} (AWSReservedSSO_account-admin_599c9e90e350d2ff)`;
const FINGERPRINT = 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8';

/** What must never be shown cut: the instance IDs, event IDs and fingerprints of the rows. */
const WHOLE = [
  ...events.flatMap((e) => [...e.instanceIds, e.eventID]),
  ...events.map((e) => e.ssh?.fingerprint ?? ''),
].filter((v) => v !== '');

/** Each ID-like token of `table` (instance IDs, event IDs, fingerprints) is one of `WHOLE`, entire. */
function idsIntact(table: string): void {
  const tokens = table.match(/\bi-[0-9a-z]+\S*|\b[0-9a-f]{8}-[0-9a-f-]+\S*|SHA256:\S*/gi) ?? [];
  for (const t of tokens) expect(WHOLE).toContain(t.replace(/,$/, ''));
}

describe('tables fitted to the terminal', () => {
  it('fits every width from 40 to 250 columns, never cutting an instance ID, event ID or fingerprint', () => {
    expect(events).toHaveLength(6);
    for (const [columns, rows] of [
      [KEY_PUSH_COLUMNS, events],
      [EVENT_COLUMNS, events],
      [FINDING_COLUMNS, findings],
    ] as const) {
      for (let width = 40; width <= 250; width += 7) {
        const table = renderTable(rows as never[], columns as readonly Column<never>[], { width });
        for (const line of table.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(width);
        idsIntact(table);
      }
    }
  });

  it('in 80 columns: the time, who and which instance first; the session name of an Identity Center user whole', () => {
    const table = renderTable(events, KEY_PUSH_COLUMNS, { width: 80 });
    const [header, ...rows] = table.split('\n');
    expect(header).toMatch(/^TIME\s+USER\s+INSTANCE\b/);
    expect(rows).toHaveLength(6);
    rows.forEach((row, i) => {
      expect(row.length).toBeLessThanOrEqual(80);
      expect(row).toContain(events[i]?.instanceIds[0]);
    });
    expect(rows.filter((r) => r.includes(EMAIL))).toHaveLength(3);
    expect(table).not.toContain(`${EMAIL.slice(0, 20)}…`);
  });

  it('piped (no width): every value in full, the Identity Center role and session complete, nothing cut', () => {
    const table = renderTable(events, KEY_PUSH_COLUMNS);
    expect(table).not.toContain('…');
    expect(table.split('\n').filter((l) => l.includes(SSO_LABEL))).toHaveLength(3);
    for (const e of events) expect(table).toContain(e.eventID);
    const findingTable = renderTable(findings, FINDING_COLUMNS);
    expect(findingTable).toContain(FINGERPRINT);
    expect(findingTable).not.toContain('…');
  });

  it('--wide: in full whatever the width, principals as their ARN', () => {
    const table = renderTable(events, KEY_PUSH_COLUMNS, { width: 80, wide: true });
    expect(table).not.toContain('…');
    expect(table.split('\n')[0]).toMatch(
      /^TIME\s+EVENT\s+USER\s+INSTANCE\s+OS USER\s+KEY\s+SOURCE IP\s+ERROR\s+FINDINGS\s+EVENT ID$/,
    );
    expect(table).toContain(
      'arn:aws:sts::844015365555:assumed-role/AWSReservedSSOrandoml3I7nL6f7BmB@gmail.com',
    );
    expect(table).toContain('arn:aws:iam::572910899909:user/christophe');
    expect(table).not.toContain(SSO_LABEL);
  });

  it('counts wide characters as two columns', () => {
    const wide = events.map((e) => ({ ...e, eventName: '攻撃者のイベント名'.repeat(4) }));
    for (const width of [60, 80, 120]) {
      const table = renderTable(wide, EVENT_COLUMNS, { width });
      for (const line of table.split('\n')) expect(textWidth(line)).toBeLessThanOrEqual(width);
    }
    expect(textWidth('攻撃')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
  });
});

describe('how a table gives way', () => {
  const col = (header: string, priority: number, extra: object = {}) => ({ header, priority, ...extra });
  const cells = (...texts: string[]) => texts.map((text) => ({ text }));

  it('narrows the least useful column first, down to its minimum', () => {
    const columns = [col('A', 3, { min: 5 }), col('B', 1, { min: 5 }), col('C', 2, { min: 5 })];
    const row = cells('a'.repeat(10), 'b'.repeat(10), 'c'.repeat(10));
    // 34 natural; 30 wide: B gives 4
    expect(fitTable(columns, [row], 30).lines[1]).toBe(`${'a'.repeat(10)}  bbbbb…  ${'c'.repeat(10)}`);
    // 24: B down to its minimum (5), then C
    expect(fitTable(columns, [row], 24).lines[1]).toBe(`${'a'.repeat(10)}  bbbb…  cccc…`);
  });

  it('leaves out the least useful columns when the others do not fit at their minimum, and says which', () => {
    const columns = [col('ID', 1, { keep: true }), col('NAME', 3, { min: 6 }), col('NOTE', 2, { min: 6 })];
    const row = cells('i-0123456789abcdef0', 'n'.repeat(12), 'x'.repeat(12));
    const fitted = fitTable(columns, [row], 20);
    expect(fitted.dropped).toEqual(['ID']);
    expect(fitted.lines[1]).toBe(`${'n'.repeat(12)}  xxxxx…`);
  });

  it('never cuts a keep column, and takes the shorter forms of a list before leaving it out', () => {
    const ids = listCell(['i-0123456789abcdef0', 'vol-0123456789abcdef0', 'sg-0123456789abcdef0'], 5);
    expect(ids.text).toBe('i-0123456789abcdef0,vol-0123456789abcdef0,sg-0123456789abcdef0 +2');
    expect(ids.shorter).toEqual(['i-0123456789abcdef0,vol-0123456789abcdef0 +3', 'i-0123456789abcdef0 +4']);
    const columns = [col('TARGETS', 2, { keep: true })];
    expect(fitTable(columns, [[ids]], 50).lines[1]).toBe('i-0123456789abcdef0,vol-0123456789abcdef0 +3');
    expect(fitTable(columns, [[ids]], 30).lines[1]).toBe('i-0123456789abcdef0 +4');
    // narrower than its shortest form: shown whole anyway (the only column is never left out)
    expect(fitTable(columns, [[ids]], 10).lines[1]).toBe('i-0123456789abcdef0 +4');
  });

  it('leaves out a column with nothing to say (every cell -) rather than cut one that has', () => {
    const columns = [col('EVENT', 9, { min: 10 }), col('ERROR', 5), col('ID', 1, { keep: true })];
    const rows = [cells('TerminateInstances', '-', 'e1'), cells('ModifyInstanceAttribute', '-', 'e2')];
    // 23 + 5 + 2 and two gaps: 34; in 30, ERROR goes, though ID is less useful
    const fitted = fitTable(columns, rows, 30);
    expect(fitted.dropped).toEqual(['ERROR']);
    expect(fitted.lines).toEqual([
      'EVENT                    ID',
      'TerminateInstances       e1',
      'ModifyInstanceAttribute  e2',
    ]);
  });

  it('brings back a column left out when the room left by narrower forms fits it', () => {
    const columns = [
      col('TIME', 9, { keep: true }),
      col('WHO', 8, { min: 6 }),
      col('BIG', 5, { keep: true }),
      col('E', 1, { keep: true }),
    ];
    const row = [
      { text: '2024-11-26T15:35:23Z' },
      { text: 'alice@example.com (AdministratorAccess)', shorter: ['alice@example.com'] },
      { text: 'b'.repeat(30) },
      { text: '-' },
    ];
    const fitted = fitTable(columns, [row], 50);
    expect(fitted.dropped).toEqual(['BIG']);
    expect(fitted.lines[1]).toBe('2024-11-26T15:35:23Z  alice@example.com  -');
  });
});

describe('the width tables fit', () => {
  it('is the terminal width when stdout is one, else COLUMNS, else none (piped: full values)', () => {
    expect(tableWidth({ terminalColumns: 80, env: { COLUMNS: '200' } })).toBe(80);
    expect(tableWidth({ env: { COLUMNS: '132' } })).toBe(132);
    expect(tableWidth({ env: {} })).toBeUndefined();
    for (const bad of ['', '0', '-5', 'wide', '80x'])
      expect(tableWidth({ env: { COLUMNS: bad } })).toBeUndefined();
  });

  it('a listing in 80 columns: every line fits, and the note names the columns left out and --wide', () => {
    const { io, out } = recordingIo({ env: { COLUMNS: '80' } });
    printList(io, events, true, { json: false, noun: 'events', columns: KEY_PUSH_COLUMNS, none: 'none' });
    const text = out.join('\n');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(text.replace(/\n/g, ' ')).toMatch(
      /Fitted to 80 columns, without [A-Z ,]*EVENT ID: --wide shows every column in full\./,
    );
    const piped = recordingIo({ env: {} });
    printList(piped.io, events, false, {
      json: false,
      noun: 'events',
      columns: KEY_PUSH_COLUMNS,
      none: 'none',
    });
    expect(piped.out.join('\n')).not.toMatch(/Fitted/);
  });

  it('wraps notes at spaces', () => {
    expect(wrapText('one two three four', 9)).toBe('one two\nthree\nfour');
    expect(wrapText('a-very-long-word b', 5)).toBe('a-very-long-word\nb');
    expect(wrapText('as is', undefined)).toBe('as is');
  });
});
