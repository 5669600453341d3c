import { bytesPerMs } from '../audio/audio-format.js';
import type { RealtimeModel } from '../realtime/realtime-model.js';
import type { CallAudioCodec } from './call-audio.js';
import type { CallFigures } from './call-figures.js';
import { FRAME_DELAY_SAMPLE_EVERY, type CallObservation } from './call-observer.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallerStream } from './caller-stream.js';
import { holdPromptAudioFor } from './hold-prompt.js';
import { PlaybackTracker, type PlayingItem } from './playback-tracker.js';
import type { RecordingCapture } from './recording-capture.js';
import type { TranscriptAssembler } from './transcript.js';

/** Items of our own (the hold prompt): played and tracked like replies, but not in the model's conversation. */
const LOCAL_ITEM_PREFIX = 'local:';

/**
 * What the caller hears of the model's replies. Reply audio is converted, cut into frames of the
 * caller stream's length (Twilio: 20 ms of μ-law) and sent with a mark per chunk, so we always know what has been heard; a barge-in clears what
 * is queued, truncates the model's items at what was heard, and drops late audio of the replies
 * it cut off. Also plays our own hold prompt while a lost model connection is restored.
 */
export class CallerPlayback {
  /** Caller audio ⇄ the model session's format; chosen once the session's format is known. */
  codec: CallAudioCodec | undefined;
  private readonly tracker: PlaybackTracker;
  /** Caller audio not yet sent because it does not fill a frame. */
  private pendingOut: Buffer = Buffer.alloc(0);
  private pendingOutItem: string | undefined;
  /** Responses cut off by a barge-in: their late audio must not play over the caller. */
  private readonly droppedResponses = new Set<string>();
  /** Responses that have started and not finished, with their assistant items. */
  private readonly activeResponses = new Map<string, string[]>();
  private readonly generatedMs = new Map<string, number>();
  /** Items of out-of-band responses (the filler): heard, but not in the model's conversation. */
  private readonly outOfBandItems = new Set<string>();
  private localItems = 0;
  private stopped = false;
  /** Model audio chunks since the last one whose bridge time was measured. */
  private chunksUnsampled = 0;
  /** One frame of caller audio, and how many bytes of it make a millisecond (the stream's format). */
  private readonly frameBytes: number;
  private readonly callerBytesPerMs: number;

  constructor(
    private readonly stream: CallerStream,
    private readonly transcript: TranscriptAssembler,
    private readonly recorder: CallRecorder,
    private readonly figures: CallFigures,
    private readonly now: () => number,
    private readonly observation: CallObservation,
    /** Takes down what the caller hears, for the call's recording (absent: not recorded). */
    private readonly capture?: RecordingCapture,
  ) {
    this.tracker = new PlaybackTracker(now, (itemId) => transcript.assistantPlayed(itemId));
    this.callerBytesPerMs = bytesPerMs(stream.audioFormat);
    this.frameBytes = this.callerBytesPerMs * stream.audioFormat.frameMs;
  }

  /** Everything sent has been heard. */
  get idle(): boolean {
    return this.tracker.idle;
  }

  /** A reply is being generated. */
  get responding(): boolean {
    return this.activeResponses.size > 0;
  }

  responseStarted(responseId: string, itemId: string, inConversation = true): void {
    if (!inConversation) this.outOfBandItems.add(itemId);
    this.activeResponses.set(responseId, [...(this.activeResponses.get(responseId) ?? []), itemId]);
  }

  /** Reply audio from the model (hot path); one chunk in FRAME_DELAY_SAMPLE_EVERY has its bridge time measured. */
  modelAudio(modelAudio: Buffer, itemId: string, responseId: string): void {
    if (++this.chunksUnsampled < FRAME_DELAY_SAMPLE_EVERY) return this.playModelAudio(modelAudio, itemId, responseId);
    this.chunksUnsampled = 0;
    const started = this.now();
    this.playModelAudio(modelAudio, itemId, responseId);
    this.observation.frameDelay('downlink', (this.now() - started) / 1000);
  }

  private playModelAudio(modelAudio: Buffer, itemId: string, responseId: string): void {
    const codec = this.codec;
    if (this.stopped || !codec || this.droppedResponses.has(responseId)) return;
    this.generatedMs.set(itemId, (this.generatedMs.get(itemId) ?? 0) + codec.modelBytesToMs(modelAudio.length));
    if (this.pendingOutItem !== undefined && this.pendingOutItem !== itemId) this.flushPendingAudio();
    this.pendingOutItem = itemId;
    const encoded = codec.toCaller(modelAudio);
    const out = this.pendingOut.length === 0 ? Buffer.from(encoded) : Buffer.concat([this.pendingOut, encoded]);
    const frameBytes = this.frameBytes;
    const whole = out.length - (out.length % frameBytes);
    for (let offset = 0; offset < whole; offset += frameBytes) {
      this.sendFrame(out.subarray(offset, offset + frameBytes));
    }
    this.pendingOut = out.subarray(whole);
    if (whole > 0) this.stream.sendMark(this.tracker.audioSent(itemId, whole / this.callerBytesPerMs));
  }

  markPlayed(name: string): void {
    this.tracker.markEchoed(name);
  }

  /** The response is done: its last partial frame goes out, and its items can finish playing. */
  responseDone(responseId: string): void {
    this.flushPendingAudio();
    for (const itemId of this.activeResponses.get(responseId) ?? []) this.tracker.itemComplete(itemId);
    this.activeResponses.delete(responseId);
    this.droppedResponses.delete(responseId);
  }

  /**
   * The caller started speaking. Late audio of whatever was being generated must not play over
   * them; replies that had not reached the caller at all were not heard; what is queued is
   * cleared and the model's items are truncated at what was heard.
   */
  interrupt(model: RealtimeModel | undefined): void {
    const unplayed = this.tracker.unplayed();
    for (const [responseId, itemIds] of this.activeResponses) {
      this.droppedResponses.add(responseId);
      for (const itemId of itemIds) if (!unplayed.some((u) => u.itemId === itemId)) this.transcript.interrupted(itemId, 0);
    }
    if (this.pendingOutItem !== undefined && !unplayed.some((u) => u.itemId === this.pendingOutItem))
      this.transcript.interrupted(this.pendingOutItem, 0);
    this.pendingOut = Buffer.alloc(0);
    this.pendingOutItem = undefined;
    if (unplayed.length === 0 || !model) return;
    this.figures.bargedIn();
    this.stream.clear();
    this.capture?.cleared();
    this.tracker.clearAll();
    this.codec?.reset();
    for (const item of unplayed) {
      const heardMs = this.keepHeardPart(item);
      // Our own audio (the hold prompt) and out-of-band replies (the filler) are not in the model's
      // conversation: there is nothing to truncate, and the model would refuse the item id.
      if (item.itemId.startsWith(LOCAL_ITEM_PREFIX) || this.outOfBandItems.has(item.itemId)) continue;
      // A model without truncation keeps its own idea of what was said; the transcript still has what was heard.
      if (model.capabilities.truncation) model.truncate(item.itemId, heardMs);
      this.recorder.event('barge_in', null, { itemId: item.itemId, heardMs, sentMs: item.sentMs });
    }
  }

  /** The model connection is lost: responses in flight on it will never finish. */
  abandonResponses(): void {
    const cutOff = [...this.activeResponses.values()].flat();
    for (const itemId of cutOff) this.tracker.itemComplete(itemId);
    if (cutOff.length > 0) this.recorder.event('reply_cut_off', null, { itemIds: cutOff });
    this.activeResponses.clear();
    this.droppedResponses.clear();
    this.flushPendingAudio();
  }

  /** "One moment, please." in frames, tracked like any reply so a barge-in can cut it. */
  playHoldPrompt(): void {
    const clip = holdPromptAudioFor(this.stream.audioFormat);
    const itemId = `${LOCAL_ITEM_PREFIX}hold:${++this.localItems}`;
    for (let offset = 0; offset < clip.length; offset += this.frameBytes) {
      const frame = clip.subarray(offset, offset + this.frameBytes);
      this.capture?.reply(frame);
      this.stream.sendAudio(frame);
    }
    const ms = clip.length / this.callerBytesPerMs;
    this.stream.sendMark(this.tracker.audioSent(itemId, ms));
    this.tracker.itemComplete(itemId);
    this.recorder.event('hold_prompt', null, { ms });
  }

  /** The call is over: nothing more is sent, and a caller who hung up mid-reply heard only part of it. */
  stop(): void {
    this.stopped = true;
    for (const item of this.tracker.unplayed()) this.keepHeardPart(item);
  }

  /** The tail of an item that does not fill a frame is sent when the item ends. */
  private flushPendingAudio(): void {
    const itemId = this.pendingOutItem;
    if (itemId === undefined || this.pendingOut.length === 0) return;
    const tail = this.pendingOut;
    this.pendingOut = Buffer.alloc(0);
    this.sendFrame(tail);
    this.stream.sendMark(this.tracker.audioSent(itemId, tail.length / this.callerBytesPerMs));
  }

  private sendFrame(frame: Uint8Array): void {
    this.figures.frameSent();
    this.capture?.reply(frame);
    this.stream.sendAudio(frame);
  }

  /** Saves the heard part of a reply cut short; returns how many ms were heard. */
  private keepHeardPart(item: PlayingItem): number {
    const heardMs = Math.min(item.heardMs, item.sentMs);
    const generated = this.generatedMs.get(item.itemId) ?? item.sentMs;
    this.transcript.interrupted(item.itemId, generated > 0 ? heardMs / generated : 0);
    return heardMs;
  }
}
