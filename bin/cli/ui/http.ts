import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What every answer of `trailwatch ui` carries, and how it answers: JSON only as
 * `application/json` (with `<`, `>` and `&` escaped, so that no answer holds markup), text only as
 * `text/plain`, bodies of POST requests bounded.
 */

/** The page loads its own script and style only: no inline code, no other origin, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** On every answer (static files, the API, errors). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The header every `/api/` request carries the run's token in. */
export const TOKEN_HEADER = 'x-trailwatch-token';

/** Largest POST body accepted (a review: a rule, an eventID and a note of at most 1,000 characters). */
export const MAX_BODY_BYTES = 16 * 1024;

/** Characters JSON leaves raw that a browser or a terminal would act on: escaped in every answer. */
const UNSAFE_IN_JSON = /[<>&\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** JSON text with no markup character and no control or bidirectional character left raw. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    UNSAFE_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Whether `given` is the run's token, in time independent of where they differ. */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined || given === '') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}

/** The one value of a request header, or undefined when absent or repeated. */
export function singleHeader(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** A JSON answer (`Cache-Control: no-store`: answers hold index data). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = safeJson(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** A plain-text answer (the page's errors: not built, no token, not found). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** A request body that is not acceptable: its status and why. */
export interface BodyProblem {
  readonly status: 400 | 413 | 415;
  readonly error: string;
}

/**
 * The JSON body of a POST, at most `MAX_BODY_BYTES` (a longer one is refused as soon as it is seen,
 * from its Content-Length or while reading), of type `application/json`.
 */
export async function readJsonBody(req: IncomingMessage): Promise<{ value: unknown } | BodyProblem> {
  const type = (singleHeader(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, error: 'the body must be application/json' };
  const declared = Number(singleHeader(req, 'content-length') ?? Number.NaN);
  if (declared > MAX_BODY_BYTES) return tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return tooLarge();
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { status: 400, error: 'the body is not JSON' };
  }
}

function tooLarge(): BodyProblem {
  return { status: 413, error: `the body is larger than ${MAX_BODY_BYTES} bytes` };
}
