import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';

/**
 * The guard every local HTTP server of the CLI puts in front of its request listener
 * (`trailwatch serve`, the embedded store, `trailwatch ui`): a web page on another site must not
 * be able to read or change the index through a server on this machine.
 *
 * - `Host` must name this server: a loopback name (`127.0.0.1`, `localhost`, `[::1]`) or the
 *   address it is bound to (for a wildcard address, one of this machine's interface addresses),
 *   with its port. A DNS-rebinding page reaches the server under the attacker's domain name, so
 *   its `Host` is foreign.
 * - `Origin`, when present, must be this server's own origin (`http://<one of those names>:PORT`).
 *   Browsers send it on every cross-origin fetch and on every POST; SDKs and the AWS CLI send none.
 * - No CORS preflight is answered (`OPTIONS` is refused), and `Sec-Fetch-Site: cross-site` or
 *   `same-site` (a browser request from another origin, even without `Origin`) is refused.
 * - A refused request gets `403`, an empty body and no `Access-Control-*` header, and is never seen
 *   by the wrapped listener. `Access-Control-*` headers set by the wrapped listener (dynalite
 *   answers every `Origin` with `Access-Control-Allow-Origin: *`) are dropped from every answer.
 *
 * The guard runs in the server's own request listener: no proxy hop, no extra latency.
 */

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** The names and port a request may address this server by. */
export interface AllowedNames {
  /** `http` (every server of the CLI today) or `https`. */
  readonly scheme: 'http' | 'https';
  readonly port: number;
  /** Canonical host names (lower case, IPv6 in brackets), e.g. `127.0.0.1`, `localhost`, `[::1]`. */
  readonly hostnames: ReadonlySet<string>;
}

/** What the decision looks at: the method and every value of the headers it reads. */
export interface GuardedRequest {
  readonly method: string;
  readonly host: readonly string[];
  readonly origin: readonly string[];
  readonly secFetchSite: readonly string[];
}

export type RefusalReason =
  | 'missing or repeated Host'
  | 'foreign Host'
  | 'CORS preflight'
  | 'foreign Origin'
  | 'cross-site browser request';

export type Verdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: RefusalReason };

const ALLOWED: Verdict = { allowed: true };
const refuse = (reason: RefusalReason): Verdict => ({ allowed: false, reason });

/** `host[:port]` as a Host header or an origin writes it: only host-name or IP-literal characters. */
const AUTHORITY = /^(?:\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/i;

/**
 * The canonical host name and the port of `authority` for `scheme` (the port defaults to the
 * scheme's), or undefined when it is not a plain `host[:port]` (user info, path, spaces, …).
 */
export function parseAuthority(
  authority: string,
  scheme: 'http' | 'https',
): { hostname: string; port: number } | undefined {
  if (!AUTHORITY.test(authority)) return undefined;
  try {
    // the WHATWG parser canonicalizes: lower case, IPv4 forms (127.1 → 127.0.0.1), IPv6 compression
    const url = new URL(`${scheme}://${authority}`);
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    return { hostname: url.hostname, port };
  } catch {
    return undefined;
  }
}

function namesThisServer(authority: string, allowed: AllowedNames): boolean {
  const parsed = parseAuthority(authority, allowed.scheme);
  return parsed !== undefined && parsed.port === allowed.port && allowed.hostnames.has(parsed.hostname);
}

/** Whether `origin` (an `Origin` header value) is this server's own origin. */
function isOwnOrigin(origin: string, allowed: AllowedNames): boolean {
  const prefix = `${allowed.scheme}://`;
  if (origin.slice(0, prefix.length).toLowerCase() !== prefix) return false;
  return namesThisServer(origin.slice(prefix.length), allowed);
}

/** The guard's decision, pure: whether this server may answer `req`, and if not, why. */
export function judgeLocalRequest(req: GuardedRequest, allowed: AllowedNames): Verdict {
  if (req.host.length !== 1) return refuse('missing or repeated Host');
  if (!namesThisServer(req.host[0] ?? '', allowed)) return refuse('foreign Host');
  if (req.method.toUpperCase() === 'OPTIONS') return refuse('CORS preflight');
  if (req.origin.length > 1 || (req.origin.length === 1 && !isOwnOrigin(req.origin[0] ?? '', allowed)))
    return refuse('foreign Origin');
  if (req.secFetchSite.some((site) => !['same-origin', 'none'].includes(site.trim().toLowerCase())))
    return refuse('cross-site browser request');
  return ALLOWED;
}

/** A host name as it appears in a Host header: IPv6 in brackets, lower case. */
function asHostname(address: string): string {
  const bare = address.split('%')[0] ?? address; // no zone index in a Host header
  return (bare.includes(':') ? `[${bare}]` : bare).toLowerCase();
}

/**
 * The names a server bound to `address` may be addressed by: the loopback names, the bound address,
 * and for a wildcard address (`0.0.0.0`, `::`) every address of this machine's interfaces.
 */
export function allowedNamesFor(
  address: Pick<AddressInfo, 'address' | 'port'>,
  scheme: 'http' | 'https' = 'http',
  interfaces: () => ReturnType<typeof networkInterfaces> = networkInterfaces,
): AllowedNames {
  const hostnames = new Set<string>([...LOOPBACK_NAMES, asHostname(address.address)]);
  if (isWildcard(address.address))
    for (const list of Object.values(interfaces()))
      for (const info of list ?? [])
        if (address.address === '::' || info.family === 'IPv4') hostnames.add(asHostname(info.address));
  // canonical forms, as parseAuthority gives them (e.g. [::1] for [0:0:0:0:0:0:0:1])
  const canonical = new Set<string>();
  for (const name of hostnames) {
    const parsed = parseAuthority(name, scheme);
    if (parsed) canonical.add(parsed.hostname);
  }
  return { scheme, port: address.port, hostnames: canonical };
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** The headers the guard reads, every value of each (a repeated Host or Origin is refused). */
function guardedRequest(req: IncomingMessage): GuardedRequest {
  const host: string[] = [];
  const origin: string[] = [];
  const secFetchSite: string[] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'host') host.push(value);
    else if (name === 'origin') origin.push(value);
    else if (name === 'sec-fetch-site') secFetchSite.push(value);
  }
  return { method: req.method ?? '', host, origin, secFetchSite };
}

const isCorsHeader = (name: string): boolean => name.toLowerCase().startsWith('access-control-');

/** Makes `res` drop every `Access-Control-*` header, however it is set. */
function withoutCorsHeaders(res: ServerResponse): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = ((name: string, value: number | string | readonly string[]) =>
    isCorsHeader(name) ? res : setHeader(name, value)) as typeof res.setHeader;
  const appendHeader = res.appendHeader.bind(res);
  res.appendHeader = ((name: string, value: string | readonly string[]) =>
    isCorsHeader(name) ? res : appendHeader(name, value)) as typeof res.appendHeader;
  // the last gate: every answer, explicit or implicit, goes through writeHead
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    for (const name of res.getHeaderNames()) if (isCorsHeader(name)) res.removeHeader(name);
    const last = args[args.length - 1];
    if (Array.isArray(last)) {
      // a flat [name, value, name, value, …] list
      const kept: unknown[] = [];
      for (let i = 0; i + 1 < last.length; i += 2)
        if (!isCorsHeader(String(last[i]))) kept.push(last[i], last[i + 1]);
      args[args.length - 1] = kept;
    } else if (typeof last === 'object' && last !== null) {
      args[args.length - 1] = Object.fromEntries(
        Object.entries(last).filter(([name]) => !isCorsHeader(name)),
      );
    }
    return writeHead(...args);
  }) as typeof res.writeHead;
}

/** 403, no body, no CORS header; the connection is closed after it. */
function refuseResponse(res: ServerResponse, reason: RefusalReason): void {
  res.writeHead(403, `Forbidden (${reason})`, { 'Content-Length': '0', Connection: 'close' });
  res.end();
}

/**
 * Wraps `listener` in the guard. `allowedNames` is asked on each request (the port is known only
 * once the server listens); see {@link guardServer} for the usual case.
 */
export function guardRequestListener(
  listener: RequestListener,
  allowedNames: () => AllowedNames | undefined,
): RequestListener {
  return (req, res) => {
    const allowed = allowedNames();
    const verdict = allowed ? judgeLocalRequest(guardedRequest(req), allowed) : refuse('foreign Host');
    if (!verdict.allowed) {
      refuseResponse(res, verdict.reason);
      return;
    }
    withoutCorsHeaders(res);
    listener(req, res);
  };
}

/**
 * Puts the guard in front of every `request` listener of `server` (e.g. the one dynalite's
 * `http.createServer` registered). Call it before the server answers its first request; the names
 * come from the address it listens on.
 */
export function guardServer(server: Server, scheme: 'http' | 'https' = 'http'): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const inner: RequestListener = (req, res) => {
    for (const listener of listeners) listener(req, res);
  };
  let cached: AllowedNames | undefined;
  server.on('listening', () => {
    cached = undefined;
  });
  server.on(
    'request',
    guardRequestListener(inner, () => {
      if (cached) return cached;
      const address = server.address();
      if (address === null || typeof address === 'string') return undefined;
      const names = allowedNamesFor(address, scheme);
      // a wildcard address: interfaces may change while the server runs, so look each time
      if (!isWildcard(address.address)) cached = names;
      return names;
    }),
  );
}
