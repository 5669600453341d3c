import type { EventEmitter } from 'node:events';
import type { AudioFormat } from '../audio/audio-format.js';

/**
 * The seam between a call and whoever is on the line. The Twilio media stream
 * (src/telephony/media-stream.ts) is the first implementation and satisfies this structurally
 * (telephony/ does not import call/); a browser test line or another carrier plugs in here
 * without touching the session.
 */

/** The audio a caller stream carries both ways. Twilio: μ-law 8 kHz in 20 ms frames. */
export interface CallerAudioFormat extends AudioFormat {
  /** Audio is sent to the caller in frames of this length. */
  readonly frameMs: number;
}

export interface CallerStreamEvents {
  /** Caller audio in `audioFormat`, and the stream's presentation time in ms from its start. */
  media: [audio: Buffer, timestampMs: number];
  /** A mark we sent has played (or was cleared). */
  mark: [name: string];
  /** The caller pressed a key. */
  dtmf: [digit: string];
  /** The far end ended the stream (the call ended or was moved elsewhere). */
  stop: [];
  /** The stream is gone, whoever closed it. Always the last event. */
  closed: [code: number];
}

export interface CallerStream extends EventEmitter<CallerStreamEvents> {
  readonly callSid: string;
  readonly conversationId: string;
  readonly streamSid: string;
  /** Why this stream exists when it is not a new call, e.g. 'transfer-unanswered'. */
  readonly resume: string | undefined;
  /** How the call came to the receptionist when not straight away, e.g. 'front-desk-unanswered'. */
  readonly opening?: string | undefined;
  readonly audioFormat: CallerAudioFormat;
  /** Audio for the caller, in `audioFormat`; played in order after what was sent before. */
  sendAudio(audio: Uint8Array): void;
  /** Echoed as a `mark` event once everything sent before it has played. */
  sendMark(name: string): void;
  /** Drops audio not played yet; the marks behind it are echoed. */
  clear(): void;
  /** Ends the stream from our side (the carrier decides what the caller hears next). */
  close(code?: number, reason?: string): void;
}
