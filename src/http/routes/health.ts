import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { pingDatabase } from '../../storage/database-ping.js';
import { pendingMigrations } from '../../storage/migrations.js';
import type { WriteQueueStats } from '../../storage/write-queue.js';

export interface ReadinessSource {
  /** True once the process has been asked to stop: no new calls should be routed here. */
  isDraining(): boolean;
  /** Calls carried now and the most this machine takes. */
  callLoad?(): { live: number; max: number };
  /** The call write queue, when the app has one. */
  writeQueue?(): WriteQueueStats;
}

const CHECK_TIMEOUT_MS = 2_000;

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The queue in public words: counts and ages, never the database's error text (it names hosts). */
function describeQueue(stats: WriteQueueStats): string {
  const waiting = stats.inMemory + stats.onDisk;
  let text =
    waiting === 0
      ? 'empty'
      : `${waiting} writes waiting (${stats.onDisk} on disk), oldest ${((stats.oldestAgeMs ?? 0) / 1000).toFixed(1)} s`;
  if (stats.degraded) text += '; retrying';
  if (stats.deadLettered > 0) text += `; ${stats.deadLettered} refused by the database, kept in the dead-letter file`;
  return text;
}

/**
 * /healthz: the process is alive. /readyz: it can take calls. Draining, pending migrations or a
 * full machine fail it (503). An unreachable database does not: it is shared by every machine, so failing readiness
 * would take the whole service off the air, while calls still connect and run with their writes
 * queued. That state answers 200 with status "degraded" and says what is waiting.
 * Anyone may ask, so the answer says `unreachable` and `retrying`; the error text (which names the
 * database's host and port) goes to the log.
 */
const healthRoutes: FastifyPluginAsync<ReadinessSource> = async (app, state) => {
  const { db } = app;
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
    let degraded = false;
    if (state.isDraining()) {
      checks.draining = 'shutting down';
      ready = false;
    }
    const load = state.callLoad?.();
    if (load) {
      // A full machine is not ready for more calls; the ones it carries are fine.
      const full = load.live >= load.max;
      checks.calls = `${load.live} of ${load.max}${full ? ' (full)' : ''}`;
      if (full) ready = false;
    }
    try {
      await withTimeout(pingDatabase(db), CHECK_TIMEOUT_MS, 'database check');
      checks.database = 'ok';
      const pending = await withTimeout(pendingMigrations(db), CHECK_TIMEOUT_MS, 'migration check');
      if (pending.length > 0) {
        checks.migrations = `${pending.length} pending`;
        ready = false;
      } else checks.migrations = 'ok';
    } catch (error) {
      app.log.warn({ err: error }, 'readiness: the database is unreachable');
      checks.database = 'unreachable';
      degraded = true;
    }
    const queue = state.writeQueue?.();
    if (queue) {
      checks.writeQueue = describeQueue(queue);
      if (queue.degraded) {
        app.log.warn({ lastError: queue.lastError }, 'readiness: queued writes cannot reach the database');
        degraded = true;
      }
    }
    const status = !ready ? 'not ready' : degraded ? 'degraded' : 'ready';
    return reply.status(ready ? 200 : 503).send({ status, checks });
  });
};

export default fp(healthRoutes, { name: 'health-routes', dependencies: ['http-services'], encapsulate: true });
