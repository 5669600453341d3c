import type { FinishedTurn } from './transcript.js';

/**
 * Someone watching a call as it happens (the console's test line shows it in the page): each
 * finished turn, each event on the call's timeline, each reply's latency. Called off the audio
 * path, where the call's record is written; an observer must not throw or block.
 */
export interface CallWatcher {
  turn(turn: FinishedTurn): void;
  event(type: string, name: string | null, data: unknown): void;
  /** Caller stopped speaking → first frame of the reply sent, in ms. */
  replyLatency(ms: number): void;
}
