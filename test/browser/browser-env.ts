import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { BUILT_CLI, spawnCli } from '../helpers/cli';
import { STRATUS_FILE, writeStory } from './ui-story';

/**
 * What the browser tests (and `npm run docs:screenshot`) share: Debian's Chromium driven by
 * playwright-core, headless, with a fresh profile and no background traffic; the real `trailwatch ui`
 * (the built CLI) in a child process on a temporary store filled by `trailwatch ingest`.
 */

const ROOT = join(__dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const PAGE_BUILT = join(ROOT, 'dist', 'ui', 'index.html');

/** $CHROMIUM_PATH, $CHROMIUM or /usr/bin/chromium, when that file exists. */
export function chromiumPath(): string | undefined {
  const path = process.env.CHROMIUM_PATH || process.env.CHROMIUM || '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

const CHROMIUM = chromiumPath();
export const WHY_NO_CHROMIUM =
  'no Chromium at $CHROMIUM_PATH, $CHROMIUM or /usr/bin/chromium (apt-get install chromium; .ci/run installs it as root)';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught exceptions of the page (a CSP violation is one). */
  readonly problems: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh profile in a temporary folder, one page open. */
export async function openBrowser(options: { width?: number; height?: number } = {}): Promise<Browser> {
  if (!CHROMIUM) throw new Error(WHY_NO_CHROMIUM);
  const profile = mkdtempSync(join(tmpdir(), 'trailwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    acceptDownloads: true,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface UiServer {
  /** The address `trailwatch ui` printed, with its token. */
  readonly url: string;
  readonly db: string;
  /** Stops the server (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

/** A temporary store filled with the Stratus Instance Connect detonation and the instance's story. */
export async function fillStore(): Promise<{ db: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'trailwatch-ui-'));
  const db = join(dir, 'store');
  const story = writeStory(dir);
  const ingest = await spawnCli(['ingest', '--db', db, STRATUS_FILE, story]);
  if (ingest.code !== 0) throw new Error(`ingest failed (${ingest.code}): ${ingest.err}`);
  return { db, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `trailwatch ui --no-open --port 0` on `db` (the built CLI); resolves once it printed its address. */
export function startUi(db: string, extra: readonly string[] = []): Promise<UiServer> {
  return startUiOn(['--db', db, ...extra], db);
}

/**
 * `trailwatch ui --no-open --port 0` with `args` (the store: `--db DIR`, or `--table` and its
 * endpoint), in `env`; resolves once it printed its address. `db`: the local store's directory, if any.
 */
export function startUiOn(
  args: readonly string[],
  db = '',
  env: NodeJS.ProcessEnv = process.env,
): Promise<UiServer> {
  if (!existsSync(BUILT_CLI) || !existsSync(PAGE_BUILT))
    throw new Error(`${BUILT_CLI} or ${PAGE_BUILT} is missing: run npm run build first`);
  const child: ChildProcess = spawn(
    process.execPath,
    [BUILT_CLI, 'ui', '--no-open', '--port', '0', ...args],
    {
      env: { ...env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`trailwatch ui printed no address in 20 s; stdout: ${out}; stderr: ${err}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`trailwatch ui exited (${code}) before printing its address; stderr: ${err}`));
    });
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      const m = /^trailwatch ui: (http:\/\/\S+)$/m.exec(out);
      if (!m?.[1]) return;
      clearTimeout(timer);
      resolve({
        url: m[1],
        db,
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

/**
 * The set-up of a browser test file: a filled store, `trailwatch ui` on it (with `uiArgs`) and
 * Chromium, started before its tests (not when Chromium is missing: `browserIt` skips them) and
 * stopped after them, the server with exit code 0. Returns what the tests use once started.
 */
export function useUiInBrowser(uiArgs: readonly string[] = []): () => {
  ui: UiServer;
  browser: Browser;
  db: string;
} {
  let store: Awaited<ReturnType<typeof fillStore>> | undefined;
  let ui: UiServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!chromiumPath()) return;
    store = await fillStore();
    ui = await startUi(store.db, uiArgs);
    browser = await openBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    if (ui) expect(await ui.stop()).toBe(0);
    store?.cleanup();
  });
  return () => {
    if (!ui || !browser || !store) throw new Error('set-up failed');
    return { ui, browser, db: store.db };
  };
}

/** Saves a full-page screenshot as test-artifacts/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
