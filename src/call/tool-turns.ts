import type { Logger } from 'pino';
import type { RealtimeModel, RealtimeResponseDone, RealtimeToolCall, ReplayItem } from '../realtime/realtime-model.js';
import type { LiveCallControls, ToolContext } from '../tools/tool.js';
import type { ToolOutcome, ToolRegistry } from '../tools/tool-registry.js';
import type { CallObservation } from './call-observer.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallContext } from './call-setup.js';

/** A tool slower than this makes the receptionist say a short filler instead of leaving dead air. */
export const FILLER_AFTER_MS = 1_500;
const FILLER_MAX_MS = 4_000;
const FILLER_NOTE =
  'Tell the caller, in one short natural sentence, that you are still working on it, for example "Just a moment, I\'m still checking that for you." Say nothing else.';

/** What tools get from the call's surroundings; the rest of their context comes from the call. */
export type CallToolContext = Omit<ToolContext, 'spa' | 'conversationId' | 'customerId' | 'customerPhone' | 'channel' | 'call' | 'log' | 'recordEvent'>;

export interface ToolTurnsOptions {
  tools: ToolRegistry;
  toolContext: CallToolContext;
  recorder: CallRecorder;
  log: Logger;
  now: () => number;
  controls: LiveCallControls;
  observation: CallObservation;
}

/** What tool turns need to know of the call they run in. */
export interface ToolTurnsCall {
  context(): CallContext | undefined;
  /** The model session now serving the call; absent while a lost connection is being restored. */
  model(): RealtimeModel | undefined;
  isEnded(): boolean;
  /** Nothing is playing or being generated, so a filler would not speak over anything. */
  silent(): boolean;
  /** Plays the recorded "one moment, please" (for a model that cannot speak out of band). */
  holdPrompt(): void;
  /** The call is being handed to a person: the model says nothing more, not even a filler. */
  transferring(): boolean;
  /** Every result of a turn was given to the model: it is the call's turn to go on. */
  resultsDelivered(model: RealtimeModel): void;
}

/** A tool call whose arguments are complete, with the place of its tool_call event in the conversation. */
interface ArrivedCall {
  call: RealtimeToolCall;
  seq: number;
  /** When its arguments arrived (monotonic ms). */
  at: number;
}

interface PendingToolCalls {
  /** Calls of this response that are running. */
  outstanding: number;
  /** The response is done and completed (or was, before the connection was lost). */
  responseDone: boolean;
  /** Tools that act, held until the response is known to have completed. */
  held: ArrivedCall[];
  /** Every call of the response, for the record of those dropped. */
  calls: ArrivedCall[];
  /** Results, with the place of their tool_result event in the conversation. */
  outputs: { callId: string; output: string; seq: number }[];
}

/**
 * The model's tool calls, run off the audio path. A tool call's arguments can arrive for a
 * response that then ends cancelled (the caller talked over it), incomplete (cut short, its
 * arguments perhaps truncated) or failed, so only a completed response's calls count: a tool that
 * acts (books, cancels, transfers, takes a message, ends the call) waits for the response to
 * complete; a read-only lookup starts at once to save time, but its result is given to the model
 * only for a completed response. Calls of a response that did not complete are dropped, on record.
 * A slow tool gets a short filler so the caller is not left in dead air; once a response is done
 * and all its calls have results, the results go to the model together. Results that come while
 * the model connection is being restored wait for the restored session.
 */
export class ToolTurns {
  private readonly pending = new Map<string, PendingToolCalls>();
  /** Filler responses asked for and not done yet; the real reply waits for them. */
  private fillersPending = 0;
  /** Tool calls and the results the model was given, for replay into a restored session. */
  private readonly history: { seq: number; item: ReplayItem }[] = [];

  constructor(
    private readonly options: ToolTurnsOptions,
    private readonly call: ToolTurnsCall,
  ) {}

  /** A tool call or its results are outstanding. */
  get busy(): boolean {
    return this.pending.size > 0;
  }

  get fillerPending(): boolean {
    return this.fillersPending > 0;
  }

  /** The tool calls and results the model was given, with their places in the conversation. */
  get replayItems(): readonly { seq: number; item: ReplayItem }[] {
    return this.history;
  }

  called(call: RealtimeToolCall): void {
    if (!this.call.context()) return;
    const pending = this.pendingFor(call.responseId);
    let args: unknown = call.argumentsJson;
    try {
      args = JSON.parse(call.argumentsJson);
    } catch {
      // recorded as given
    }
    const readOnly = this.options.tools.isReadOnly(call.name);
    const seq = this.options.recorder.event('tool_call', call.name, { callId: call.callId, arguments: this.options.tools.recordableArguments(call.name, args), ...(readOnly ? {} : { held: true }) });
    const arrived = { call, seq, at: this.options.now() };
    pending.calls.push(arrived);
    // In the model's conversation from now on: a session restored meanwhile is given it (dropped again if the response does not complete).
    this.history.push({ seq, item: { type: 'function_call', callId: call.callId, name: call.name, argumentsJson: call.argumentsJson } });
    if (readOnly) this.run(pending, arrived);
    else pending.held.push(arrived);
  }

  /**
   * A response is done; true when it was a tool turn's or a filler's, which the turns take care
   * of. A completed response's held tools run now; the calls of one that did not complete are dropped.
   */
  responseDone(done: RealtimeResponseDone): boolean {
    const pending = this.pending.get(done.responseId);
    if (pending) {
      if (done.status !== 'completed') {
        this.drop(done.responseId, pending, { status: done.status, reason: done.reason ?? done.failure?.code ?? null });
        return false;
      }
      pending.responseDone = true;
      for (const arrived of pending.held.splice(0)) this.run(pending, arrived);
      this.continueAfter(done.responseId);
      return true;
    }
    if (done.outOfBand && this.fillersPending > 0) {
      this.fillerDone();
      return true;
    }
    return false;
  }

  /** The model reported an error: a refused filler never sends response.done. */
  modelErrored(): void {
    if (this.fillersPending > 0) this.fillerDone();
  }

  /**
   * The model connection is lost: tools of completed responses that are still running deliver
   * to the next session; calls of responses that never completed are dropped; fillers are gone.
   */
  connectionLost(): void {
    for (const [responseId, pending] of [...this.pending]) {
      if (!pending.responseDone) this.drop(responseId, pending, { status: 'lost', reason: 'connection_lost' });
    }
    this.fillersPending = 0;
  }

  /** A session is back: results that waited for it are given to it now. */
  resume(): void {
    for (const responseId of [...this.pending.keys()]) this.continueAfter(responseId);
  }

  private pendingFor(responseId: string): PendingToolCalls {
    let pending = this.pending.get(responseId);
    if (!pending) {
      pending = { outstanding: 0, responseDone: false, held: [], calls: [], outputs: [] };
      this.pending.set(responseId, pending);
    }
    return pending;
  }

  private run(pending: PendingToolCalls, { call, at }: ArrivedCall): void {
    const setup = this.call.context();
    if (!setup) return;
    const { recorder, log, now } = this.options;
    pending.outstanding += 1;
    const started = now();
    // Metric labels and span names stay bounded: a name the model made up is `unknown`.
    const step = this.options.observation.toolCalled(this.options.tools.has(call.name) ? call.name : 'unknown');
    const filler = setTimeout(() => this.sayFiller(call.name), FILLER_AFTER_MS);
    const context: ToolContext = {
      ...this.options.toolContext,
      spa: setup.spa,
      conversationId: setup.conversationId,
      customerId: setup.customerId,
      customerPhone: setup.customerPhone,
      channel: 'voice',
      log: log.child({ tool: call.name }),
      call: this.options.controls,
      recordEvent: async (type, name, data) => {
        recorder.event(type, name, data);
      },
    };
    // How long a tool that acts waited for its response to complete (about nothing: response.done follows the arguments).
    const heldMs = Math.round(started - at);
    void step
      .run(() => this.options.tools.execute(call.name, call.argumentsJson, context))
      .then((outcome: ToolOutcome) => {
        clearTimeout(filler);
        const durationMs = Math.round(now() - started);
        step.end(outcome.ok ? 'ok' : outcome.error.code, durationMs);
        const seq = recorder.event('tool_result', call.name, { callId: call.callId, durationMs, heldMs, ...outcome });
        pending.outstanding -= 1;
        // A lookup that ran early for a response that then did not complete: its result goes nowhere.
        if (this.pending.get(call.responseId) !== pending) return;
        pending.outputs.push({ callId: call.callId, output: JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }), seq });
        this.continueAfter(call.responseId);
      })
      .catch((error: unknown) => log.error({ err: error, tool: call.name }, 'tool result could not be delivered'));
  }

  /** The response did not complete: its held tools never run and no result of it is followed up. */
  private drop(responseId: string, pending: PendingToolCalls, why: { status: string; reason: string | null }): void {
    this.pending.delete(responseId);
    const dropped = new Set(pending.calls.map((c) => c.seq));
    for (let i = this.history.length - 1; i >= 0; i -= 1) if (dropped.has(this.history[i]!.seq)) this.history.splice(i, 1);
    const held = new Set(pending.held);
    for (const arrived of pending.calls) {
      const ran = !held.has(arrived);
      this.options.recorder.event('tool_call_dropped', arrived.call.name, { callId: arrived.call.callId, ...why, ran });
    }
    this.options.log.info({ responseId, ...why, tools: pending.calls.map((c) => c.call.name) }, 'tool calls of a response that did not complete were dropped');
  }

  private sayFiller(tool: string): void {
    const model = this.call.model();
    // Only into silence: if the caller is hearing something, that is company enough.
    if (!model || this.call.isEnded() || this.call.transferring() || !this.call.silent()) return;
    // Gemini cannot say something outside the conversation: the recorded clip covers the wait, and
    // the real answer need not wait for it.
    if (!model.capabilities.outOfBandResponses) {
      this.options.recorder.event('filler', tool, { clip: true });
      this.call.holdPrompt();
      return;
    }
    this.fillersPending += 1;
    this.options.recorder.event('filler', tool, {});
    model.createResponse({ note: FILLER_NOTE, outOfBand: true });
    // Never let a filler that went wrong hold back the real answer.
    setTimeout(() => this.fillerDone(), FILLER_MAX_MS).unref();
  }

  private fillerDone(): void {
    if (this.fillersPending === 0) return;
    this.fillersPending -= 1;
    this.resume();
  }

  /** Once a response is done and all its tool calls have results, the model is given them. */
  private continueAfter(responseId: string): void {
    const pending = this.pending.get(responseId);
    const model = this.call.model();
    // Without a model (a reconnect under way) the results wait for the restored session.
    if (!pending || !pending.responseDone || pending.outstanding > 0 || this.fillersPending > 0 || this.call.isEnded() || !model) return;
    this.pending.delete(responseId);
    for (const output of pending.outputs) {
      model.sendToolResult(output.callId, output.output);
      this.history.push({ seq: output.seq, item: { type: 'function_call_output', callId: output.callId, output: output.output } });
    }
    this.call.resultsDelivered(model);
  }
}
