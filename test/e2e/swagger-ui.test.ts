import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.ts';
import { startServer, type RunningServer } from '../../src/server.ts';
import { haveChromium, launchChromium, requireChromiumInCi } from '../helpers/browser.ts';
import { ROOT, removeTempDirs, tempDir } from './helpers.ts';

const SCREENSHOT = path.join(ROOT, 'test/e2e/out/swagger-ui.png');

requireChromiumInCi('Swagger UI');

describe.runIf(haveChromium)('Swagger UI in a real browser', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: await tempDir(),
      PORT: '0',
      HOST: '127.0.0.1',
    });
    server = await startServer(config);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await removeTempDirs();
  });

  it('renders /docs without console errors or CSP violations and offers every security scheme', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content Security Policy/i.test(message.text()))
        problems.push(`console.${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (event) =>
        console.error('Content Security Policy violation: ' + event.effectiveDirective + ' ' + event.blockedURI));`,
    });
    page.on('requestfailed', (request) => problems.push(`requestfailed: ${request.url()}`));

    const response = await page.goto(`${server.url}/docs`, { waitUntil: 'load', timeout: 15_000 });
    expect(response?.status()).toBe(200);
    // The title comes from the OpenAPI document, so it only appears once the UI has fetched and rendered it.
    await page.locator('.information-container .title', { hasText: 'Bulwark' }).waitFor({ timeout: 15_000 });
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 }); // the operations are listed

    const authorize = page.locator('button.authorize');
    await expect.poll(() => authorize.count()).toBe(1);
    await authorize.click();
    const dialog = page.locator('.modal-ux', { hasText: 'Available authorizations' });
    await dialog.waitFor({ timeout: 5000 });
    const headings = await dialog.locator('.auth-container h4').allInnerTexts(); // "bearerAuth  (http, Bearer)"
    const schemes = headings.map((text) => text.trim().split(/\s/)[0]);
    expect(schemes.sort(), headings.join('\n')).toEqual([
      'apiKeyAuth',
      'basicAuth',
      'bearerAuth',
      'cookieAuth',
      'oauth2',
    ]);

    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: false });
    expect(problems).toEqual([]);
  });
});
