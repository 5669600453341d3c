import { sql, type Kysely, type Transaction } from 'kysely';
import { Logger, runMigrations } from 'graphile-worker';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The durable job queue lives in Postgres (graphile-worker's own schema). Jobs are added with SQL,
 * inside the same transaction as the change that causes them (a booking and its confirmation text
 * commit or roll back together), and a job key makes each one unique per appointment and purpose.
 */

/** Task names, shared by the code that queues jobs and the workers that run them. */
export const APPOINTMENT_TEXT_TASK = 'send_appointment_text';
export const APPOINTMENT_REMINDER_TASK = 'send_appointment_reminder';
export const SMS_REPLY_TASK = 'reply_to_text';
export const CALL_FOLLOW_UP_TASK = 'follow_up_unfinished_call';
export const CONVERSATION_ANALYSIS_TASK = 'analyse_conversation';

export async function migrateJobQueue(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger: new Logger(() => () => {}) });
}

export interface AddJobOptions {
  /** Unique key: adding again with the same key replaces the pending job instead of adding one. */
  jobKey: string;
  runAt?: Date;
  maxAttempts?: number;
  /** replace (default): the new run time wins; preserve_run_at: a job already waiting keeps its time. */
  keyMode?: 'replace' | 'preserve_run_at';
}

export async function addJob(db: Db, task: string, payload: unknown, options: AddJobOptions): Promise<void> {
  await sql`select graphile_worker.add_job(
    identifier => ${task},
    payload => ${JSON.stringify(payload)}::json,
    run_at => ${options.runAt ?? null}::timestamptz,
    max_attempts => ${options.maxAttempts ?? 10}::integer,
    job_key => ${options.jobKey},
    job_key_mode => ${options.keyMode ?? 'replace'}
  )`.execute(db);
}

/** Attempts of the analysis job: graphile-worker backs off e^attempt s, so about a minute and a half in all. */
export const ANALYSIS_MAX_ATTEMPTS = 5;

/**
 * Queues the after-conversation analysis (summary, outcome, score, cost, roll-up), one pending job
 * per conversation. Real time, not the business clock: this is when the worker picks it up.
 */
export async function queueConversationAnalysis(
  db: Db,
  conversationId: string,
  options: { delayMs?: number; keepEarlier?: boolean } = {},
): Promise<void> {
  await addJob(db, CONVERSATION_ANALYSIS_TASK, { conversationId }, {
    jobKey: `analysis:${conversationId}`,
    runAt: new Date(Date.now() + (options.delayMs ?? 0)),
    maxAttempts: ANALYSIS_MAX_ATTEMPTS,
    keyMode: options.keepEarlier ? 'preserve_run_at' : 'replace',
  });
}

/** Removes a pending job (e.g. the reminder of a cancelled appointment). */
export async function removeJob(db: Db, jobKey: string): Promise<void> {
  await sql`select graphile_worker.remove_job(${jobKey})`.execute(db);
}

export interface QueuedJob {
  task: string;
  key: string | null;
  payload: unknown;
  runAt: Date;
}

/** Jobs waiting in the queue (for staff views and tests). */
export async function pendingJobs(db: Db): Promise<QueuedJob[]> {
  const rows = await sql<{ task: string; key: string | null; payload: unknown; run_at: Date }>`
    select t.identifier as task, j.key, j.payload, j.run_at
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    order by j.id`.execute(db);
  return rows.rows.map((r) => ({ task: r.task, key: r.key, payload: r.payload, runAt: r.run_at }));
}
