import type { Logger } from 'pino';
import type { RealtimeModel, RealtimeToolCall, ReplayItem } from '../realtime/realtime-model.js';
import type { LiveCallControls, ToolContext } from '../tools/tool.js';
import type { ToolOutcome, ToolRegistry } from '../tools/tool-registry.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallContext } from './call-setup.js';

/** A tool slower than this makes the receptionist say a short filler instead of leaving dead air. */
export const FILLER_AFTER_MS = 1_500;
const FILLER_MAX_MS = 4_000;
const FILLER_INSTRUCTIONS =
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
}

/** What tool turns need to know of the call they run in. */
export interface ToolTurnsCall {
  context(): CallContext | undefined;
  /** The model session now serving the call; absent while a lost connection is being restored. */
  model(): RealtimeModel | undefined;
  isEnded(): boolean;
  /** Nothing is playing or being generated, so a filler would not speak over anything. */
  silent(): boolean;
  /** Every result of a turn was given to the model: it is the call's turn to go on. */
  resultsDelivered(model: RealtimeModel): void;
}

interface PendingToolCalls {
  outstanding: number;
  responseDone: boolean;
  /** Results, with the place of their tool_result event in the conversation. */
  outputs: { callId: string; output: string; seq: number }[];
}

/**
 * The model's tool calls, run off the audio path: each is dispatched at once; a slow one gets a
 * short filler so the caller is not left in dead air; once a response is done and all its calls
 * have results, the results go to the model together. Results that come while the model
 * connection is being restored wait for the restored session.
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
    const setup = this.call.context();
    if (!setup) return;
    const { recorder, log } = this.options;
    const pending = this.pending.get(call.responseId) ?? { outstanding: 0, responseDone: false, outputs: [] };
    pending.outstanding += 1;
    this.pending.set(call.responseId, pending);
    let args: unknown = call.argumentsJson;
    try {
      args = JSON.parse(call.argumentsJson);
    } catch {
      // recorded as given
    }
    const seq = recorder.event('tool_call', call.name, { callId: call.callId, arguments: this.options.tools.recordableArguments(call.name, args) });
    this.history.push({ seq, item: { type: 'function_call', callId: call.callId, name: call.name, argumentsJson: call.argumentsJson } });
    const started = this.options.now();
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
    void this.options.tools
      .execute(call.name, call.argumentsJson, context)
      .then((outcome: ToolOutcome) => {
        clearTimeout(filler);
        const durationMs = Math.round(this.options.now() - started);
        const seq = recorder.event('tool_result', call.name, { callId: call.callId, durationMs, ...outcome });
        pending.outstanding -= 1;
        pending.outputs.push({ callId: call.callId, output: JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error }), seq });
        this.continueAfter(call.responseId);
      })
      .catch((error: unknown) => log.error({ err: error, tool: call.name }, 'tool result could not be delivered'));
  }

  /** A response is done; true when it was a tool turn's or a filler's, which the turns take care of. */
  responseDone(responseId: string): boolean {
    const pending = this.pending.get(responseId);
    if (pending) {
      pending.responseDone = true;
      this.continueAfter(responseId);
      return true;
    }
    if (this.fillersPending > 0) {
      this.fillerDone();
      return true;
    }
    return false;
  }

  /** The model reported an error: a refused filler never sends response.done. */
  modelErrored(): void {
    if (this.fillersPending > 0) this.fillerDone();
  }

  /** The model connection is lost: tools still running deliver to the next session, fillers are gone. */
  connectionLost(): void {
    for (const pending of this.pending.values()) pending.responseDone = true;
    this.fillersPending = 0;
  }

  /** A session is back: results that waited for it are given to it now. */
  resume(): void {
    for (const responseId of [...this.pending.keys()]) this.continueAfter(responseId);
  }

  private sayFiller(tool: string): void {
    const model = this.call.model();
    // Only into silence: if the caller is hearing something, that is company enough.
    if (!model || this.call.isEnded() || !this.call.silent()) return;
    this.fillersPending += 1;
    this.options.recorder.event('filler', tool, {});
    model.createResponse({ instructions: FILLER_INSTRUCTIONS, outOfBand: true });
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
