import type { Logger } from 'pino';
import type { z } from 'zod';
import type { SpaCalendars } from '../calendar/spa-calendars.js';
import type { OutboundText, SendResult } from '../sms/outbound.js';
import type { Db } from '../storage/database.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import type { WriteQueue } from '../storage/write-queue.js';

/** What a tool may do to the live call it runs in (absent for text conversations). */
export interface LiveCallControls {
  /** Hang up once everything said so far has been heard. */
  endCallAfterSpeech(): void;
  /**
   * Hand the call to a person at `number`, saying `announcement` first; `reason` helps brief the
   * person who answers (warm transfers).
   */
  transferTo(number: string, announcement: string, reason?: string): Promise<void>;
  /** Stops recording the call for good (the caller objected); false when it was not being recorded. */
  stopRecording(): boolean;
}

/** Texts to a patient on file, through the outbound path (once per idempotency key, opted-out never). */
export interface PatientTexts {
  send(text: OutboundText): Promise<SendResult>;
}

/** The console's test line: what would be texted to the patient is shown in the page instead. */
export interface TestLineTexts {
  show(text: { purpose: string; body: string }): void;
}

export interface ToolContext {
  db: Db;
  /** On calls: writes that must not be lost while the database is away go through it. */
  writes?: WriteQueue;
  calendars: SpaCalendars;
  spa: SpaProfile;
  conversationId: string | null;
  customerId: string | null;
  /** The caller's or texter's number when known. */
  customerPhone: string | null;
  channel: 'voice' | 'sms';
  now: () => Date;
  log: Logger;
  call?: LiveCallControls;
  /** Absent where no texts can be sent; tools that need it say so. */
  texts?: PatientTexts;
  /** Set on a test-line call: no text goes to a real number; appointment texts are shown in the page. */
  testLine?: TestLineTexts;
  /**
   * Adds an event to the conversation's timeline: on a call through its recorder (so it lands in
   * order with the turns), by text straight to the database.
   */
  recordEvent(type: string, name: string, data: Record<string, unknown>): Promise<void>;
}

/** A failure the model should hear about and act on (apologise, offer another way). */
export class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

export interface Tool<Schema extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  schema: Schema;
  /** Arguments kept out of the conversation's record (e.g. a one-time code the caller read out). */
  secretArguments?: readonly string[];
  /** Milliseconds before the tool is abandoned and the model told it timed out. */
  timeoutMs?: number;
  /**
   * True for a tool that only looks things up: on a call it may run before the model's response
   * is known to have completed. A tool that acts (books, cancels, transfers, takes a message, ends
   * the call) runs only for a response that completed; one without the mark is treated so.
   */
  readOnly?: boolean;
  execute(args: z.infer<Schema>, context: ToolContext): Promise<unknown>;
}

export function defineTool<Schema extends z.ZodType>(tool: Tool<Schema>): Tool<Schema> {
  return tool;
}
