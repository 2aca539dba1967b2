import { readFileSync } from 'node:fs';
import { type Browser, screenshot, useUiInBrowser } from './browser-env';
import { browserIt } from './browser-it';
import {
  DENIED_PUSH,
  INSTANCE,
  PUSH_AS_ROOT,
  STRATUS_PUSH,
  STRATUS_PUSH_TIME,
  STRATUS_RULE,
} from './ui-story';

/**
 * `trailwatch ui` in Chromium: from the search box to an instance's timeline (the Stratus Red Team
 * Instance Connect push among the instance's hour), then to the event's full record.
 */

const started = useUiInBrowser();

/** The key pushes on the timeline: event ID, time, left edge on screen, the finding named on the mark. */
async function pushMarks(b: Browser): Promise<{ id: string; time: string; x: number; flag: string }[]> {
  const links = b.page.locator('.tw-tl-link', { hasText: 'SendSSHPublicKey' });
  const marks = [];
  for (const link of await links.all()) {
    const box = await link.boundingBox();
    marks.push({
      id: (await link.getAttribute('data-event-id')) ?? '',
      time: (await link.getAttribute('data-time')) ?? '',
      x: box?.x ?? Number.NaN,
      flag:
        (await link
          .locator('.tw-tl-flag')
          .textContent()
          .catch(() => null)) ?? '',
    });
  }
  return marks;
}

describe('trailwatch ui: instance timeline in Chromium', () => {
  browserIt(
    'goes from the search box to the instance, shows its key pushes in time order with the finding marked, and opens a push',
    async () => {
      const { ui: server, browser: b } = started();
      const { page } = b;
      await page.goto(server.url);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(page.url()).not.toContain('token=');
      await screenshot(page, '1-home');

      await page.getByLabel('Search the index').fill(INSTANCE);
      await page.getByLabel('Search the index').press('Enter');
      await page.waitForURL(`**/#/instance/${INSTANCE}`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(INSTANCE);
      await page.locator('.tw-tl-link').first().waitFor();
      await screenshot(page, '2-instance-timeline');

      const marks = await pushMarks(b);
      expect(marks.map((m) => m.id).sort()).toEqual([STRATUS_PUSH, PUSH_AS_ROOT, DENIED_PUSH].sort());
      const byPosition = [...marks].sort((a, b) => a.x - b.x);
      expect(byPosition.map((m) => m.time)).toEqual([
        STRATUS_PUSH_TIME,
        '2024-08-01T13:31:05Z',
        '2024-08-01T14:02:10Z',
      ]);
      const stratus = marks.find((m) => m.id === STRATUS_PUSH);
      expect(stratus?.flag).toContain(STRATUS_RULE);
      await expect(
        page.locator(`.vis-item.tw-mark-finding:has([data-event-id="${STRATUS_PUSH}"])`).count(),
      ).resolves.toBe(1);
      // the lane of the Stratus push is its principal's, named by the IAM user name
      await expect(page.locator('.tw-tl-lane-name').allTextContents()).resolves.toEqual(
        expect.arrayContaining(['alice@example.com', 'christophe', 'bob']),
      );

      await page.locator(`.tw-tl-link[data-event-id="${STRATUS_PUSH}"]`).click();
      await page.waitForURL(`**/#/event/${STRATUS_PUSH}`);
      const record = page.locator('pre.tw-record');
      await record.waitFor();
      const text = (await record.textContent()) ?? '';
      expect(JSON.parse(text)).toMatchObject({
        eventID: STRATUS_PUSH,
        eventName: 'SendSSHPublicKey',
        requestParameters: { instanceId: 'i-9d2abfF1798C34950', instanceOSUser: 'ec2-user' },
      });
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('SendSSHPublicKey');
      await screenshot(page, '3-event-record');
      expect(b.problems).toEqual([]);
    },
    90_000,
  );

  browserIt(
    'switches to one lane per access method, zooms with the buttons, and reaches the marks by keyboard',
    async () => {
      const { ui: server, browser: b } = started();
      const { page } = b;
      await page.goto(`${server.url}#/instance/${INSTANCE}`);
      await page.locator('.tw-tl-link').first().waitFor();
      await page.getByLabel('by access method').check();
      await expect(page.locator('.tw-tl-lane-name').allTextContents()).resolves.toEqual(
        expect.arrayContaining([
          'instance-connect',
          'ssm-session',
          'launch-key-pair',
          'user-data-change',
          'other calls',
        ]),
      );
      const lane = page.locator('.tw-tl-lane', { hasText: 'instance-connect' });
      await expect(lane.locator('.tw-tl-lane-count').textContent()).resolves.toBe('3 events');

      const gap = async (): Promise<number> => {
        const [first, last] = await Promise.all([
          page.locator(`.tw-tl-link[data-event-id="${STRATUS_PUSH}"]`).boundingBox(),
          page.locator(`.tw-tl-link[data-event-id="${PUSH_AS_ROOT}"]`).boundingBox(),
        ]);
        return (last?.x ?? 0) - (first?.x ?? 0);
      };
      const before = await gap();
      await page.getByRole('button', { name: 'Zoom in' }).click();
      await page.waitForTimeout(600);
      expect(await gap()).toBeGreaterThan(before * 1.3);
      await screenshot(page, '4-instance-lanes-by-method-zoomed');

      // the marks are links the keyboard reaches: Tab from the toolbar, Enter opens the event
      await page.getByRole('button', { name: 'Show all' }).click();
      let focused: string | null = null;
      for (let i = 0; i < 20 && !focused; i++) {
        await page.keyboard.press('Tab');
        focused = (await page.evaluate(
          "document.activeElement?.classList.contains('tw-tl-link') ? document.activeElement.dataset.eventId : null",
        )) as string | null;
      }
      expect(focused).not.toBeNull();
      await page.keyboard.press('Enter');
      await page.waitForURL(`**/#/event/${focused}`);
      expect(b.problems).toEqual([]);
    },
    60_000,
  );

  browserIt(
    'exports the events it shows as NDJSON and CSV',
    async () => {
      const { ui: server, browser: b } = started();
      const { page } = b;
      await page.goto(`${server.url}#/instance/${INSTANCE}`);
      await page.locator('.tw-tl-link').first().waitFor();
      const save = async (name: string): Promise<string> => {
        const [download] = await Promise.all([page.waitForEvent('download'), page.getByLabel(name).click()]);
        return readFileSync(await download.path(), 'utf8');
      };
      const ndjson = (await save('Export events as NDJSON'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(ndjson.map((e) => e.eventID)).toContain(STRATUS_PUSH);
      expect(ndjson).toHaveLength(7);
      const csv = (await save('Export events as CSV')).trimEnd().split('\r\n');
      expect(csv[0]).toMatch(/^eventTime,eventName,eventSource,principal,/);
      expect(csv).toHaveLength(8);
      expect(csv.find((l) => l.includes(STRATUS_PUSH))).toContain(
        'arn:aws:iam::572910899909:user/christophe',
      );
      expect(b.problems).toEqual([]);
    },
    60_000,
  );
});
