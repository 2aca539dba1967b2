/**
 * The pipeline's shortcuts (issue 14: its own cost per indexed event, and the rules' reading back
 * of thousands of items per file) give exactly the answers of the general paths they skip, on any
 * input.
 */
import fc from 'fast-check';
import { canonicalIp, normalizeIp } from '../../lambda/core/ip';
import { sortKeyTime } from '../../lambda/core/items';
import { formatTime, generalTime, parseTime, sortableTime } from '../../lambda/core/time';

/** `canonicalIp` as it was before its shortcut: normalise, then URL-compress IPv6 (uncached). */
function generalCanonicalIp(text: string): string | undefined {
  const ip = normalizeIp(text);
  if (ip === undefined || ip.family === 'ipv4') return ip?.ip;
  try {
    return new URL(`http://[${ip.ip}]/`).hostname.slice(1, -1);
  } catch {
    return ip.ip.toLowerCase();
  }
}

/** Strings that look like IPv4 addresses, and many that almost do. */
const ipv4ish = fc
  .array(
    fc.constantFrom('0', '1', '2', '5', '9', '00', '25', '255', '256', '007', '300', '1000', '', ' ', 'a'),
    {
      minLength: 1,
      maxLength: 6,
    },
  )
  .chain((parts) =>
    fc
      .array(fc.constantFrom('.', '.', '.', '..', ':', '', ' '), {
        minLength: parts.length,
        maxLength: parts.length,
      })
      .map((seps) => parts.map((p, i) => (i === 0 ? p : `${seps[i]}${p}`)).join('')),
  )
  .chain((core) => fc.constantFrom(core, ` ${core}`, `${core} `, `[${core}]`, `${core}%eth0`, `${core}.`));

describe('canonicalIp', () => {
  it('answers as the general path for addresses written canonically, with leading zeros, padded, or broken', () => {
    fc.assert(
      fc.property(ipv4ish, (text) => {
        expect(canonicalIp(text)).toBe(generalCanonicalIp(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('answers as the general path for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV4Extended(), fc.ipV6()), (text) => {
        expect(canonicalIp(text)).toBe(generalCanonicalIp(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps a canonical address as it is and rewrites the others', () => {
    expect(canonicalIp('203.0.113.9')).toBe('203.0.113.9');
    expect(canonicalIp('0.0.0.0')).toBe('0.0.0.0');
    expect(canonicalIp('255.255.255.255')).toBe('255.255.255.255');
    expect(canonicalIp('203.000.113.009')).toBe('203.0.113.9');
    expect(canonicalIp('256.0.0.1')).toBeUndefined();
    expect(canonicalIp('1.2.3')).toBeUndefined();
    expect(canonicalIp('1.2.3.4.')).toBeUndefined();
  });
});

/** Times written canonically (`2024-08-01T13:24:47Z`, `…47.123Z`), many of them invalid or nearly canonical. */
const timeish = fc
  .tuple(
    fc.constantFrom('0000', '0050', '1970', '1999', '2000', '2024', '2100', '9999', '202', '2O24'),
    fc.constantFrom('00', '01', '02', '09', '12', '13', '1'),
    fc.constantFrom('00', '01', '09', '28', '29', '30', '31', '32'),
    fc.constantFrom('00', '09', '23', '24', '7'),
    fc.constantFrom('00', '30', '59', '60'),
    fc.constantFrom('00', '07', '59', '60', '61'),
    fc.constantFrom('', '.000', '.001', '.123', '.999', '.5', '.12345', ',123'),
    fc.constantFrom('Z', 'z', '', '+00:00', '-0130', ' Z'),
    fc.constantFrom('T', ' ', 't'),
    fc.constantFrom('', ' '),
  )
  .map(
    ([y, mo, d, h, mi, s, frac, zone, sep, pad]) =>
      `${pad}${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac}${zone}`,
  );

/** The canonical forms exactly (`…T13:24:47Z`, `…T13:24:47.123Z`): the shortcut's own inputs, valid or not. */
const canonicalish = fc
  .tuple(
    fc.constantFrom('0000', '0050', '1970', '2024', '2023', '9999'),
    fc.constantFrom('01', '02', '04', '12', '13', '00'),
    fc.constantFrom('01', '28', '29', '30', '31', '32', '00'),
    fc.constantFrom('00', '23', '24'),
    fc.constantFrom('00', '59', '60'),
    fc.constantFrom('00', '59', '60'),
    fc.constantFrom('', '.000', '.010', '.999'),
  )
  .map(([y, mo, d, h, mi, s, frac]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}Z`);

describe('parseTime', () => {
  it('answers as the general path for times written canonically or nearly, valid or not', () => {
    fc.assert(
      fc.property(fc.oneof(timeish, canonicalish), (text) => {
        expect(parseTime(text)).toBe(generalTime(text));
      }),
      { numRuns: 5000 },
    );
  });

  it('answers as the general path for any text, and for the times JavaScript writes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          fc.date({ noInvalidDate: true }).map((d) => formatTime(d.getTime())),
        ),
        (text) => {
          expect(parseTime(text)).toBe(generalTime(text));
        },
      ),
      { numRuns: 5000 },
    );
  });
});

describe("an index item's event time from its sort key", () => {
  /** As it was read before its shortcut. */
  const general = (text: string): string => {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? '' : formatTime(ms);
  };

  it('is the time the sort key says, written as formatTime writes it, for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          timeish,
          canonicalish,
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => sortableTime(d.getTime())),
        ),
        (text) => {
          expect(sortKeyTime(text)).toBe(general(text));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
