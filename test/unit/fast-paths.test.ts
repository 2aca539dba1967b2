/**
 * The pipeline's shortcuts (issue 14: its own cost per indexed event) give exactly the answers of
 * the general paths they skip, on any input.
 */
import fc from 'fast-check';
import { canonicalIp, normalizeIp } from '../../lambda/core/ip';

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
