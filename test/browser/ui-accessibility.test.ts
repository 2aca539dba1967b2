import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { screenshot, useUiInBrowser } from './browser-env';
import { browserIt } from './browser-it';
import { INSTANCE, STRATUS_PUSH } from './ui-story';

/**
 * axe-core (Deque's accessibility rules, WCAG 2.x A and AA) run in the page: no serious or critical
 * violation on the instance page (with its timeline) and the findings page.
 */

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly string[];
}

/**
 * The violations axe finds in the page as it is. axe's source is evaluated through the DevTools
 * protocol, as a debugger would (the page's CSP allows no inline script, so it cannot be a <script>).
 */
async function axeViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')),
    })))`) as Promise<Violation[]>;
}

const serious = (vs: readonly Violation[]): Violation[] =>
  vs.filter((v) => v.impact === 'serious' || v.impact === 'critical');

const started = useUiInBrowser();

describe('trailwatch ui: accessibility (axe-core) in Chromium', () => {
  const pages: readonly [string, string, string][] = [
    ['the instance page with its timeline', `#/instance/${INSTANCE}`, '.tw-tl-link'],
    ['the findings page', '#/findings', 'tr[data-rule]'],
    ['the event page', `#/event/${STRATUS_PUSH}`, 'pre.tw-record'],
  ];
  for (const [name, hash, ready] of pages) {
    browserIt(
      `finds no serious or critical violation on ${name}`,
      async () => {
        const { ui: server, browser: b } = started();
        await b.page.goto(`${server.url}${hash}`);
        await b.page.locator(ready).first().waitFor();
        const violations = await axeViolations(b.page);
        for (const v of violations)
          if (!serious([v]).length) console.info(`axe (${v.impact}): ${v.id} ${v.help}`);
        expect(serious(violations)).toEqual([]);
        await screenshot(b.page, `8-axe-${hash.split('/')[1]}`);
        expect(b.problems).toEqual([]);
      },
      60_000,
    );
  }
});
