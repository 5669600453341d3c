import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { openDatabase, type DatabaseHandle } from '../storage/database.js';

/** Shared frame for the npm-script commands: config, logger, database; one-line errors, exit codes. */
export async function runWithDatabase(
  work: (context: { config: Config; logger: Logger; database: DatabaseHandle }) => Promise<void>,
): Promise<void> {
  let database: DatabaseHandle | undefined;
  try {
    const config = loadConfig();
    const logger = createLogger(config);
    database = await openDatabase(config, logger);
    await work({ config, logger, database });
    await database.close();
  } catch (error) {
    await database?.close().catch(() => {});
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = 1;
  }
}
