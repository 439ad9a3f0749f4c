import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { haveChromium, launchChromium, requireChromiumInCi } from '../helpers/browser.ts';

requireChromiumInCi('GraphiQL');

describe.runIf(haveChromium)('GraphiQL in a real browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    t = await buildTestApp();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads from local assets only, and runs a typed query', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    const problems: string[] = [];
    // Nothing may come from anywhere but this server (there is no CDN here, and there must be none).
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(base)) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    const response = await page.goto(`${base}/graphql`, { waitUntil: 'load', timeout: 20_000 });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/text\/html/);

    const editor = page.locator('.graphiql-query-editor').first();
    await editor.waitFor({ timeout: 20_000 });
    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('{ animals(first: 3) { totalCount ');
    await page.keyboard.press('Control+Enter');
    const result = page.locator('.graphiql-response');
    await expect.poll(async () => result.innerText(), { timeout: 20_000 }).toMatch(/"totalCount":\s+0/);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });
});
