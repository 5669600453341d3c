import { sql } from 'kysely';
import { Logger, runMigrations } from 'graphile-worker';
import type { Clock } from '../config/clock.js';
import type { Db } from './database.js';

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

/**
 * graphile-worker picks a job up when the database's own clock reaches its `run_at`, and cannot be
 * given ours. So a time on our clock (`at`, when our clock says `now`) is handed over as the same distance from the wall clock: a
 * reminder due tomorrow by a test's fixed clock is due tomorrow for the worker too, whatever the date
 * the test runs on. In production both are the system clock and this is the identity. This is the
 * one place that reads the wall clock to schedule.
 */
export function queueTime(at: Date, now: Date): Date {
  return new Date(Date.now() + (at.getTime() - now.getTime()));
}

/** When the worker should pick a job up: `delayMs` of real time from now (none: at once). */
export function queueDelay(delayMs: number): Date {
  return new Date(Date.now() + delayMs);
}

export interface AddJobOptions {
  /** Unique key: adding again with the same key replaces the pending job instead of adding one. */
  jobKey: string;
  /** On the worker's clock: from `queueTime` or `queueDelay`, never a time on our clock as it is. */
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
 * per conversation, `delayMs` of real time from now.
 */
export async function queueConversationAnalysis(
  db: Db,
  conversationId: string,
  options: { delayMs?: number; keepEarlier?: boolean; trace?: Record<string, string> } = {},
): Promise<void> {
  // The call's trace context (W3C traceparent), so the analysis's trace links back to the call's.
  await addJob(db, CONVERSATION_ANALYSIS_TASK, { conversationId, ...(options.trace ? { trace: options.trace } : {}) }, {
    jobKey: `analysis:${conversationId}`,
    runAt: queueDelay(options.delayMs ?? 0),
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
  /** On the worker's clock, or on `clock` when one is given (to the second). */
  runAt: Date;
}

/** Jobs waiting in the queue (for staff views and tests), due times read back onto `clock` when given. */
export async function pendingJobs(db: Db, clock?: Clock): Promise<QueuedJob[]> {
  const rows = await sql<{ task: string; key: string | null; payload: unknown; run_at: Date }>`
    select t.identifier as task, j.key, j.payload, j.run_at
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    order by j.id`.execute(db);
  const onClock = (at: Date) => (clock ? new Date(Math.round((at.getTime() - Date.now() + clock().getTime()) / 1000) * 1000) : at);
  return rows.rows.map((r) => ({ task: r.task, key: r.key, payload: r.payload, runAt: onClock(r.run_at) }));
}

/** How many jobs wait per task (for the metrics). */
export async function pendingJobCounts(db: Db): Promise<Record<string, number>> {
  const rows = await sql<{ task: string; count: number }>`
    select t.identifier as task, count(*)::int as count
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    group by t.identifier`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.task, r.count]));
}
