import { chromiumPath, WHY_NO_CHROMIUM } from './browser-env';

/**
 * `it` when Chromium is here; otherwise each test is skipped with the reason in its name, and a warning
 * on stderr says so (a CI without Chromium shows it loudly rather than passing quietly).
 */
export const browserIt: jest.It = chromiumPath()
  ? it
  : (((name: string, fn: jest.ProvidesCallback, timeout?: number) => {
      console.warn(`SKIPPED browser test "${name}": ${WHY_NO_CHROMIUM}`);
      return it.skip(`${name} (skipped: ${WHY_NO_CHROMIUM})`, fn, timeout);
    }) as unknown as jest.It);
