import { sql, type Kysely } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { pendingMigrations } from '../storage/migrations.js';
import type { Database } from '../storage/schema.js';

export interface ReadinessSource {
  /** True once the process has been asked to stop: no new calls should be routed here. */
  isDraining(): boolean;
  /** Calls carried now and the most this machine takes. */
  callLoad?(): { live: number; max: number };
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

/** /healthz: the process is alive. /readyz: it can take calls (database reachable, schema current, not draining, not full). */
export function registerHealthRoutes(app: FastifyInstance, db: Kysely<Database>, state: ReadinessSource): void {
  app.get('/healthz', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

  app.get('/readyz', { logLevel: 'warn' }, async (_request, reply) => {
    const checks: Record<string, string> = {};
    let ready = true;
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
      await withTimeout(sql`select 1`.execute(db), CHECK_TIMEOUT_MS, 'database check');
      checks.database = 'ok';
      const pending = await withTimeout(pendingMigrations(db), CHECK_TIMEOUT_MS, 'migration check');
      if (pending.length > 0) {
        checks.migrations = `${pending.length} pending`;
        ready = false;
      } else checks.migrations = 'ok';
    } catch (error) {
      checks.database = error instanceof Error ? error.message : 'unreachable';
      ready = false;
    }
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });
}
