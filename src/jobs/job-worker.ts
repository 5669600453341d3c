import { Logger as WorkerLogger, run, type Runner, type Task } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';

/**
 * The job queue's workers, started with the service. Every machine runs them; graphile-worker
 * locks each job, so two machines never run the same job at once.
 */
export async function startJobWorker(options: {
  connectionString: string;
  tasks: Record<string, Task>;
  log: Logger;
  concurrency?: number;
  pollIntervalMs?: number;
  /** Recurring jobs (graphile-worker's crontab format); each runs once across all machines. */
  crontab?: string;
}): Promise<Runner> {
  const log = options.log.child({ component: 'jobs' });
  const logger = new WorkerLogger(() => (level, message) => {
    if (level === 'error') log.error(message);
    else if (level === 'warning') log.warn(message);
    else log.debug(message);
  });
  // Our own pool, so a dropped connection (a database restart) is logged instead of crashing the process.
  const pgPool = new pg.Pool({ connectionString: options.connectionString, max: (options.concurrency ?? 4) + 2 });
  // The message only: pg's errors carry the whole client object.
  pgPool.on('error', (error) => log.warn({ reason: error.message }, 'job queue database connection lost'));
  // A checked-out client that loses its server emits 'error' too; unheard, it would kill the process.
  pgPool.on('connect', (client) => client.on('error', (error) => log.debug({ reason: error.message }, 'job queue connection lost while in use')));
  const runner = await run({
    pgPool,
    taskList: options.tasks,
    concurrency: options.concurrency ?? 4,
    pollInterval: options.pollIntervalMs ?? 2_000,
    noHandleSignals: true,
    logger,
    ...(options.crontab ? { crontab: options.crontab } : {}),
  });
  return {
    ...runner,
    async stop() {
      await runner.stop();
      await pgPool.end();
    },
  };
}
