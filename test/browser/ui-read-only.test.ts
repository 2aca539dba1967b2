import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnCli } from '../helpers/cli';
import { type LocalDynamo, startDynalite } from '../helpers/dynalite';
import { credentiallessEnv } from '../helpers/env';
import { type Browser, chromiumPath, openBrowser, screenshot, startUiOn, type UiServer } from './browser-env';
import { browserIt } from './browser-it';
import { INSTANCE, STRATUS_FILE, STRATUS_PUSH, STRATUS_RULE, writeStory } from './ui-story';

/**
 * The page on a real table (`trailwatch ui --table`, dynalite here) in Chromium: read-only. It says so
 * in its header, shows the findings and the instance's timeline as on the local store, and offers no
 * way to mark a finding reviewed.
 */

const TABLE = 'trailwatch-ui-read-only';

describe('trailwatch ui --table: the read-only page in Chromium', () => {
  let dir: string;
  let dynamo: LocalDynamo | undefined;
  let ui: UiServer | undefined;
  let browser: Browser | undefined;
  const env = { ...credentiallessEnv(), AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };

  beforeAll(async () => {
    if (!chromiumPath()) return;
    dir = mkdtempSync(join(tmpdir(), 'trailwatch-ui-table-'));
    dynamo = await startDynalite();
    const store = ['--table', TABLE, '--endpoint', dynamo.endpoint, '--region', 'eu-west-1'];
    const ingest = await spawnCli(['ingest', STRATUS_FILE, writeStory(dir), ...store, '--create-table'], {
      env,
    });
    if (ingest.code !== 0) throw new Error(`ingest failed (${ingest.code}): ${ingest.err}`);
    ui = await startUiOn(store, '', env);
    browser = await openBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (ui) expect(await ui.stop()).toBe(0);
    await dynamo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  browserIt('says read-only, lists the findings, and has no control to review them', async () => {
    if (!ui || !browser) throw new Error('set-up failed');
    const { page } = browser;
    await page.goto(`${ui.url}#/findings`);
    const open = page.locator('section[aria-labelledby="open-title"]');
    const row = open.locator(`tr[data-rule="${STRATUS_RULE}"][data-event-id="${STRATUS_PUSH}"]`);
    await row.waitFor();
    await expect(page.locator('header .tw-badge-readonly').textContent()).resolves.toBe('read-only');
    await expect(open.locator('tbody tr').count()).resolves.toBe(8);
    await expect(page.getByRole('button', { name: /Mark reviewed/ }).count()).resolves.toBe(0);
    await expect(row.textContent()).resolves.toContain('read-only store');
    await expect(page.locator('.tw-lead').textContent()).resolves.toContain('reviews are shown, not made');
    await screenshot(page, 'read-only-findings');
    expect(browser.problems).toEqual([]);
  });

  browserIt("shows the instance's timeline and its findings as on the local store", async () => {
    if (!ui || !browser) throw new Error('set-up failed');
    const { page } = browser;
    await page.goto(`${ui.url}#/instance/${INSTANCE}`);
    await page.locator('.vis-timeline').waitFor();
    await expect(page.locator('header .tw-badge-readonly').count()).resolves.toBe(1);
    await expect(page.getByRole('button', { name: /Mark reviewed/ }).count()).resolves.toBe(0);
    await expect(page.locator(`[data-event-id="${STRATUS_PUSH}"]`).count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'read-only-instance');
    expect(browser.problems).toEqual([]);
  });
});
