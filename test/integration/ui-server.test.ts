/**
 * The server of `trailwatch ui` over real HTTP, on a local store filled by ingesting the Stratus Red
 * Team detonations (and one hostile record): the token, the guard, the security headers, the static
 * page, every API route's shape and values (the same lines as the CLI's `--json`), reviews and their
 * round trip to `findings --json`, the body limit, and attacker text coming back as JSON text only.
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type OpenedStore, openEmbeddedStore } from '../../bin/cli/store';
import { MAX_BODY_BYTES } from '../../bin/cli/ui/http';
import { closeUi, createUiServer, listenUi } from '../../bin/cli/ui/server';
import { NOT_BUILT } from '../../bin/cli/ui/static';
import { cli } from '../helpers/cli';
import { CLOUDTRAIL, STRATUS_KEY } from '../helpers/cli-fixtures';
import { iamUser, keyPush, logFile } from '../helpers/records';
import { type UiAnswer, uiPost, uiRequest } from '../helpers/ui';

const TOKEN = 'test-token-0123456789abcdefghijklmnopqrstuvw';
const INSTANCE = 'i-fdb357cb7e99ad973';
const PUSH = '0968cbec-f8df-43f3-94ba-b451aad083ed';
const RULE = 'ssh-key-multi-instance';
const EVIL = 'https://evil.example';
/** Launched in the Invictus dataset's RunInstances. */
const LAUNCHED = 'i-0dbc91f429e48eeed';
const INVICTUS_LAUNCH = join(
  CLOUDTRAIL,
  'invictus',
  '218007301253_CloudTrail_us-east-1_20230710T1200Z_x9kHmzMa7cx6l9wM.json',
);

/** A hostile key push: markup in every field an attacker writes. */
const HOSTILE = {
  eventID: 'hostile-0001',
  agent: '<script>alert("ua")</script>',
  user: '<img src=x onerror=alert(1)>',
  osUser: 'root',
  instance: 'i-0aaaabbbbccccdddd',
};

type Json = Record<string, unknown>;

describe('trailwatch ui: the server and its API', () => {
  let dir: string;
  let db: string;
  let pageDir: string;
  let opened: OpenedStore;
  let server: Server;
  let base: string;
  /** GET with the token, another one, or none (null). */
  const get = (path: string, token: string | null = TOKEN, headers: Record<string, string> = {}) =>
    uiRequest(base, path, { ...(token !== null ? { token } : {}), headers });
  const run = (...args: string[]) => cli([...args, '--db', db]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-ui-'));
    db = join(dir, 'db');
    const hostile = join(dir, 'hostile.json.gz');
    writeFileSync(
      hostile,
      logFile([
        keyPush(
          {
            eventID: HOSTILE.eventID,
            eventTime: '2025-03-01T10:00:00Z',
            userAgent: HOSTILE.agent,
            userIdentity: iamUser(HOSTILE.user),
          },
          { instanceId: HOSTILE.instance, instanceOSUser: HOSTILE.osUser },
        ),
      ]),
    );
    const ingest = await run('ingest', join(CLOUDTRAIL, 'stratus'), INVICTUS_LAUNCH, hostile);
    expect(ingest.code).toBe(0);
    pageDir = join(dir, 'page');
    mkdirSync(join(pageDir, 'assets'), { recursive: true });
    writeFileSync(join(pageDir, 'index.html'), '<!doctype html><script src="/assets/app.js"></script>');
    writeFileSync(join(pageDir, 'assets', 'app.js'), 'console.log("page")');
    writeFileSync(join(dir, 'secret.txt'), 'not for the page');
    opened = await openEmbeddedStore(db);
    server = createUiServer({
      store: opened.store,
      description: opened.description,
      readOnly: false,
      token: TOKEN,
      reviewer: 'alice',
      version: '9.9.9',
      pageDir,
    });
    base = `http://127.0.0.1:${await listenUi(server, '127.0.0.1', 0)}`;
  });

  afterAll(async () => {
    await closeUi(server);
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('the token', () => {
    it('refuses an API request without the token, or with another one (401, JSON)', async () => {
      for (const token of [null, '', 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
        const answer = await get('/api/meta', token);
        expect(answer.status).toBe(401);
        expect(answer.json()).toEqual({ error: 'missing or wrong X-Trailwatch-Token' });
      }
      expect((await get('/api/meta')).status).toBe(200);
    });

    it('serves the HTML document only with ?token=, its assets without', async () => {
      expect((await get('/', null)).status).toBe(401);
      expect((await get('/?token=wrong', null)).status).toBe(401);
      const page = await get(`/?token=${TOKEN}`, null);
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.text).toContain('/assets/app.js');
      const asset = await get('/assets/app.js', null);
      expect(asset.status).toBe(200);
      expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(asset.text).toBe('console.log("page")');
    });

    it('serves nothing outside the page folder', async () => {
      for (const path of [
        '/../secret.txt',
        '/%2e%2e/secret.txt',
        '/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
        '/%00',
      ]) {
        const answer = await get(path, null);
        expect(answer.status).toBe(404);
        expect(answer.text).not.toContain('not for the page');
      }
    });
  });

  describe('the guard and the headers', () => {
    it('refuses a foreign Origin, a foreign Host and a CORS preflight (403), token or not', async () => {
      expect((await get('/api/meta', TOKEN, { Origin: EVIL })).status).toBe(403);
      expect((await get('/api/meta', TOKEN, { Host: 'evil.example' })).status).toBe(403);
      expect(
        (await get(`/?token=${TOKEN}`, null, { Host: `rebind.example:${new URL(base).port}` })).status,
      ).toBe(403);
      const preflight = await uiRequest(base, '/api/review', {
        method: 'OPTIONS',
        headers: { Origin: EVIL },
      });
      expect(preflight.status).toBe(403);
      expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      // its own origin is served
      expect((await get('/api/meta', TOKEN, { Origin: base })).status).toBe(200);
    });

    it('sends the Content-Security-Policy and the other security headers on every answer', async () => {
      const answers = [
        await get('/api/meta'),
        await get('/api/meta', null),
        await get('/api/nowhere'),
        await get(`/?token=${TOKEN}`, null),
        await get('/assets/app.js', null),
        await get('/missing.js', null),
      ];
      for (const answer of answers) {
        expect(answer.headers['content-security-policy']).toBe(
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        );
        expect(answer.headers['x-content-type-options']).toBe('nosniff');
        expect(answer.headers['referrer-policy']).toBe('no-referrer');
      }
      expect(answers[0]?.headers['cache-control']).toBe('no-store');
      expect(answers[0]?.headers['content-type']).toBe('application/json; charset=utf-8');
    });

    it('answers 404 for an unknown API route and 405 for a wrong method, as JSON', async () => {
      expect((await get('/api/nowhere')).json()).toEqual({ error: 'no such API route' });
      const wrong = await get('/api/review');
      expect(wrong.status).toBe(405);
      expect(wrong.json<Json>().error).toEqual(expect.any(String));
    });

    it('says the page is not built when dist/ui has no index.html', async () => {
      const bare = createUiServer({
        store: opened.store,
        description: opened.description,
        readOnly: false,
        token: TOKEN,
        reviewer: 'alice',
        version: '9.9.9',
        pageDir: join(dir, 'no-page'),
      });
      const port = await listenUi(bare, '127.0.0.1', 0);
      try {
        const answer = await uiRequest(`http://127.0.0.1:${port}`, `/?token=${TOKEN}`);
        expect(answer.status).toBe(503);
        expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
        expect(answer.text).toBe(NOT_BUILT);
        expect(answer.text).toContain('run npm run build');
      } finally {
        await closeUi(bare);
      }
    });
  });

  describe('GET /api/meta and /api/instance', () => {
    it('describes the store, read-only or not, and the version', async () => {
      expect((await get('/api/meta')).json()).toEqual({
        store: opened.description,
        readOnly: false,
        version: '9.9.9',
      });
    });

    it("gives an instance's events, access paths and findings: the CLI's --json lines", async () => {
      const answer = (await get(`/api/instance/${INSTANCE.toUpperCase().replace('I-', 'i-')}`)).json<Json>();
      const events = (await run('query', 'instance', INSTANCE, '--json')).json();
      const access = (await run('access', INSTANCE, '--json')).json();
      const findings = (await run('findings', '--instance', INSTANCE, '--json')).json();
      expect(events.length).toBeGreaterThan(0);
      expect(answer).toEqual({
        instanceId: INSTANCE,
        events,
        access,
        findings,
        related: { volumes: [], securityGroups: [], networkInterfaces: [], keyPairs: [], other: [] },
        more: false,
        notes: [],
      });
    });

    it('shows the Stratus Instance Connect push in time order with its finding', async () => {
      const answer = (await get(`/api/instance/${INSTANCE}`)).json<{
        events: { eventID: string; eventTime: string; eventName: string; findings: string[] }[];
        findings: { rule: string; eventID: string; instanceId: string; review: unknown }[];
        access: { method: string; eventID: string }[];
      }>();
      const pushes = answer.events.filter((e) => e.eventName === 'SendSSHPublicKey');
      expect(pushes.map((e) => e.eventID)).toEqual([PUSH]);
      const times = answer.events.map((e) => e.eventTime);
      expect(times).toEqual([...times].sort().reverse()); // newest first, as query prints them
      expect(pushes[0]?.findings).toEqual([RULE, 'ssh-key-multi-principal']);
      expect(answer.findings).toEqual([
        expect.objectContaining({
          rule: 'ssh-key-multi-principal',
          eventID: PUSH,
          instanceId: INSTANCE,
          review: null,
        }),
        expect.objectContaining({ rule: RULE, eventID: PUSH, instanceId: INSTANCE, review: null }),
      ]);
      expect(answer.access).toEqual([expect.objectContaining({ method: 'instance-connect', eventID: PUSH })]);
    });

    it('lists the resources its events name, by kind', async () => {
      // the Invictus RunInstances of i-0dbc91f429e48eeed names its image, interface, subnet, VPC and group
      const answer = (await get(`/api/instance/${LAUNCHED}`)).json<{ related: Json; events: Json[] }>();
      expect(answer.events.length).toBeGreaterThan(0);
      expect(answer.related).toEqual({
        volumes: [],
        securityGroups: ['sg-0b233157065b7d5e2'],
        networkInterfaces: ['eni-076fa9fb98a2500a7'],
        keyPairs: [],
        other: ['ami-029eb80bc237bec6f', 'subnet-0ed352584ab4aa265', 'vpc-06fe1a64761a0f720'],
      });
    });

    it('refuses what is not an instance ID, and a bad range, with 400 and the reason', async () => {
      const notId = await get('/api/instance/vol-0123456789abcdef0');
      expect(notId.status).toBe(400);
      expect(notId.json<Json>().error).toMatch(/not an instance ID.*query resource/);
      const badSince = await get(`/api/instance/${INSTANCE}?since=yesterday`);
      expect(badSince.status).toBe(400);
      expect(badSince.json<Json>().error).toMatch(/^since: /);
      expect((await get(`/api/instance/${INSTANCE}?limit=0`)).status).toBe(400);
      expect((await get(`/api/instance/${INSTANCE}?limit=100001`)).status).toBe(400);
    });

    it('cuts at limit and says more', async () => {
      const all = (await run('query', 'user', 'christophe', '--json')).json();
      expect(all.length).toBeGreaterThan(2);
      const cut = (await get('/api/lookup/user/christophe?limit=2')).json<{
        events: Json[];
        more: boolean;
      }>();
      expect(cut.events).toEqual(all.slice(0, 2));
      expect(cut.more).toBe(true);
    });
  });

  describe('GET /api/lookup and /api/search', () => {
    it('gives the events of a lookup: the lines of query <kind> <value> --json', async () => {
      const key = (await get(`/api/lookup/key/${encodeURIComponent(STRATUS_KEY)}`)).json<Json>();
      const cliKey = (await run('query', 'key', STRATUS_KEY, '--json')).json();
      expect(cliKey).toHaveLength(6); // the Instance Connect and the serial console detonations' key
      expect(key).toEqual({ kind: 'key', value: STRATUS_KEY, events: cliKey, more: false });
      const ip = (await get('/api/lookup/ip/246.227.146.251')).json<Json>();
      expect(ip.events).toEqual((await run('query', 'ip', '246.227.146.251', '--json')).json());
    });

    it('refuses an unknown lookup kind or a value the lookup does not take (400)', async () => {
      expect((await get('/api/lookup/everything/x')).status).toBe(400);
      expect((await get('/api/lookup/resource/i-fdb357cb7e99ad973')).json<Json>().error).toMatch(
        /query instance/,
      );
      expect((await get('/api/lookup/ip/10.0.0.0%2F8')).json<Json>().error).toMatch(/not a network/);
    });

    it('finds an instance, a key, a user, an IP and an event by what is typed', async () => {
      const search = async (q: string) =>
        (await get(`/api/search?q=${encodeURIComponent(q)}`)).json<{ query: string; matches: Json[] }>();
      expect(await search(` ${INSTANCE.replace('i-fdb', 'i-FDB')} `)).toEqual({
        query: INSTANCE.replace('i-fdb', 'i-FDB'),
        matches: [{ kind: 'instance', value: INSTANCE, count: 1, href: `#/instance/${INSTANCE}` }],
      });
      expect((await search(STRATUS_KEY)).matches).toEqual([
        {
          kind: 'key',
          value: STRATUS_KEY,
          count: 6,
          href: `#/lookup/key/${encodeURIComponent(STRATUS_KEY)}`,
        },
      ]);
      const user = (await search('christophe')).matches;
      expect(user).toEqual([
        { kind: 'user', value: 'christophe', count: expect.any(Number), href: '#/lookup/user/christophe' },
      ]);
      expect((await search('246.227.146.251')).matches).toEqual([
        expect.objectContaining({ kind: 'ip', value: '246.227.146.251', count: 3 }),
      ]);
      expect((await search(PUSH)).matches[0]).toEqual({
        kind: 'event',
        value: PUSH,
        count: null,
        href: `#/event/${PUSH}`,
      });
      expect((await search('nobody-at-all')).matches).toEqual([]);
      expect((await search('')).matches).toEqual([]);
    });
  });

  describe('GET /api/findings and /api/event', () => {
    it('gives the lines of findings --json with the same filters, each with its review', async () => {
      const answer = (await get(`/api/findings?rule=${RULE}`)).json<{ findings: Json[]; more: boolean }>();
      const lines = (await run('findings', '--rule', RULE, '--json')).json();
      expect(lines.length).toBeGreaterThanOrEqual(3);
      expect(answer).toEqual({ findings: lines, more: false });
      expect(answer.findings.every((f) => 'review' in f)).toBe(true);
      const high = (await get('/api/findings?severity=high&limit=1')).json<{
        findings: Json[];
        more: boolean;
      }>();
      expect(high.findings).toEqual(
        (await run('findings', '--severity', 'high', '--limit', '1', '--json')).json(),
      );
      expect(high.more).toBe(true);
      const bad = await get('/api/findings?rule=no-such-rule');
      expect(bad.status).toBe(400);
      expect(bad.json<Json>().error).toMatch(/^rule: unknown rule/);
    });

    it('gives one event: its line, its full record, its findings and conflicts; 404 when unknown', async () => {
      const answer = (await get(`/api/event/${PUSH}`)).json<Json>();
      const [cliEvent] = (await run('event', PUSH, '--json')).json();
      const { findingDetails, conflicts, record, ...line } = cliEvent as Json;
      expect(answer.event).toEqual(line);
      expect(answer.record).toEqual(record);
      expect((answer.record as Json).eventID).toBe(PUSH);
      expect(answer.findings).toEqual((findingDetails as Json[]).map((f) => ({ ...f, review: null })));
      expect(answer.conflicts).toEqual(conflicts);
      const unknown = await get('/api/event/no-such-event');
      expect(unknown.status).toBe(404);
      expect(unknown.json<Json>().error).toMatch(/not found/);
    });
  });

  describe('POST /api/review', () => {
    const review = (body: unknown) => uiPost(base, '/api/review', TOKEN, body);

    it('marks a finding reviewed, shows it on the API and in findings --json, and unmarks it', async () => {
      const marked = await review({ rule: RULE, eventID: PUSH, note: 'our red team', reviewed: true });
      expect(marked.status).toBe(200);
      const value = marked.json<{ review: { note: string; by: string; at: string } }>().review;
      expect(value).toEqual({ note: 'our red team', by: 'alice', at: expect.stringMatching(/^\d{4}-.*Z$/) });
      const listed = (await get(`/api/findings?rule=${RULE}`)).json<{ findings: Json[] }>().findings;
      expect(listed.find((f) => f.eventID === PUSH)?.review).toEqual(value);
      expect(listed.filter((f) => f.eventID !== PUSH).every((f) => f.review === null)).toBe(true);
      expect(
        ((await get(`/api/event/${PUSH}`)).json<{ findings: Json[] }>().findings[0] as Json).review,
      ).toEqual(value);
      // another process (the CLI) sees it once the server's store has committed (within 250 ms)
      const cliLine = await eventually(async () => {
        const lines = (await run('findings', '--rule', RULE, '--json')).json();
        return lines.find((l) => l.eventID === PUSH && l.review !== null);
      });
      expect(cliLine?.review).toEqual(value);
      const table = (await run('findings', '--rule', RULE)).out;
      expect(table).toMatch(/\nReviewed \(1\)\n/);
      expect(table.slice(table.indexOf('Reviewed (1)'))).toContain('alice');
      expect(table.slice(0, table.indexOf('Reviewed (1)'))).not.toContain(PUSH.slice(0, 8));

      const unmarked = await review({ rule: RULE, eventID: PUSH, note: '', reviewed: false });
      expect(unmarked.json()).toEqual({ review: null });
      const after = (await get(`/api/findings?rule=${RULE}`)).json<{ findings: Json[] }>().findings;
      expect(after.every((f) => f.review === null)).toBe(true);
    });

    it('refuses a bad review with 400 naming the field, and a finding that does not exist with 404', async () => {
      const cases: [unknown, RegExp][] = [
        [{ rule: 'nope', eventID: PUSH, note: '', reviewed: true }, /^rule: /],
        [{ rule: RULE, eventID: '', note: '', reviewed: true }, /^eventID: /],
        [{ rule: RULE, eventID: PUSH, note: 'x'.repeat(1001), reviewed: true }, /^note: at most 1000/],
        [{ rule: RULE, eventID: PUSH, note: 3, reviewed: true }, /^note: /],
        [{ rule: RULE, eventID: PUSH, note: '' }, /^reviewed: /],
        [[1, 2], /^body: /],
      ];
      for (const [body, error] of cases) {
        const answer = await review(body);
        expect(answer.status).toBe(400);
        expect(answer.json<Json>().error).toMatch(error);
      }
      const absent = await review({ rule: 'ssh-root-identity', eventID: PUSH, note: '', reviewed: true });
      expect(absent.status).toBe(404);
      expect((await review({ rule: RULE, eventID: 'no-such-event', note: '', reviewed: true })).status).toBe(
        404,
      );
      expect(
        (await review({ rule: RULE, eventID: PUSH, note: 'x'.repeat(1000), reviewed: true })).status,
      ).toBe(200);
      await review({ rule: RULE, eventID: PUSH, note: '', reviewed: false });
    });

    it(`refuses a body over ${MAX_BODY_BYTES} bytes (413), one that is not JSON (400, 415), without the token (401)`, async () => {
      const big = JSON.stringify({
        rule: RULE,
        eventID: PUSH,
        note: 'x'.repeat(MAX_BODY_BYTES),
        reviewed: true,
      });
      const tooLarge = await uiRequest(base, '/api/review', {
        method: 'POST',
        token: TOKEN,
        headers: { 'Content-Type': 'application/json' },
        body: big,
      });
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.json<Json>().error).toMatch(/larger than 16384 bytes/);
      // a body sent in chunks, without Content-Length, is cut off the same way
      const chunked = await uiRequest(base, '/api/review', {
        method: 'POST',
        token: TOKEN,
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
        body: big,
      }).catch((error: Error) => ({ status: -1, error }));
      expect([413, -1]).toContain(chunked.status);
      const notJson = await uiRequest(base, '/api/review', {
        method: 'POST',
        token: TOKEN,
        headers: { 'Content-Type': 'application/json' },
        body: '{"rule":',
      });
      expect(notJson.status).toBe(400);
      const form = await uiRequest(base, '/api/review', {
        method: 'POST',
        token: TOKEN,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'rule=x',
      });
      expect(form.status).toBe(415);
      expect((await uiPost(base, '/api/review', 'wrong', { rule: RULE })).status).toBe(401);
    });
  });

  describe('attacker text', () => {
    const noMarkup = (answer: UiAnswer): void => {
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(answer.text).not.toMatch(/[<>]/);
    };

    it('comes back as JSON text, never as markup, from every route', async () => {
      const instance = await get(`/api/instance/${HOSTILE.instance}`);
      noMarkup(instance);
      const event = instance.json<{ events: { userAgent: string; principal: { userName: string } }[] }>()
        .events[0];
      expect(event?.userAgent).toBe(HOSTILE.agent);
      expect(event?.principal.userName).toBe(HOSTILE.user);
      const full = await get(`/api/event/${HOSTILE.eventID}`);
      noMarkup(full);
      expect(full.json<{ record: { userAgent: string } }>().record.userAgent).toBe(HOSTILE.agent);
      const search = await get(`/api/search?q=${encodeURIComponent(HOSTILE.user)}`);
      noMarkup(search);
      expect(search.json<{ query: string; matches: Json[] }>()).toEqual({
        query: HOSTILE.user,
        matches: [expect.objectContaining({ kind: 'user', value: HOSTILE.user, count: 1 })],
      });
      const findings = await get(`/api/findings?instance=${HOSTILE.instance}`);
      noMarkup(findings);
      expect(findings.json<{ findings: Json[] }>().findings).toEqual([
        expect.objectContaining({
          rule: 'ssh-root-os-user',
          principalArn: expect.stringContaining(HOSTILE.user),
        }),
      ]);
      const note = '</textarea><script>alert(2)</script>';
      const marked = await uiPost(base, '/api/review', TOKEN, {
        rule: 'ssh-root-os-user',
        eventID: HOSTILE.eventID,
        note,
        reviewed: true,
      });
      noMarkup(marked);
      expect(marked.json<{ review: { note: string } }>().review.note).toBe(note);
    });
  });
});

/** The first truthy value `probe` gives within 3 s (tried every 50 ms). */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  const until = Date.now() + 3000;
  for (;;) {
    const value = await probe();
    if (value || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
