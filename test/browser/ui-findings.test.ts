import { spawnCli } from '../helpers/cli';
import { screenshot, useUiInBrowser } from './browser-env';
import { browserIt } from './browser-it';
import { INSTANCE, STRATUS_PUSH, STRATUS_RULE } from './ui-story';

/** The findings page in Chromium: filters, and a finding marked reviewed with a note, listed apart. */

const REVIEWER = 'responder@example.com';
/** Markup in a note is text: it must show as typed, never become an element. */
const NOTE = 'Stratus Red Team detonation, expected. <img src=x onerror=alert(1)> checked with christophe';

const started = useUiInBrowser(['--reviewer', REVIEWER]);

describe('trailwatch ui: findings page in Chromium', () => {
  browserIt(
    'marks a finding reviewed with a note; it is listed apart, and findings --json carries the review',
    async () => {
      const { ui: server, browser: b, db } = started();
      const { page } = b;
      await page.goto(`${server.url}#/findings`);
      const open = page.locator('section[aria-labelledby="open-title"]');
      const reviewed = page.locator('section[aria-labelledby="reviewed-title"]');
      const row = (section: typeof open) =>
        section.locator(`tr[data-rule="${STRATUS_RULE}"][data-event-id="${STRATUS_PUSH}"]`);
      await row(open).waitFor();
      await expect(open.locator('tbody tr').count()).resolves.toBe(8);
      await expect(reviewed.locator('tbody tr').count()).resolves.toBe(0);
      await screenshot(page, '5-findings-open');

      await row(open)
        .getByRole('button', { name: /Mark reviewed/ })
        .click();
      await row(open).getByLabel('Note').fill(NOTE);
      await screenshot(page, '6-findings-review-note');
      await row(open).getByRole('button', { name: 'Save review' }).click();

      await row(reviewed).waitFor();
      await expect(row(open).count()).resolves.toBe(0);
      await expect(open.locator('tbody tr').count()).resolves.toBe(7);
      await expect(row(reviewed).locator('.tw-review-note').textContent()).resolves.toBe(NOTE);
      await expect(row(reviewed).locator('img').count()).resolves.toBe(0);
      await expect(row(reviewed).textContent()).resolves.toContain(`by ${REVIEWER}`);
      await expect(page.getByRole('heading', { name: 'Reviewed (1)' }).count()).resolves.toBe(1);
      await screenshot(page, '7-findings-reviewed');

      const lines = (await spawnCli(['findings', '--json', '--db', db])).json<{
        rule: string;
        eventID: string;
        instanceId: string;
        review: { note: string; by: string; at: string } | null;
      }>();
      const marked = lines.find((l) => l.rule === STRATUS_RULE && l.eventID === STRATUS_PUSH);
      expect(marked?.instanceId).toBe(INSTANCE);
      expect(marked?.review).toEqual({
        note: NOTE,
        by: REVIEWER,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(lines.filter((l) => l.review !== null)).toHaveLength(1);
      expect(b.problems).toEqual([]);
    },
    90_000,
  );

  browserIt(
    'filters by rule and severity through the address, and reopens a reviewed finding',
    async () => {
      const { ui: server, browser: b } = started();
      const { page } = b;
      await page.goto(`${server.url}#/findings`);
      await page.getByLabel('Severity').selectOption('high');
      await page.getByLabel('Rule').fill(STRATUS_RULE);
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/#\/findings\?.*severity=high/);
      const rows = page.locator('tbody tr');
      // the filtered answer's headings: the unfiltered page's own ("Open (7)") stay on screen until the
      // hash change is rendered, and a wait for any "Open (" heading could end before it (then no row)
      await page.getByRole('heading', { name: 'Open (2)' }).waitFor();
      await page.getByRole('heading', { name: 'Reviewed (1)' }).waitFor();
      await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-rule')))).resolves.toEqual(
        [STRATUS_RULE, STRATUS_RULE, STRATUS_RULE],
      );
      const reviewedRow = page.locator(
        `section[aria-labelledby="reviewed-title"] tr[data-event-id="${STRATUS_PUSH}"]`,
      );
      await reviewedRow.getByRole('button', { name: 'Reopen' }).click();
      await page.getByRole('heading', { name: 'Reviewed (0)' }).waitFor();
      await expect(page.getByRole('heading', { name: 'Open (3)' }).count()).resolves.toBe(1);
      expect(b.problems).toEqual([]);
    },
    60_000,
  );
});
