import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * Headless Chromium for the console's tests: Debian's `chromium` package driven by playwright-core
 * (which downloads no browser of its own). Where it is missing, browser tests are skipped with
 * the one line below, never passed.
 */

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_MISSING = existsSync(CHROMIUM_PATH)
  ? undefined
  : `no Chromium at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;

/** Quiet, repeatable Chromium: no GPU, no QUIC, no background traffic; playwright gives it a fresh profile (--user-data-dir). */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** `extraArgs`: more Chromium switches, e.g. a fake microphone for the test line. */
export async function launchChromium(t: { teardown(fn: () => unknown): void }, extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...FLAGS, ...extraArgs] });
  t.teardown(() => browser.close());
  return browser;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core on the page as it is now (WCAG 2.1 A and AA rules): the serious and critical
 * violations. axe is evaluated through the DevTools protocol, so the page's CSP stays as served.
 */
export async function seriousAccessibilityProblems(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  // A string, so it runs in the page (whose globals the test's Node types do not know).
  const violations = (await page.evaluate(`(async () => {
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  })()`)) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
