import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const CONFIG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/console/vite.config.ts');

/** Builds the console from today's sources into a folder of its own (tests never read a stale dist/). */
export async function buildConsole(): Promise<string> {
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'console-build-'));
  await build({ configFile: CONFIG, logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  return outDir;
}
