import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/storage/database.js';
import { launchChromium } from './browser.js';
import { addPerson, GOOD_PASSWORD } from './staff-people.js';

const RUNS = 10;

/**
 * How long the console's conversation list takes to show its first page in headless Chromium:
 * from asking for /console/conversations (a fresh load each time, assets from the browser's cache
 * after the first) to the 50th row on screen. Returns the times in ms, sorted.
 */
export async function timeConsoleList(fastify: FastifyInstance, db: Db, spaId: string): Promise<number[]> {
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = fastify.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await addPerson(db, spaId, 'bench-owner@willow.test', 'owner');
  const teardowns: (() => unknown)[] = [];
  const browser = await launchChromium({ teardown: (fn) => teardowns.push(fn) });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${origin}/console/login`);
    await page.fill('input[name=email]', 'bench-owner@willow.test');
    await page.fill('input[name=password]', GOOD_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${origin}/console/`);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const started = performance.now();
      await page.goto(`${origin}/console/conversations`);
      await page.locator('table tbody tr').nth(49).waitFor();
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b);
  } finally {
    for (const fn of teardowns.reverse()) await fn();
  }
}
