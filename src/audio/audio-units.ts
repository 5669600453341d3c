/**
 * Duration <-> byte-count arithmetic for the two wire formats we handle.
 * Twilio media streams: μ-law, 8 kHz, mono, 1 byte per sample, 20 ms frames.
 * OpenAI Realtime: PCM16 little-endian, 24 kHz, mono, 2 bytes per sample.
 */

export const MULAW_SAMPLE_RATE = 8000;
/** 8000 samples/s × 1 byte / 1000 ms. */
export const MULAW_BYTES_PER_MS = 8;
export const MULAW_FRAME_MS = 20;
/** One Twilio media frame. */
export const MULAW_FRAME_BYTES = MULAW_FRAME_MS * MULAW_BYTES_PER_MS;

export const PCM24K_SAMPLE_RATE = 24000;
/** 24000 samples/s × 2 bytes / 1000 ms. */
export const PCM24K_BYTES_PER_MS = 48;

/** Duration of μ-law 8 kHz audio in ms (fractional: one byte is 0.125 ms). */
export function mulawBytesToMs(bytes: number): number {
  return bytes / MULAW_BYTES_PER_MS;
}

/** Duration of PCM16 24 kHz audio in ms (fractional; an odd trailing byte counts as half a sample). */
export function pcm24kBytesToMs(bytes: number): number {
  return bytes / PCM24K_BYTES_PER_MS;
}

/** Number of μ-law 8 kHz bytes covering `ms`, rounded to the nearest whole sample. */
export function msToMulawBytes(ms: number): number {
  return Math.round(ms * MULAW_BYTES_PER_MS);
}
