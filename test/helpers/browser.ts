// Headless Debian Chromium through playwright-core, for the Swagger UI and GraphiQL tests. The flags keep
// it from reaching for the network this machine does not have (background updates, sync, QUIC).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { expect, it } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

/**
 * CI installs Chromium, so there a missing browser is a failing test; locally the browser tests are skipped
 * with a warning instead. Call at the top level of a browser test file.
 */
export function requireChromiumInCi(what: string): void {
  if (!haveChromium && !process.env.CI) {
    console.warn(`${what}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`);
  }
  it.runIf(!haveChromium && process.env.CI)(`Chromium is installed at ${CHROMIUM}`, () => {
    expect.fail(`CI must install Chromium at ${CHROMIUM} for the ${what} test`);
  });
}

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
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
