import type { EventEmitter } from 'node:events';
import type { TokenUsage } from '../config/model-prices.js';
import { tokenUsage, type ServerMessage, type UsageMetadata } from './gemini-server-messages.js';
import type { RealtimeModelEvents, ResponseRequest } from './realtime-model.js';

/**
 * Gemini Live's turns in the shape the call knows (items, responses, speech events). Gemini has
 * no response or item ids, no "speech started" and no per-response status: a model turn runs
 * from its first output to `turnComplete` (completed) or `interrupted` (cancelled, the caller
 * spoke); a `toolCall` ends the turn's part before it (the model waits for the results, then
 * goes on in a new turn). The caller's words come as `inputTranscription` pieces, gathered into
 * one turn until the model answers. Usage (`usageMetadata`) is added to the turn it comes in.
 */

interface ModelTurn {
  responseId: string;
  itemId: string | undefined;
  request: ResponseRequest | undefined;
  transcript: string;
}

interface CallerTurn {
  itemId: string;
  text: string;
  /** The model's answer to it has started: later pieces are late transcription of the same words. */
  answered: boolean;
  /** When the answer's turn ended (monotonic ms): pieces soon after are still late transcription. */
  answerEndedAt: number | undefined;
}

/** Transcription of the caller's words can trail the model's answer by this much. */
const LATE_TRANSCRIPTION_MS = 500;

const ZERO: TokenUsage = Object.freeze({ inputTextTokens: 0, inputAudioTokens: 0, cachedTextTokens: 0, cachedAudioTokens: 0, outputTextTokens: 0, outputAudioTokens: 0 });

export class GeminiTurns {
  private turn: ModelTurn | undefined;
  private caller: CallerTurn | undefined;
  private usage: TokenUsage = { ...ZERO };
  private count = 0;
  /** Requests sent (`clientContent` with turnComplete) whose turn has not started, oldest first. */
  private readonly requests: ResponseRequest[] = [];
  /** Tool results sent: the model goes on by itself, no request needed. */
  continuationOwed = false;
  private readonly toolNames = new Map<string, string>();
  private readonly cancelledCalls = new Set<string>();

  constructor(
    private readonly events: EventEmitter<RealtimeModelEvents>,
    private readonly now: () => number,
  ) {}

  /** A model turn is under way (generating, or waiting for tool results we owe). */
  get busy(): boolean {
    return this.turn !== undefined || this.toolNames.size > 0 || this.requests.length > 0 || this.continuationOwed;
  }

  requested(request: ResponseRequest): void {
    this.requests.push(request);
    if (this.requests.length > 16) this.requests.shift();
  }

  /** The name a tool result is sent under; undefined for a call Gemini cancelled (nothing to send). */
  toolResultFor(callId: string): string | undefined {
    const name = this.toolNames.get(callId);
    this.toolNames.delete(callId);
    if (this.cancelledCalls.delete(callId) || name === undefined) return undefined;
    this.continuationOwed = true;
    return name;
  }

  /** A turn we cancelled: the server still ends it, and until then its output is not ours to play. */
  private discarding = false;

  /** Ends the model turn under way as cancelled (a key press interrupted it); nothing when none is. */
  cancel(): void {
    if (!this.turn) return;
    this.discarding = true;
    this.finish('cancelled', 'client_cancelled');
  }

  handle(message: ServerMessage): void {
    const content = message.serverContent;
    if (this.discarding) {
      if (content?.interrupted || content?.turnComplete) this.discarding = false;
      if (content?.inputTranscription?.text) this.callerSaid(content.inputTranscription.text);
      if (message.usageMetadata) this.addUsage(message.usageMetadata);
      if (message.toolCall) this.toolCall(message.toolCall.functionCalls);
      return;
    }
    if (content?.interrupted) this.interrupted();
    if (content?.inputTranscription?.text) this.callerSaid(content.inputTranscription.text);
    for (const part of content?.modelTurn?.parts ?? []) {
      if (!part.inlineData) continue;
      const turn = this.modelTurn();
      const itemId = this.item(turn);
      this.events.emit('audio', Buffer.from(part.inlineData.data, 'base64'), itemId, turn.responseId);
    }
    if (content?.outputTranscription?.text) {
      const turn = this.modelTurn();
      this.item(turn);
      turn.transcript += content.outputTranscription.text;
    }
    if (message.usageMetadata) this.addUsage(message.usageMetadata);
    if (message.toolCall) this.toolCall(message.toolCall.functionCalls);
    if (message.toolCallCancellation) for (const id of message.toolCallCancellation.ids) this.cancelledCalls.add(id);
    if (content?.turnComplete) this.finish('completed');
  }

  /** The connection is gone: a turn under way will never finish; its caller words are kept. */
  abandon(): void {
    this.closeCallerTurn();
    this.turn = undefined;
    this.requests.length = 0;
    this.continuationOwed = false;
    this.toolNames.clear();
  }

  private nextId(kind: string): string {
    this.count += 1;
    return `gemini_${kind}_${this.count}`;
  }

  private modelTurn(): ModelTurn {
    if (this.turn) return this.turn;
    this.continuationOwed = false;
    const request = this.requests.shift();
    this.turn = { responseId: this.nextId('turn'), itemId: undefined, request, transcript: '' };
    if (this.caller?.answered) this.closeCallerTurn();
    // The caller's turn is over: the model answers it. The reply latency counts from here, as Gemini says nothing sooner.
    if (this.caller && !this.caller.answered) {
      this.caller.answered = true;
      this.events.emit('speechStopped', this.caller.itemId, 0);
    }
    return this.turn;
  }

  private item(turn: ModelTurn): string {
    if (turn.itemId === undefined) {
      turn.itemId = this.nextId('item');
      this.events.emit('assistantItem', turn.itemId, turn.responseId, true);
    }
    return turn.itemId;
  }

  private callerSaid(text: string): void {
    const caller = this.caller;
    const late = caller?.answerEndedAt !== undefined && this.now() - caller.answerEndedAt < LATE_TRANSCRIPTION_MS;
    if (!caller || (caller.answered && this.turn === undefined && !late)) {
      this.closeCallerTurn();
      this.caller = { itemId: this.nextId('caller'), text: '', answered: false, answerEndedAt: undefined };
      this.events.emit('callerItem', this.caller.itemId);
      // Speech into silence (or into audio still playing from a finished turn): the caller has the floor.
      if (this.turn === undefined) this.events.emit('speechStarted', this.caller.itemId, 0);
    }
    this.caller!.text += text;
  }

  private closeCallerTurn(): void {
    const caller = this.caller;
    this.caller = undefined;
    if (caller) this.events.emit('callerTranscript', caller.itemId, caller.text.trim());
  }

  /** The caller spoke over the model: its turn is cancelled, and a new caller turn begins. */
  private interrupted(): void {
    this.closeCallerTurn();
    this.caller = { itemId: this.nextId('caller'), text: '', answered: false, answerEndedAt: undefined };
    this.events.emit('callerItem', this.caller.itemId);
    this.events.emit('speechStarted', this.caller.itemId, 0);
    if (this.turn) this.finish('cancelled');
  }

  private toolCall(calls: { id: string; name: string; args?: Record<string, unknown> | undefined }[]): void {
    const turn = this.modelTurn();
    for (const call of calls) {
      this.toolNames.set(call.id, call.name);
      this.events.emit('toolCall', { callId: call.id, name: call.name, argumentsJson: JSON.stringify(call.args ?? {}), responseId: turn.responseId });
    }
    // The model waits for the results: this turn's part is done, and complete.
    this.finish('completed');
  }

  private addUsage(metadata: UsageMetadata): void {
    const add = tokenUsage(metadata);
    for (const key of Object.keys(this.usage) as (keyof TokenUsage)[]) this.usage[key] += add[key];
  }

  private finish(status: 'completed' | 'cancelled', reason: 'turn_detected' | 'client_cancelled' = 'turn_detected'): void {
    const turn = this.turn;
    if (!turn) return;
    this.turn = undefined;
    if (turn.itemId !== undefined && turn.transcript.length > 0) this.events.emit('assistantTranscript', turn.itemId, turn.transcript.trim());
    const caller = this.caller;
    if (caller?.answered) {
      caller.answerEndedAt = this.now();
      // The words are written once late transcription had its chance (unless a new turn closes them sooner).
      setTimeout(() => {
        if (this.caller === caller) this.closeCallerTurn();
      }, LATE_TRANSCRIPTION_MS).unref();
    }
    const usage = this.usage;
    this.usage = { ...ZERO };
    this.events.emit('responseDone', {
      responseId: turn.responseId,
      status,
      ...(status === 'cancelled' ? { reason } : {}),
      ...(turn.request ? { request: turn.request } : {}),
      outOfBand: false,
      usage,
    });
  }
}
