import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { SECURITY_HEADERS, sendText, tokenMatches } from './http';

/**
 * The page of `trailwatch ui`: the files `npm run build` writes to `dist/ui/` (index.html and its
 * assets), read from disk on each request. The HTML document is served only with the run's token
 * (`/?token=…`, the address the command prints); the assets are public: static code and styles, no
 * index data. Nothing outside the folder is served.
 */

export const NOT_BUILT = 'trailwatch ui: the page is not built: run npm run build';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * `dist/ui` of the package: found from this file's folder upwards (bin/cli/ui in the sources,
 * dist/bin/cli/ui once built), at the first folder holding package.json.
 */
export function defaultPageDir(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return join(from, 'ui-not-found');
    dir = parent;
  }
  return join(dir, 'dist', 'ui');
}

const isDocument = (path: string): boolean => path === '/' || path === '/index.html';

/** Answers a GET or HEAD of the page or one of its assets. */
export async function serveStatic(
  res: ServerResponse,
  url: URL,
  options: { readonly pageDir: string; readonly token: string; readonly head: boolean },
): Promise<void> {
  if (isDocument(url.pathname)) {
    if (!tokenMatches(url.searchParams.get('token') ?? undefined, options.token)) {
      sendText(
        res,
        401,
        "trailwatch ui: open the address trailwatch ui printed: it carries this run's token (/?token=…)",
      );
      return;
    }
    if (!existsSync(join(options.pageDir, 'index.html'))) {
      sendText(res, 503, NOT_BUILT);
      return;
    }
    await sendFile(res, join(options.pageDir, 'index.html'), options.head);
    return;
  }
  const file = assetPath(options.pageDir, url.pathname);
  if (file === undefined || !(await isFile(file))) {
    sendText(res, 404, 'trailwatch ui: not found');
    return;
  }
  await sendFile(res, file, options.head);
}

/** The file a request path names inside `root`, or undefined for one that leaves it or is odd. */
export function assetPath(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((s) => s === '..'))
    return undefined;
  const base = resolve(root);
  const file = resolve(base, `.${decoded}`);
  return file.startsWith(base + sep) ? file : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function sendFile(res: ServerResponse, path: string, head: boolean): Promise<void> {
  const body = await readFile(path);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
  });
  res.end(head ? undefined : body);
}
