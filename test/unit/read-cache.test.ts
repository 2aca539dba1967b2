import { compareCodePoints, ReadCache } from '../../bin/cli/local-store/read-cache';
import { seededRandom } from '../helpers/random';

/**
 * The read cache's own rules (bin/cli/local-store/read-cache.ts); that it answers as the file does
 * under random operations is test/integration/local-store-read-cache.test.ts.
 */

/** Characters around the edges where UTF-16 and UTF-8 orders part: ASCII, U+FFFF, astral, lone halves. */
const ALPHABET = ['a', 'z', '#', '\u00e9', '\ue000', '\uffff', '\u{1f600}', '\u{10ffff}', '\ud800'];

/** Whether a string has no lone surrogate (it then has a UTF-8 form). */
const wellFormed = (s: string): boolean => !/\p{Surrogate}/u.test(s);

describe('the read cache', () => {
  it('orders sort keys as SQLite compares text (UTF-8 bytes), not as JavaScript compares strings', () => {
    const r = seededRandom(99);
    const word = (): string =>
      Array.from({ length: Math.floor(r() * 4) }, () => ALPHABET[Math.floor(r() * ALPHABET.length)]).join('');
    for (let i = 0; i < 20_000; i++) {
      const [a, b] = [word(), word()];
      const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      // a lone surrogate has no UTF-8 form (Node writes U+FFFD): compare only well-formed text
      if (wellFormed(a) && wellFormed(b)) expect(Math.sign(compareCodePoints(a, b))).toBe(bytes);
    }
    expect(compareCodePoints('\u{1f600}', '\uffff')).toBeGreaterThan(0);
    expect('\u{1f600}' < '\uffff').toBe(true);
  });

  it('keeps a partition from its second read in the run on, not after its first', () => {
    const cache = new ReadCache();
    expect(cache.worthKeeping('KEY#a')).toBe(false);
    expect(cache.worthKeeping('KEY#b')).toBe(false);
    expect(cache.worthKeeping('KEY#a')).toBe(true);
  });

  it('drops the least recently used partitions beyond its size, and empties on another version', () => {
    const cache = new ReadCache(5);
    const read = { from: 'a', to: 'z', limit: 100, now: 0 };
    const items = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ sk: `k${9 - i}`, expires: null, item: { i } }));
    cache.checkVersion(1);
    cache.fill('P1', read, items(3));
    cache.fill('P2', read, items(2));
    expect(cache.answer('P1', read)).toHaveLength(3);
    // P2 is now the least recently used: it goes when P3 comes
    cache.fill('P3', read, items(2));
    expect(cache.answer('P2', read)).toBeUndefined();
    expect(cache.answer('P1', read)).toHaveLength(3);
    expect(cache.itemCount).toBe(5);
    cache.checkVersion(1);
    expect(cache.answer('P1', read)).toHaveLength(3);
    cache.checkVersion(2);
    expect(cache.answer('P1', read)).toBeUndefined();
    expect(cache.itemCount).toBe(0);
  });

  it('answers below its span only when the limit is met within it (a read cut at its limit)', () => {
    const cache = new ReadCache();
    const items = [5, 4, 3].map((n) => ({ sk: `k${n}`, expires: null, item: { n } }));
    cache.fill('P', { from: 'k0', to: 'k9', limit: 3, now: 0 }, items);
    // the store's answer was cut at 3: k3 and up are all there, below k3 unknown
    expect(cache.answer('P', { from: 'k0', to: 'k9', limit: 3, now: 0 })).toHaveLength(3);
    expect(cache.answer('P', { from: 'k0', to: 'k9', limit: 4, now: 0 })).toBeUndefined();
    expect(cache.gaps('P', { from: 'k0', to: 'k9', limit: 4, now: 0 })).toEqual([
      { from: 'k0', to: 'k3', limit: 4, now: 0, side: 'below' },
    ]);
    expect(cache.answer('P', { from: 'k3', to: 'k4', limit: 9, now: 0 })).toEqual([{ n: 4 }, { n: 3 }]);
  });
});
