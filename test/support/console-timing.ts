import type { FastifyInstance } from 'fastify';
import type { Db } from '../../src/storage/database.js';
import { launchChromium } from './browser.js';
import { addPerson, GOOD_PASSWORD } from './staff-people.js';

const RUNS = 10;

/** One load of the list: wall time, where it went, and the CPU both sides spent on it. */
export interface ConsoleListRun {
  /** Asking for /console/conversations → the 50th row on screen, ms. */
  totalMs: number;
  /** When each API request the load made started and ended, ms from navigation start (Resource Timing). */
  requests: { path: string; startMs: number; endMs: number }[];
  /** The document's own response end, ms from navigation start. */
  documentMs: number;
  /** Chromium's main-thread task time in the loaded document (DevTools Performance.getMetrics TaskDuration), ms. */
  browserCpuMs: number;
  /** The server's CPU time (this process: Fastify and the pg client), user + system, ms. */
  serverCpuMs: number;
}

/**
 * How long the console's conversation list takes to show its first page in headless Chromium:
 * from asking for /console/conversations (a fresh load each time, assets from the browser's cache
 * after the first) to the 50th row on screen, signed in as an owner. Returns the runs sorted by
 * total time, each with the API requests' timeline and the CPU spent by the browser and the server,
 * so a slow figure on a loaded machine can be told apart from a slow page.
 */
export async function timeConsoleList(fastify: FastifyInstance, db: Db, spaId: string): Promise<ConsoleListRun[]> {
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = fastify.server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  await addPerson(db, spaId, 'bench-owner@willow.test', 'owner');
  const teardowns: (() => unknown)[] = [];
  const browser = await launchChromium({ teardown: (fn) => teardowns.push(fn) });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const devtools = await page.context().newCDPSession(page);
    await devtools.send('Performance.enable');
    const taskMs = async () => {
      const { metrics } = await devtools.send('Performance.getMetrics');
      return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
    };
    await page.goto(`${origin}/console/login`);
    await page.fill('input[name=email]', 'bench-owner@willow.test');
    await page.fill('input[name=password]', GOOD_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${origin}/console/`);
    const runs: ConsoleListRun[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const serverBefore = process.cpuUsage();
      const started = performance.now();
      await page.goto(`${origin}/console/conversations`);
      await page.locator('table tbody tr').nth(49).waitFor();
      const totalMs = performance.now() - started;
      const server = process.cpuUsage(serverBefore);
      // The renderer's counters start again with each document: this is the new page's own.
      const browserCpuMs = await taskMs();
      const timeline = (await page.evaluate(`(() => ({
        documentMs: performance.getEntriesByType('navigation')[0]?.responseEnd ?? 0,
        requests: performance.getEntriesByType('resource')
          .filter((e) => new URL(e.name).pathname.startsWith('/api/v1/'))
          .map((e) => ({ path: new URL(e.name).pathname, startMs: e.startTime, endMs: e.responseEnd })),
      }))()`)) as Pick<ConsoleListRun, 'documentMs' | 'requests'>;
      runs.push({ totalMs, ...timeline, browserCpuMs, serverCpuMs: (server.user + server.system) / 1000 });
    }
    return runs.sort((a, b) => a.totalMs - b.totalMs);
  } finally {
    for (const fn of teardowns.reverse()) await fn();
  }
}

/** The median run's timeline in one line: document, then each API request's start–end. */
export function describeConsoleRun(run: ConsoleListRun): string {
  const requests = run.requests.map((r) => `${r.path.replace('/api/v1', '')} ${r.startMs.toFixed(0)}–${r.endMs.toFixed(0)}`).join(', ');
  return `document ${run.documentMs.toFixed(0)}; ${requests}; 50th row ${run.totalMs.toFixed(0)} ms (browser main thread ${run.browserCpuMs.toFixed(0)} ms CPU, server ${run.serverCpuMs.toFixed(0)} ms CPU)`;
}
