import fc from 'fast-check';
import { RULE_IDS } from '../../lambda/core/rules';
import { EVENT_COLUMNS, FINDING_COLUMNS } from '../../ui/lib/columns';
import { csvCell, exportName, toCsv, toNdjson } from '../../ui/lib/export';
import { formatTime, fromInputValue, principalLabel, principalRole, toInputValue } from '../../ui/lib/format';
import { buildLanes, OTHER_CALLS } from '../../ui/lib/lanes';
import { hrefFor, parseRoute, resourceHref } from '../../ui/lib/route';
import { RULES } from '../../ui/lib/rules';
import type { AccessLine, EventLine, FindingLine } from '../../ui/lib/types';

/** The pure parts of the page of `trailwatch ui` (ui/lib/): exports, routes, names, timeline lanes. */

const SSO =
  'arn:aws:sts::572910899909:assumed-role/AWSReservedSSO_AdministratorAccess_5a1b/alice@example.com';

function event(id: string, time: string, over: Partial<EventLine> = {}): EventLine {
  return {
    eventID: id,
    eventTime: time,
    eventSource: 'ec2.amazonaws.com',
    eventName: 'AttachVolume',
    principal: { type: 'IAMUser', arn: 'arn:aws:iam::572910899909:user/christophe', userName: 'christophe' },
    findings: [],
    ...over,
  };
}

describe('CSV export', () => {
  it.each([
    ['=HYPERLINK("http://x.example","click")', `"'=HYPERLINK(""http://x.example"",""click"")"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1:A2)', `"'@SUM(A1:A2)"`],
    ['\tcmd', `"'\tcmd"`],
    ['\rcmd', `"'\rcmd"`],
  ])('neutralises a cell a spreadsheet would read as a formula: %j', (text, cell) => {
    expect(csvCell(text)).toBe(cell);
  });

  it('quotes cells with commas, quotes or line breaks and leaves plain ones as they are', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('SendSSHPublicKey')).toBe('SendSSHPublicKey');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell("'@")).toBe(`"''@"`);
    expect(csvCell("it's")).toBe("it's");
    expect(csvCell(null)).toBe('');
    expect(csvCell(['i-1', 'vol-2'])).toBe('i-1; vol-2');
    expect(csvCell(false)).toBe('false');
  });

  it('never lets any text start a cell with a formula character, and reads back as the text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const cell = csvCell(text);
        expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        const inner = cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell;
        // a spreadsheet drops the first ' of a cell that begins with a formula character or another '
        expect(inner.replace(/^'(?=[=+\-@\t\r'])/, '')).toBe(text);
      }),
    );
  });

  it('writes a header and one CRLF-terminated line per row, principals by their ARN', () => {
    const csv = toCsv(
      [event('e-1', '2024-08-01T13:24:47Z', { findings: ['ssh-root-os-user'] })],
      EVENT_COLUMNS,
    );
    const [header, row, end] = csv.split('\r\n');
    expect(header?.split(',').slice(0, 4)).toEqual(['eventTime', 'eventName', 'eventSource', 'principal']);
    expect(row).toContain('arn:aws:iam::572910899909:user/christophe');
    expect(row).toContain('ssh-root-os-user');
    expect(end).toBe('');
  });

  it('exports a finding with its review', () => {
    const finding: FindingLine = {
      rule: 'ssh-key-multi-instance',
      severity: 'high',
      attack: 'T1021.004',
      eventID: 'e-1',
      eventTime: '2024-08-01T13:24:47Z',
      instanceId: 'i-9d2abff1798c34950',
      principalArn: null,
      fingerprint: null,
      detail: '=cmd|"/c calc"!A1',
      review: { note: 'ok', by: 'responder', at: '2026-01-01T00:00:00Z' },
    };
    const row = toCsv([finding], FINDING_COLUMNS).split('\r\n')[1] ?? '';
    expect(row).toContain(`"'=cmd|""/c calc""!A1"`);
    expect(row).toContain(',yes,ok,responder,');
  });

  it('writes NDJSON lines that parse back to the rows, and safe file names', () => {
    const rows = [{ a: 1 }, { b: 'x\ny' }];
    expect(
      toNdjson(rows)
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(rows);
    expect(exportName('key', 'SHA256:ab/+c=', 'csv')).toBe('trailwatch-key-SHA256_ab_c.csv');
    expect(exportName('instance', '../../etc/passwd', 'ndjson')).toMatch(
      /^trailwatch-instance-[\w.-]+\.ndjson$/,
    );
  });
});

describe('hash routes', () => {
  it('reads each page and its parameters', () => {
    expect(parseRoute('')).toMatchObject({ page: 'home' });
    expect(parseRoute('#/')).toMatchObject({ page: 'home' });
    expect(parseRoute('#/instance/i-9d2abff1798c34950?since=24h')).toMatchObject({
      page: 'instance',
      id: 'i-9d2abff1798c34950',
    });
    expect(parseRoute('#/instance/i-1?since=24h').params.get('since')).toBe('24h');
    expect(parseRoute('#/findings?rule=ssh-root-os-user&severity=high').params.get('severity')).toBe('high');
    expect(parseRoute('#/event/803d3bd8')).toMatchObject({ page: 'event', id: '803d3bd8' });
    expect(parseRoute('#/lookup/keypair/ops-laptop')).toMatchObject({
      page: 'lookup',
      kind: 'keypair',
      value: 'ops-laptop',
    });
    expect(parseRoute('#/lookup/nothing/x')).toMatchObject({ page: 'unknown' });
    expect(parseRoute('#/instance')).toMatchObject({ page: 'unknown' });
    expect(parseRoute('#/lookup/user/%E0%A4%A')).toMatchObject({ page: 'lookup', value: '%E0%A4%A' });
  });

  it('gives back any value it made an address of (fingerprints hold / and +, names anything)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('user', 'key', 'keypair', 'ip', 'resource') as fc.Arbitrary<'user'>,
        fc.string({ minLength: 1 }),
        (kind, value) => {
          expect(parseRoute(hrefFor(kind, value))).toMatchObject({ page: 'lookup', kind, value });
        },
      ),
    );
    expect(parseRoute(hrefFor('key', 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8/'))).toMatchObject({
      value: 'SHA256:xq6092IJhV+0W2wifL9mSmJHQoMb2h2KFNrpk4YEAW8/',
    });
  });

  it('sends instance IDs to the instance page and other IDs to their lookup', () => {
    expect(resourceHref('i-9d2abff1798c34950')).toBe('#/instance/i-9d2abff1798c34950');
    expect(resourceHref('vol-0a1b2c3d4e5f60718')).toBe('#/lookup/resource/vol-0a1b2c3d4e5f60718');
  });
});

describe('names and times', () => {
  it('names a principal by its most telling form', () => {
    expect(principalLabel({ type: 'AssumedRole', arn: SSO })).toBe('alice@example.com');
    expect(principalRole({ type: 'AssumedRole', arn: SSO })).toBe('AWSReservedSSO_AdministratorAccess_5a1b');
    expect(principalLabel({ arn: SSO })).toBe('alice@example.com');
    expect(principalLabel({ type: 'IAMUser', arn: 'arn:aws:iam::1:user/ops/bob' })).toBe('bob');
    expect(principalLabel({ type: 'Root', arn: 'arn:aws:iam::111122223333:root' })).toBe('root');
    expect(principalLabel({ type: 'AWSService', invokedBy: 'ec2.amazonaws.com' })).toBe('ec2.amazonaws.com');
    expect(principalLabel(undefined)).toBe('unknown');
    expect(principalRole({ type: 'IAMUser', arn: 'arn:aws:iam::1:user/bob' })).toBeUndefined();
  });

  it('shows times in UTC and reads the time fields as UTC', () => {
    expect(formatTime('2024-08-01T13:24:47Z')).toBe('2024-08-01 13:24:47');
    expect(formatTime('2024-08-01T13:24:47.123Z')).toBe('2024-08-01 13:24:47');
    expect(formatTime('not a time')).toBe('not a time');
    expect(toInputValue('2024-08-01T13:24:47Z')).toBe('2024-08-01T13:24:47');
    expect(toInputValue('24h')).toBe('');
    expect(fromInputValue('2024-08-01T13:24')).toBe('2024-08-01T13:24:00Z');
    expect(fromInputValue('2024-08-01T13:24:47')).toBe('2024-08-01T13:24:47Z');
    expect(fromInputValue('')).toBeUndefined();
  });
});

describe('findings filter', () => {
  it('offers every rule of the registry, no other (a list the bundle keeps without the rules code)', () => {
    expect([...RULES].sort()).toEqual([...RULE_IDS].sort());
  });
});

describe('timeline lanes', () => {
  const events = [
    event('e-3', '2024-08-01T14:02:10Z', {
      principal: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/bob' },
      errorCode: 'AccessDenied',
      access: { method: 'instance-connect' },
    }),
    event('e-1', '2024-08-01T13:08:12Z', {
      principal: { type: 'AssumedRole', arn: SSO },
      eventName: 'StartSession',
      access: { method: 'ssm-session' },
    }),
    event('e-2', '2024-08-01T13:24:47Z', {
      findings: ['ssh-key-multi-instance'],
      access: { method: 'instance-connect' },
    }),
    event('e-0', '2024-08-01T12:55:02Z', { principal: { type: 'AssumedRole', arn: SSO } }),
  ];
  const access: AccessLine[] = [
    {
      method: 'ssm-session',
      eventID: 'e-1',
      eventTime: '2024-08-01T13:08:12Z',
      instanceId: 'i-1',
      outcome: 'success',
      sessionEnd: '2024-08-01T13:19:55Z',
    },
  ];
  const findings = [{ rule: 'ssh-push-denied', eventID: 'e-3' }] as FindingLine[];

  it('puts one lane per principal in order of first appearance, marks in time order with their findings', () => {
    const { lanes, marks } = buildLanes(events, access, findings, 'principal');
    expect(lanes.map((l) => [l.label, l.count])).toEqual([
      ['alice@example.com', 2],
      ['christophe', 1],
      ['bob', 1],
    ]);
    expect(lanes[0]?.title).toBe(SSO);
    expect(marks.map((m) => m.id)).toEqual(['e-0', 'e-1', 'e-2', 'e-3']);
    expect(marks.find((m) => m.id === 'e-1')?.end).toBe('2024-08-01T13:19:55Z');
    expect(marks.find((m) => m.id === 'e-2')?.rules).toEqual(['ssh-key-multi-instance']);
    expect(marks.find((m) => m.id === 'e-3')).toMatchObject({ rules: ['ssh-push-denied'], failed: true });
  });

  it('puts one lane per access method, other calls apart', () => {
    const { lanes, marks } = buildLanes(events, access, findings, 'method');
    expect(lanes.map((l) => [l.label, l.count])).toEqual([
      [OTHER_CALLS, 1],
      ['ssm-session', 1],
      ['instance-connect', 2],
    ]);
    expect(new Set(marks.filter((m) => m.method === 'instance-connect').map((m) => m.lane)).size).toBe(1);
  });
});
