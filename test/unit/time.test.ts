import { UsageError } from '../../lambda/core/errors';
import { formatTime, parseSince, parseTime, parseUntil, sortableTime } from '../../lambda/core/time';

describe('times', () => {
  it.each([
    ['2024-08-01T13:24:47Z', '2024-08-01T13:24:47Z'],
    ['2025-01-13 19:58:59.000000000', '2025-01-13T19:58:59Z'],
    ['2025-01-13 19:58:59.999', '2025-01-13T19:58:59.999Z'],
    ['2024-08-01T15:24:47+02:00', '2024-08-01T13:24:47Z'],
    ['2024-08-01T13:24:47.5-0130', '2024-08-01T14:54:47.500Z'],
    ['2021-10-29 23:50:09', '2021-10-29T23:50:09Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(formatTime(parseTime(input) as number)).toBe(expected);
  });

  it.each([
    '',
    'redacted',
    '2024-02-31T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '1700000000',
    'ThisIsAWrongEventTime',
  ])('rejects %j', (input) => {
    expect(parseTime(input)).toBeUndefined();
  });

  it('rejects non-strings', () => {
    expect(parseTime(1_700_000_000)).toBeUndefined();
    expect(parseTime(null)).toBeUndefined();
  });

  it('writes fixed-width sortable times', () => {
    expect(sortableTime(Date.UTC(2024, 7, 1, 13, 24, 47))).toBe('2024-08-01T13:24:47.000Z');
  });

  it('reads --since as a duration back from now or as a time', () => {
    const now = Date.UTC(2025, 2, 1, 12, 0, 0);
    expect(parseSince('90m', now)).toBe(now - 90 * 60_000);
    expect(parseSince('24h', now)).toBe(now - 86_400_000);
    expect(parseSince('30d', now)).toBe(now - 30 * 86_400_000);
    expect(parseSince('2025-02-01T00:00:00Z', now)).toBe(Date.UTC(2025, 1, 1));
    expect(parseUntil('2025-02-01', now)).toBe(Date.UTC(2025, 1, 1));
  });

  it('says what --since expects when it cannot read it', () => {
    expect(() => parseSince('yesterday', 0)).toThrow(UsageError);
    expect(() => parseSince('yesterday', 0)).toThrow(/expected a duration like 90m, 24h, 30d or an ISO time/);
  });
});
