import { ACCESS_COLUMNS, EVENT_COLUMNS, renderEventDetails, renderTable } from '../../bin/cli/output';
import { accessPath } from '../../lambda/core/access/paths';
import { accessEvent, INSTANCE, instanceCall } from '../helpers/access-events';

const hostile = '\u001b]0;pwned\u0007tag:Env=\u001b[31mprod\u202e\r\nx';
/** A control character or bidi override a terminal would act on (what output.test.ts matches with a regex). */
function rawControl(text: string): boolean {
  return [...text].some((c) => {
    const n = c.codePointAt(0) ?? 0;
    return n <= 0x08 || (n >= 0x0b && n <= 0x1f) || (n >= 0x7f && n <= 0x9f) || (n >= 0x202a && n <= 0x202e);
  });
}

describe('the access method in terminal output', () => {
  const command = accessEvent('SendCommand', '2024-05-01T13:05:00Z', {
    eventSource: 'ssm.amazonaws.com',
    access: { method: 'ssm-command', detail: `by targets ${hostile}`, targets: hostile },
  });

  it('shows the method of each event in query tables, `-` when it gave no access', () => {
    const stop = accessEvent('StopInstances', '2024-05-01T13:06:00Z', { instanceIds: [INSTANCE] });
    const [header, first, second] = renderTable([stop, command], EVENT_COLUMNS).split('\n');
    expect(header).toMatch(/^TIME\s+EVENT\s+METHOD\s+USER\s/);
    const at = header?.indexOf('METHOD');
    expect(first?.slice(at, at === undefined ? 0 : at + 12)).toMatch(/^-\s+$/);
    expect(second?.slice(at)).toMatch(/^ssm-command\s+alice/);
  });

  it('shows the access facts, session and caller of one event, escape sequences stripped', () => {
    const details = renderEventDetails(command);
    expect(details).toMatch(/^Access: {6}ssm-command: by targets tag:Env=prod/m);
    expect(details).toMatch(/^Targets: {5}tag:Env=prod/m);
    expect(rawControl(hostile)).toBe(true);
    expect(rawControl(details)).toBe(false);
    const call = renderEventDetails(instanceCall('2024-05-01T14:00:00Z', '198.51.100.7'));
    expect(call).toMatch(/^Made by: {5}the role credentials of instance i-0123456789abcdef0$/m);
    const many = Array.from({ length: 7 }, (_, i) => [`eni-0${i}aaaaaaa`, `10.0.0.${i}`] as const);
    const launch = renderEventDetails(
      accessEvent('RunInstances', '2024-05-01T10:00:00Z', {
        privateAddresses: many,
        keyNames: ['prod-admin'],
      }),
    );
    expect(launch).toMatch(
      /^Private IPs: eni-00aaaaaaa 10\.0\.0\.0, .*eni-04aaaaaaa 10\.0\.0\.4, \+2 more$/m,
    );
    expect(launch).toMatch(/^Key pairs: {3}prod-admin$/m);
  });

  it('strips them from the access table too', () => {
    const line = accessPath(command, INSTANCE, { method: 'ssm-command', detail: hostile });
    const table = renderTable([line], ACCESS_COLUMNS);
    expect(rawControl(table)).toBe(false);
    expect(table.split('\n')).toHaveLength(2);
  });
});
