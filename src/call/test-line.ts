import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { voiceConversationId } from '../storage/conversation-ids.js';
import { findCustomerByPhone } from '../storage/customer-repository.js';
import { liveTestCallCount } from '../storage/live-call-repository.js';
import type { Database } from '../storage/schema.js';
import { spaPhoneNumber } from '../storage/spa-lookups.js';
import type { WriteQueue } from '../storage/write-queue.js';
import { wallClock } from './call-clock.js';
import type { CallIntake, TestCallPage } from './call-intake.js';
import type { CallParticipants } from './call-setup.js';
import type { CallerStream } from './caller-stream.js';

/** Test calls a spa may hold at once (across machines): enough for a few staff trying things. */
export const MAX_TEST_CALLS_PER_SPA = 3;
/** Test calls' CallSids start with this; Twilio's start with `CA`, so the two never meet. */
export const TEST_CALL_SID_PREFIX = 'TL';
/** How long opening a test call waits for its record to reach the database. */
const OPEN_WAIT_MS = 2_000;

/** Who the test caller is: a new caller (a fictional number not on file) or a given number. */
export type TestCaller = { kind: 'new' } | { kind: 'number'; number: string };

export interface OpenedTestCall extends CallParticipants {
  callSid: string;
  streamSid: string;
  callerNumber: string;
  /** The number was on file before this call: the receptionist treats them as a returning caller. */
  knownCaller: boolean;
}

export type TestCallRefusal = { code: 'MACHINE_FULL' | 'TOO_MANY_TEST_CALLS' | 'DATABASE_AWAY' | 'NO_SPA_NUMBER'; message: string };

export interface TestLineDependencies {
  db: Kysely<Database>;
  writes: WriteQueue;
  intake: CallIntake;
  isDraining: () => boolean;
  log: Logger;
}

/**
 * The console's test line: a call placed from a browser rather than a phone. It counts toward
 * this machine's live-call limit and its spa's few test calls, is recorded as a test
 * conversation, and then runs as any call does (CallIntake.onTestStream).
 */
export class TestLine {
  /** Test calls being opened or live on this machine, per spa (the database lists them only once set up). */
  private readonly local = new Map<string, number>();

  constructor(private readonly deps: TestLineDependencies) {}

  /** Checks the limits and opens the conversation record; the page's stream then goes to `run`. */
  async open(spaId: string, caller: TestCaller): Promise<{ ok: true; call: OpenedTestCall } | { ok: false; refusal: TestCallRefusal }> {
    const { intake, db } = this.deps;
    const load = intake.load;
    if (this.deps.isDraining() || load.live >= load.max)
      return { ok: false, refusal: { code: 'MACHINE_FULL', message: 'This machine is at its call limit; try again in a moment.' } };
    const mine = this.local.get(spaId) ?? 0;
    const listed = await liveTestCallCount(db, spaId).catch(() => mine);
    if (Math.max(mine, listed) >= MAX_TEST_CALLS_PER_SPA)
      return { ok: false, refusal: { code: 'TOO_MANY_TEST_CALLS', message: `At most ${MAX_TEST_CALLS_PER_SPA} test calls at once per spa.` } };
    this.local.set(spaId, mine + 1);
    try {
      const opened = await this.openRecord(spaId, caller);
      if (!opened.ok) this.release(spaId);
      return opened;
    } catch (error) {
      this.release(spaId);
      throw error;
    }
  }

  /** Runs the opened call on the page's stream. Synchronous: listeners go on before any await. */
  run(stream: CallerStream, call: OpenedTestCall, page: TestCallPage): void {
    const session = this.deps.intake.onTestStream(stream, call, page);
    // A call that has ended no longer counts, though its record is still being written: someone who
    // hangs up and calls again at once is not refused for a call they can no longer see.
    void session.ended.finally(() => this.release(call.spaId));
  }

  /** An opened call whose page went away before it ran. */
  abandon(call: OpenedTestCall): void {
    this.release(call.spaId);
  }

  private release(spaId: string): void {
    const n = (this.local.get(spaId) ?? 1) - 1;
    if (n <= 0) this.local.delete(spaId);
    else this.local.set(spaId, n);
  }

  private async openRecord(spaId: string, caller: TestCaller): Promise<{ ok: true; call: OpenedTestCall } | { ok: false; refusal: TestCallRefusal }> {
    const { db, writes } = this.deps;
    const to = await spaPhoneNumber(db, spaId);
    if (!to) return { ok: false, refusal: { code: 'NO_SPA_NUMBER', message: 'This spa has no phone number to call.' } };
    const callerNumber = caller.kind === 'number' ? caller.number : await this.newCallerNumber(spaId);
    const knownCaller = (await findCustomerByPhone(db, spaId, callerNumber)) !== undefined;
    const callSid = `${TEST_CALL_SID_PREFIX}${randomBytes(16).toString('hex')}`;
    const opened = await writes.submit(
      {
        type: 'open_voice_call',
        conversationId: voiceConversationId(callSid),
        spaId,
        callSid,
        from: callerNumber,
        to,
        startedAt: wallClock().toISOString(),
        test: true,
      },
      OPEN_WAIT_MS,
    );
    // A phone call goes on while the database is away; a test call has no reason to.
    if (opened.status !== 'applied') return { ok: false, refusal: { code: 'DATABASE_AWAY', message: 'The database cannot be reached; try again shortly.' } };
    const { conversationId, customerId } = opened.result;
    return {
      ok: true,
      call: { callSid, streamSid: `TS${randomBytes(16).toString('hex')}`, spaId, conversationId, customerId, customerPhone: callerNumber, callerNumber, knownCaller },
    };
  }

  /** A fictional number (555-01xx, reserved for fiction in the NANP) that is not on file for the spa. */
  private async newCallerNumber(spaId: string): Promise<string> {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const number = `+1${randomInt(201, 990)}55501${String(randomInt(0, 100)).padStart(2, '0')}`;
      if (!(await findCustomerByPhone(this.deps.db, spaId, number))) return number;
    }
    throw new Error('no fictional caller number left that is not on file');
  }
}
