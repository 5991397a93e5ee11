/**
 * Real Chromium for the browser tests: Debian's `chromium` driven by playwright-core, which downloads
 * nothing. Each launch gets a fresh profile: playwright-core refuses a `--user-data-dir` argument on
 * `launch()` and passes its own new temporary `--user-data-dir` instead (removed on close); every test
 * then opens its own incognito-like BrowserContext.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Launches headless Chromium with the flags that keep it off the network and quiet on a shared machine. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/run.mjs does this on CI)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}
