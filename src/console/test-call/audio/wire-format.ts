/** The test line's wire: PCM16 little-endian mono at 24 kHz, 20 ms frames (src/http/test-line/test-line-messages.ts). */
export const WIRE_RATE_HZ = 24_000;
export const WIRE_FRAME_SAMPLES = 480;

/** Float samples in [−1, 1] to PCM16, rounded and clipped. */
export function toPcm16(sample: number): number {
  const scaled = Math.round(sample * 32767);
  return scaled > 32767 ? 32767 : scaled < -32768 ? -32768 : scaled;
}

/** Messages between the page and its playback worklet. */
export type PlaybackCommand =
  | { type: 'audio'; samples: Int16Array }
  | { type: 'mark'; name: string }
  | { type: 'clear' };

export type PlaybackReport =
  /** Everything before this mark has played (or was cleared). */
  | { type: 'played'; name: string }
  /** Wire audio played so far, in ms; sent a few times a second. */
  | { type: 'position'; playedMs: number; bufferedMs: number };
