import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDashboardServer, type DashboardServer } from '../../demo/dashboard/server.ts';
import { launchChromium } from './support/browser.ts';

let browser: Browser;
let server: DashboardServer;

beforeAll(async () => {
  server = await startDashboardServer({ limit: 100, html: readFileSync(new URL('../../demo/dashboard/index.html', import.meta.url), 'utf8') });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('the dashboard renders its chart, leader badge and polling widgets in three tabs (screenshot in test-results/)', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const pages = [];
  for (let index = 0; index < 3; index++) {
    const page = await context.newPage();
    await page.goto(server.url);
    pages.push(page);
  }
  const [first] = pages;
  if (first === undefined) throw new Error('no page');
  await first.waitForFunction(() => document.body.dataset['ready'] === 'true');
  await first.waitForTimeout(5000);
  const roles = await Promise.all(pages.map((page) => page.locator('#role').getAttribute('data-role')));
  expect(roles.filter((role) => role === 'leader')).toHaveLength(1);
  expect(roles.filter((role) => role === 'follower')).toHaveLength(2);
  // The chart has been drawn: some pixels are not the background.
  const painted = await first.evaluate(() => {
    const canvas = document.getElementById('chart') as HTMLCanvasElement;
    const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
    let count = 0;
    for (let index = 3; index < data.length; index += 4) if ((data[index] ?? 0) > 0) count++;
    return count;
  });
  expect(painted).toBeGreaterThan(1000);
  await first.waitForFunction(() => Number(document.getElementById('shared')?.textContent) > 0, undefined, { timeout: 10_000 });
  expect(await first.locator('#rejected').textContent()).toBe('0');
  // Every widget has data, the shared ones from one tab to the others, and an effective interval.
  const widgets = await first.locator('#widgets tr').evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '')));
  expect(widgets).toHaveLength(6);
  for (const [, , interval, age, , source] of widgets) {
    expect(interval).toMatch(/^\d+ ms$/);
    expect(age).toMatch(/^\d+ ms$/);
    expect(['network', 'tab', 'other-tab']).toContain(source);
  }
  const sources = await Promise.all(pages.map((page) => page.locator('#widgets td[data-source="other-tab"]').count()));
  expect(sources.reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
  mkdirSync('test-results', { recursive: true });
  const leader = pages[roles.indexOf('leader')] ?? first;
  await leader.screenshot({ path: 'test-results/dashboard.png' });
  await context.close();
});
