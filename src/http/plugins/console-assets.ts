import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

export interface ConsoleAssetsOptions {
  /** The console's build (index.html and assets/); default `dist/console` in the package. */
  dir?: string;
}

/** The package's root: the nearest folder above this file with a package.json (src/ or dist/src/ alike). */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function defaultConsoleDir(): string {
  return path.join(packageRoot(), 'dist', 'console');
}

/**
 * The staff console under /console. Vite fingerprints every asset's name, so /console/assets/* is
 * cached for a year as immutable; index.html names the current assets, so it is revalidated on
 * every load (`no-cache`) and a deploy is picked up at once. Every other path under /console is the
 * app's own route (`/console/conversations/:id`, …): it gets index.html, and the app reads the URL.
 */
const consoleAssets: FastifyPluginAsync<ConsoleAssetsOptions> = async (app, options) => {
  const dir = options.dir ?? defaultConsoleDir();
  const indexFile = path.join(dir, 'index.html');
  const built = existsSync(indexFile);
  if (built) {
    await app.register(fastifyStatic, {
      root: path.join(dir, 'assets'),
      prefix: '/console/assets/',
      index: false,
      maxAge: '365d',
      immutable: true,
      decorateReply: false,
    });
  }
  // Read once: it changes only with a deploy, which restarts the process.
  const indexHtml = built ? readFileSync(indexFile) : undefined;
  const page = async (_request: unknown, reply: FastifyReply) => {
    if (!indexHtml)
      return reply.status(503).type('text/plain; charset=utf-8').send('The console has not been built: run `npm run build`.\n');
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(indexHtml);
  };
  app.get('/console', page);
  app.get('/console/', page);
  app.get('/console/*', page);
};

export default fp(consoleAssets, { name: 'console-assets' });
