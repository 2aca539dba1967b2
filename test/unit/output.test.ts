import { clean, EVENT_COLUMNS, jsonLine, renderEventDetails, renderTable } from '../../bin/cli/output';
import type { IndexedEvent } from '../../lambda/core/event';

const hostile = '\u001b[2J\u001b]0;pwned\u0007red\u001b[31mX\u009b31m\u202eevil\r\nnext\u0000';

const event: IndexedEvent = {
  eventID: 'e1',
  eventTime: '2025-03-01T10:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: hostile,
  readOnly: false,
  instanceIds: ['i-0123456789abcdef0'],
  resourceIds: [],
  principal: { type: 'IAMUser', arn: 'arn:aws:iam::1:user/alice', userName: hostile },
  userAgent: hostile,
  findings: [],
};

const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

describe('terminal output of attacker-controlled text', () => {
  it('strips escape sequences and control characters from table cells', () => {
    expect(clean(hostile)).toBe('redX evil  next ');
    const table = renderTable([event], EVENT_COLUMNS);
    expect(table).not.toMatch(RAW_CONTROL);
    expect(table.split('\n')).toHaveLength(2);
  });

  it('strips them from the detail view', () => {
    expect(renderEventDetails(event)).not.toMatch(RAW_CONTROL);
  });

  it('escapes them in JSON lines, which still parse back to the original text', () => {
    const line = jsonLine(event);
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual(event);
  });

  it('keeps __proto__ and constructor keys inert data', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}');
    expect(JSON.parse(jsonLine(parsed))).toEqual(parsed);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('cuts long cells with an ellipsis and aligns columns', () => {
    const long = { ...event, eventName: 'N'.repeat(100), principal: { userName: 'bob' } };
    const [header, row] = renderTable([long], EVENT_COLUMNS, { width: 80 }).split('\n');
    expect(row).toMatch(/ N{10,}… /);
    expect(row?.length).toBeLessThanOrEqual(80);
    expect(header?.indexOf('USER')).toBe(row?.indexOf('bob'));
  });
});
