import type { networkInterfaces } from 'node:os';
import {
  allowedNamesFor,
  type GuardedRequest,
  judgeLocalRequest,
  parseAuthority,
} from '../../bin/cli/local-http-guard';

const PORT = 8123;
const LOOPBACK = allowedNamesFor({ address: '127.0.0.1', port: PORT });

function request(overrides: Partial<GuardedRequest> = {}): GuardedRequest {
  return { method: 'POST', host: [`127.0.0.1:${PORT}`], origin: [], secFetchSite: [], ...overrides };
}

const verdict = (req: GuardedRequest, allowed = LOOPBACK): string => {
  const v = judgeLocalRequest(req, allowed);
  return v.allowed ? 'allow' : v.reason;
};

describe('local HTTP guard: Host', () => {
  it.each([
    [`127.0.0.1:${PORT}`, 'allow'],
    [`localhost:${PORT}`, 'allow'],
    [`LocalHost:${PORT}`, 'allow'],
    [`[::1]:${PORT}`, 'allow'],
    [`[0:0:0:0:0:0:0:1]:${PORT}`, 'allow'],
    [`127.1:${PORT}`, 'allow'], // an IP literal in another notation: canonically 127.0.0.1, no DNS
    // missing or other port: a page on port 80 of a rebound name sends no port
    ['127.0.0.1', 'foreign Host'],
    ['localhost', 'foreign Host'],
    ['[::1]', 'foreign Host'],
    [`127.0.0.1:${PORT + 1}`, 'foreign Host'],
    ['localhost:80', 'foreign Host'],
    // DNS rebinding and look-alikes
    [`evil.example:${PORT}`, 'foreign Host'],
    [`localhost.evil.com:${PORT}`, 'foreign Host'],
    [`127.0.0.1.nip.io:${PORT}`, 'foreign Host'],
    [`localhost.:${PORT}`, 'foreign Host'],
    [`sub.localhost:${PORT}`, 'foreign Host'],
    [`0.0.0.0:${PORT}`, 'foreign Host'],
    [`[::ffff:127.0.0.1]:${PORT}`, 'foreign Host'],
    [`127.0.0.2:${PORT}`, 'foreign Host'],
    // not a plain host[:port]
    [`evil.example@127.0.0.1:${PORT}`, 'foreign Host'],
    [`127.0.0.1:${PORT}/x`, 'foreign Host'],
    [`127.0.0.1:${PORT}#x`, 'foreign Host'],
    [`127.0.0.1 :${PORT}`, 'foreign Host'],
    [`[::1:${PORT}`, 'foreign Host'],
    [`127.0.0.1:${PORT}:1`, 'foreign Host'],
    [`127.0.0.1:99999`, 'foreign Host'],
    ['', 'foreign Host'],
  ])('Host %j: %s', (host, expected) => {
    expect(verdict(request({ host: [host] }))).toBe(expected);
  });

  it('refuses a request with no Host, or with two', () => {
    expect(verdict(request({ host: [] }))).toBe('missing or repeated Host');
    expect(verdict(request({ host: [`127.0.0.1:${PORT}`, `evil.example:${PORT}`] }))).toBe(
      'missing or repeated Host',
    );
  });
});

describe('local HTTP guard: Origin', () => {
  it.each([
    [`http://127.0.0.1:${PORT}`, 'allow'],
    [`http://localhost:${PORT}`, 'allow'],
    [`http://[::1]:${PORT}`, 'allow'],
    [`HTTP://LOCALHOST:${PORT}`, 'allow'],
    [`https://127.0.0.1:${PORT}`, 'foreign Origin'],
    [`http://127.0.0.1:${PORT + 1}`, 'foreign Origin'],
    ['http://127.0.0.1', 'foreign Origin'],
    ['http://localhost', 'foreign Origin'],
    ['null', 'foreign Origin'],
    ['', 'foreign Origin'],
    ['https://evil.example', 'foreign Origin'],
    [`http://evil.example:${PORT}`, 'foreign Origin'],
    [`http://localhost.evil.com:${PORT}`, 'foreign Origin'],
    [`http://127.0.0.1.nip.io:${PORT}`, 'foreign Origin'],
    [`http://127.0.0.1:${PORT}/`, 'foreign Origin'],
    [`http://evil@127.0.0.1:${PORT}`, 'foreign Origin'],
    [`file://`, 'foreign Origin'],
    [`127.0.0.1:${PORT}`, 'foreign Origin'],
  ])('Origin %j: %s', (origin, expected) => {
    expect(verdict(request({ origin: [origin] }))).toBe(expected);
  });

  it('serves requests without Origin (SDKs, the AWS CLI)', () => {
    expect(verdict(request())).toBe('allow');
    expect(verdict(request({ method: 'GET', host: [`localhost:${PORT}`] }))).toBe('allow');
  });

  it('refuses two Origin headers, even if one is its own', () => {
    expect(verdict(request({ origin: [`http://127.0.0.1:${PORT}`, 'https://evil.example'] }))).toBe(
      'foreign Origin',
    );
  });

  it('refuses a DNS-rebinding page: its Origin and Host name the attacker domain, not this server', () => {
    const rebound = request({ host: [`evil.example:${PORT}`], origin: [`http://evil.example:${PORT}`] });
    expect(verdict(rebound)).toBe('foreign Host');
  });
});

describe('local HTTP guard: preflight and Fetch metadata', () => {
  it.each([
    ['OPTIONS', [`http://127.0.0.1:${PORT}`]],
    ['OPTIONS', ['https://evil.example']],
    ['OPTIONS', []],
    ['options', []],
  ])('refuses %s with Origin %j: no CORS preflight is answered', (method, origin) => {
    expect(verdict(request({ method, origin }))).toBe('CORS preflight');
  });

  it.each([
    ['cross-site', 'cross-site browser request'],
    ['same-site', 'cross-site browser request'],
    ['Cross-Site', 'cross-site browser request'],
    ['same-origin', 'allow'],
    ['none', 'allow'],
  ])('Sec-Fetch-Site %s without Origin: %s', (site, expected) => {
    expect(verdict(request({ method: 'GET', secFetchSite: [site] }))).toBe(expected);
  });
});

describe('local HTTP guard: the names of a server', () => {
  const fakeInterfaces = (() => ({
    lo: [{ address: '127.0.0.1', family: 'IPv4' }],
    eth0: [
      { address: '192.168.1.20', family: 'IPv4' },
      { address: 'fe80::1', family: 'IPv6' },
    ],
  })) as unknown as () => ReturnType<typeof networkInterfaces>;

  it('a loopback server answers to the three loopback names only', () => {
    expect([...LOOPBACK.hostnames].sort()).toEqual(['127.0.0.1', '[::1]', 'localhost']);
    expect(allowedNamesFor({ address: '::1', port: PORT }).hostnames).toEqual(LOOPBACK.hostnames);
  });

  it('a server bound to another address on request answers to that address too, with the port', () => {
    const lan = allowedNamesFor({ address: '192.168.1.20', port: PORT });
    expect(verdict(request({ host: [`192.168.1.20:${PORT}`] }), lan)).toBe('allow');
    expect(
      verdict(request({ host: [`192.168.1.20:${PORT}`], origin: [`http://192.168.1.20:${PORT}`] }), lan),
    ).toBe('allow');
    expect(verdict(request({ host: [`192.168.1.21:${PORT}`] }), lan)).toBe('foreign Host');
    expect(verdict(request({ host: [`localhost:${PORT}`] }), lan)).toBe('allow');
  });

  it('a wildcard server (0.0.0.0, ::) answers to the addresses of this machine', () => {
    const v4 = allowedNamesFor({ address: '0.0.0.0', port: PORT }, 'http', fakeInterfaces);
    expect([...v4.hostnames].sort()).toEqual(['0.0.0.0', '127.0.0.1', '192.168.1.20', '[::1]', 'localhost']);
    const v6 = allowedNamesFor({ address: '::', port: PORT }, 'http', fakeInterfaces);
    expect(v6.hostnames).toContain('[fe80::1]');
    expect(v6.hostnames).toContain('192.168.1.20');
    expect(verdict(request({ host: [`mybox.example:${PORT}`] }), v6)).toBe('foreign Host');
  });

  it('on port 80 a Host or Origin without a port is this server', () => {
    const on80 = allowedNamesFor({ address: '127.0.0.1', port: 80 });
    expect(verdict(request({ host: ['localhost'], origin: ['http://localhost'] }), on80)).toBe('allow');
    expect(verdict(request({ host: ['localhost:80'], origin: ['http://localhost:80'] }), on80)).toBe('allow');
    expect(verdict(request({ host: ['localhost:8080'] }), on80)).toBe('foreign Host');
  });

  it('parses only plain host[:port] authorities, canonically', () => {
    expect(parseAuthority('LOCALHOST:01234', 'http')).toEqual({ hostname: 'localhost', port: 1234 });
    expect(parseAuthority('[0::1]', 'https')).toEqual({ hostname: '[::1]', port: 443 });
    expect(parseAuthority('a@b:1', 'http')).toBeUndefined();
    expect(parseAuthority('ex ample:1', 'http')).toBeUndefined();
    expect(parseAuthority('', 'http')).toBeUndefined();
  });
});
