/**
 * The pure parts of `trailwatch ui`'s server: routing, the static files' confinement, the JSON it
 * sends, the token comparison, when a browser is opened, the related resources of an instance, and
 * the review a request asks for.
 */

import { MAX_REVIEW_NOTE, parseReviewInput, reviewItem, reviewOfItem } from '../../bin/cli/reviews';
import { safeJson, tokenMatches } from '../../bin/cli/ui/http';
import { relatedResources } from '../../bin/cli/ui/related';
import { API_ROUTES, matchRoute } from '../../bin/cli/ui/routes';
import { hrefOf } from '../../bin/cli/ui/search';
import { browserCommand, shouldOpenBrowser } from '../../bin/cli/ui/start';
import { assetPath, defaultPageDir } from '../../bin/cli/ui/static';
import { UsageError } from '../../lambda/core/errors';
import type { IndexedEvent } from '../../lambda/core/event';

describe('the API routes', () => {
  it('has the routes of the contract, each once', () => {
    expect(API_ROUTES.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/meta',
      'GET /api/search',
      'GET /api/instance/:id',
      'GET /api/lookup/:kind/:value',
      'GET /api/findings',
      'GET /api/event/:eventID',
      'POST /api/review',
    ]);
  });

  it('decodes each parameter on its own, so an encoded slash stays in its parameter', () => {
    const match = matchRoute('GET', '/api/lookup/user/arn%3Aaws%3Aiam%3A%3A1%3Auser%2Falice');
    expect('route' in match && match.params).toEqual(['user', 'arn:aws:iam::1:user/alice']);
    const key = matchRoute('GET', '/api/lookup/key/SHA256%3Aab%2Bc%2Fd');
    expect('route' in key && key.params).toEqual(['key', 'SHA256:ab+c/d']);
  });

  it('answers 404 for an unknown path, 405 for a known path with another method, 400 for bad encoding', () => {
    expect(matchRoute('GET', '/api/instances/i-1')).toEqual({ status: 404, error: 'no such API route' });
    expect(matchRoute('GET', '/api/instance/')).toEqual({ status: 404, error: 'no such API route' });
    expect(matchRoute('GET', '/api/lookup/user/a/b')).toEqual({ status: 404, error: 'no such API route' });
    expect(matchRoute('DELETE', '/api/meta')).toMatchObject({ status: 405 });
    expect(matchRoute('GET', '/api/review')).toMatchObject({ status: 405 });
    expect(matchRoute('GET', '/api/event/%E0%A4%A')).toMatchObject({ status: 400 });
  });
});

describe('the static files', () => {
  const root = '/srv/page';

  it('maps a request path into the page folder', () => {
    expect(assetPath(root, '/assets/app.js')).toBe('/srv/page/assets/app.js');
    expect(assetPath(root, '/assets/a%20b.css')).toBe('/srv/page/assets/a b.css');
  });

  it('refuses every path that leaves it or is odd', () => {
    for (const path of [
      '/../etc/passwd',
      '/assets/../../x',
      '/%2e%2e/x',
      '/a%2f..%2f..%2fx',
      '/a\\b',
      '/%00',
      '/%E0%A4%A',
      '/',
    ])
      expect(assetPath(root, path)).toBeUndefined();
  });

  it("finds dist/ui of the package from the server's folder, in the sources and once built", () => {
    const root = defaultPageDir();
    expect(root.endsWith('/dist/ui')).toBe(true);
    expect(defaultPageDir(`${root.replace(/\/dist\/ui$/, '')}/dist/bin/cli/ui`)).toBe(root);
  });
});

describe('what the server sends', () => {
  it('leaves no markup character, control or bidirectional character raw in JSON', () => {
    const value = { a: '<script>alert(1)</script>&amp;', b: '\u2028\u202e\u0085', c: 'plain' };
    const text = safeJson(value);
    expect(text).not.toMatch(/[<>&\u2028\u202e\u0085]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('accepts the token only exactly', () => {
    expect(tokenMatches('abc', 'abc')).toBe(true);
    for (const given of [undefined, '', 'ab', 'abcd', 'ABC']) expect(tokenMatches(given, 'abc')).toBe(false);
  });
});

describe('opening a browser', () => {
  it('opens one only when asked, with stdout on a terminal, outside CI', () => {
    expect(shouldOpenBrowser(undefined, true, {})).toBe(true);
    expect(shouldOpenBrowser(true, true, {})).toBe(true);
    expect(shouldOpenBrowser(false, true, {})).toBe(false);
    expect(shouldOpenBrowser(true, false, {})).toBe(false);
    expect(shouldOpenBrowser(true, true, { CI: 'true' })).toBe(false);
  });

  it("uses the platform's opener", () => {
    expect(browserCommand('http://x/', 'linux')).toEqual(['xdg-open', ['http://x/']]);
    expect(browserCommand('http://x/', 'darwin')).toEqual(['open', ['http://x/']]);
    expect(browserCommand('http://x/', 'win32')).toEqual(['cmd', ['/c', 'start', '""', 'http://x/']]);
  });
});

describe('the related resources of an instance', () => {
  const event = (resourceIds: string[], keyNames?: string[]): IndexedEvent =>
    ({
      resourceIds,
      instanceIds: [],
      findings: [],
      ...(keyNames ? { keyNames } : {}),
    }) as unknown as IndexedEvent;

  it('groups the IDs its events name by prefix, sorted, once each, with the key pair names', () => {
    const related = relatedResources([
      event(['vol-0123456789abcdef0', 'sg-0123456789abcdef0', 'subnet-01234567'], ['ops key']),
      event(['eni-0123456789abcdef0', 'vol-0123456789abcdef0', 'key-0123456789abcdef0', 'ami-01234567']),
      event(['snap-01234567', 'vpc-01234567', 'lt-01234567', 'eipalloc-01234567'], [' ', 'ops key']),
    ]);
    expect(related).toEqual({
      volumes: ['vol-0123456789abcdef0'],
      securityGroups: ['sg-0123456789abcdef0'],
      networkInterfaces: ['eni-0123456789abcdef0'],
      keyPairs: ['key-0123456789abcdef0', 'ops key'],
      other: [
        'ami-01234567',
        'eipalloc-01234567',
        'lt-01234567',
        'snap-01234567',
        'subnet-01234567',
        'vpc-01234567',
      ],
    });
  });
});

describe('search links', () => {
  it('links each kind to its page, the value URI-encoded', () => {
    expect(hrefOf('instance', 'i-01234567')).toBe('#/instance/i-01234567');
    expect(hrefOf('event', 'a/b')).toBe('#/event/a%2Fb');
    expect(hrefOf('key', 'SHA256:a+b/c')).toBe('#/lookup/key/SHA256%3Aa%2Bb%2Fc');
    expect(hrefOf('user', 'arn:aws:sts::1:assumed-role/R/s')).toBe(
      '#/lookup/user/arn%3Aaws%3Asts%3A%3A1%3Aassumed-role%2FR%2Fs',
    );
  });
});

describe('reviews', () => {
  const valid = { rule: 'ssh-root-os-user', eventID: 'e-1', note: 'fine', reviewed: true };

  it('takes a rule, an eventID, a note of at most 1,000 characters and reviewed', () => {
    expect(parseReviewInput(valid)).toEqual(valid);
    expect(parseReviewInput({ ...valid, note: undefined })).toEqual({ ...valid, note: '' });
    expect(parseReviewInput({ ...valid, note: 'x'.repeat(MAX_REVIEW_NOTE) }).note).toHaveLength(1000);
  });

  it('refuses anything else, naming the field', () => {
    const cases: [unknown, string][] = [
      [null, 'body'],
      ['text', 'body'],
      [{ ...valid, rule: 'toString' }, 'rule'],
      [{ ...valid, eventID: 'x'.repeat(129) }, 'eventID'],
      [{ ...valid, note: 'x'.repeat(MAX_REVIEW_NOTE + 1) }, 'note'],
      [{ ...valid, reviewed: 'yes' }, 'reviewed'],
    ];
    for (const [body, field] of cases) {
      let thrown: unknown;
      try {
        parseReviewInput(body);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UsageError);
      expect((thrown as UsageError).source).toBe(field);
    }
  });

  it('stores a review under REVIEWS, <rule>#<eventID>, and an unmarked one reads as null', () => {
    const item = reviewItem(valid, 'alice', Date.UTC(2025, 0, 2, 3, 4, 5));
    expect(item).toMatchObject({ pk: 'REVIEWS', sk: 'ssh-root-os-user#e-1', kind: 'review', reviewed: true });
    expect(reviewOfItem(item)).toEqual({ note: 'fine', by: 'alice', at: '2025-01-02T03:04:05Z' });
    expect(reviewOfItem(reviewItem({ ...valid, reviewed: false }, 'alice', 0))).toBeNull();
  });
});
