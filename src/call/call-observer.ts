import type { CallEndReason } from './call-ending.js';

/**
 * What a call tells the operator about itself: counts and latencies for the metrics, and the
 * steps of its trace. call/ owns this interface and src/observability implements it (prom-client,
 * OpenTelemetry), so the call path depends on neither. Every method is synchronous and cheap;
 * only `frameDelay` is called from the audio path, and the call samples it (one frame in
 * FRAME_DELAY_SAMPLE_EVERY), so the per-frame cost is a counter increment.
 */

/** Reasons a call is turned away at the voice webhook (a replayed, signed webhook counts as forged). */
export type CallRejection = 'overload' | 'draining' | 'unknown_number' | 'forged';
/** Caller audio to the model, the model's audio to the caller. */
export type BridgeDirection = 'uplink' | 'downlink';
/** How a lost model connection ended: back, given up on (the call handed over), or the call ended first. */
export type ReconnectResult = 'restored' | 'failed' | 'abandoned';

/** One frame in this many has its bridge time measured. */
export const FRAME_DELAY_SAMPLE_EVERY = 50;

/** A step of the call that takes a while (a model connection, a tool call, a transfer, a reconnect). */
export interface CallStep {
  /** Ends the step once; later calls do nothing. `status` is from a small fixed set of the caller's. */
  end(status: string, durationMs?: number): void;
  /**
   * Runs `work` as part of the step, so what it calls out to (Twilio's REST API, Google Calendar,
   * OpenAI) shows inside the step in the call's trace. Returns what `work` returns.
   */
  run<T>(work: () => T): T;
}

export interface CallStart {
  callSid: string;
  conversationId: string;
  spaId: string;
  /** The realtime model the call talks to. */
  model: string;
}

export interface CallSummary {
  /** completed, transferred or failed (the conversation's status). */
  outcome: string;
  endedBy: CallEndReason;
  bargeIns: number;
  replies: number;
}

/** One call as the operator sees it. */
export interface CallObservation {
  /** Fields that join the call's log lines to its trace (`trace_id`, `span_id`); empty when tracing is off. */
  readonly logFields: Readonly<Record<string, string>>;
  /** The call's trace context, to carry into work that follows it (the analysis job); undefined when tracing is off. */
  traceCarrier(): Record<string, string> | undefined;
  /** The audio formats the call runs in (caller ⇄ model), once the model session declares its own. */
  audioFormat(description: string): void;
  modelConnecting(): CallStep;
  /** The caller stopped speaking: a turn starts. */
  turnStarted(): void;
  /** The first reply audio of the turn left for the caller. */
  turnReplied(latencyMs: number): void;
  greeted(latencyMs: number): void;
  /** The bridge's own time for a sampled frame (conversion and hand-off), in seconds. */
  frameDelay(direction: BridgeDirection, seconds: number): void;
  bargeIn(): void;
  responseFailed(code: string): void;
  reconnecting(): CallStep;
  /** `tool` is a registered tool's name, or `unknown`. */
  toolCalled(tool: string): CallStep;
  transferring(): CallStep;
  ended(summary: CallSummary): void;
  /** The call's stream never came to this machine: its trace ends, nothing is counted. */
  abandoned(): void;
}

/** What the call path reports that is not about one call. */
export interface CallObserver {
  callRejected(reason: CallRejection): void;
  /** A call begins: at the voice webhook, or at its stream when no webhook was seen here. */
  callStarted(call: CallStart): CallObservation;
}

const NO_STEP: CallStep = { end() {}, run: (work) => work() };

/** Observes nothing: calls built without an observer (unit tests, tools). */
export const UNOBSERVED_CALL: CallObservation = {
  logFields: {},
  traceCarrier: () => undefined,
  audioFormat() {},
  modelConnecting: () => NO_STEP,
  turnStarted() {},
  turnReplied() {},
  greeted() {},
  frameDelay() {},
  bargeIn() {},
  responseFailed() {},
  reconnecting: () => NO_STEP,
  toolCalled: () => NO_STEP,
  transferring: () => NO_STEP,
  ended() {},
  abandoned() {},
};

export const UNOBSERVED_CALLS: CallObserver = {
  callRejected() {},
  callStarted: () => UNOBSERVED_CALL,
};
