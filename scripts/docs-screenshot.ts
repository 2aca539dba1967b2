/**
 * `npm run docs:screenshot`: docs/images/ui-instance.png, the page of `trailwatch ui` as docs/ui.md
 * shows it: the instance of the Stratus Red Team Instance Connect detonation and its timeline, with the
 * key pushes and their findings. Same set-up as the browser tests (test/browser/browser-env.ts): the built
 * CLI on a temporary store, Debian's Chromium through playwright-core. Build first (the npm script does).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumPath, fillStore, openBrowser, startUi, WHY_NO_CHROMIUM } from '../test/browser/browser-env';
import { INSTANCE } from '../test/browser/ui-story';

const OUT = join(__dirname, '..', 'docs', 'images', 'ui-instance.png');

async function main(): Promise<void> {
  if (!chromiumPath()) throw new Error(WHY_NO_CHROMIUM);
  const store = await fillStore();
  const ui = await startUi(store.db);
  const browser = await openBrowser({ width: 1280, height: 900 });
  try {
    const { page } = browser;
    await page.goto(`${ui.url}#/instance/${INSTANCE}`);
    await page.locator('.tw-tl-link').first().waitFor();
    await page.waitForTimeout(300);
    // The header, the instance's summary, its time window and its timeline.
    const timeline = await page.locator('section[aria-labelledby="timeline-title"]').boundingBox();
    const height = Math.ceil((timeline ? timeline.y + timeline.height : 900) + 16);
    mkdirSync(join(OUT, '..'), { recursive: true });
    await page.screenshot({ path: OUT, clip: { x: 0, y: 0, width: 1280, height }, fullPage: true });
    if (browser.problems.length > 0) throw new Error(`the page reported: ${browser.problems.join('; ')}`);
    console.log(`wrote ${OUT} (1280x${height})`);
  } finally {
    await browser.close();
    await ui.stop();
    store.cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(`docs:screenshot: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
