import type { ConversationDetail } from '../../api/types.js';
import type { TimelineItem } from './timeline-entry.js';

/**
 * Where transcript lines sit in a call's recording. Everything here is in milliseconds of the
 * call's wall clock (epoch ms): a recording part's time zero is its `startedAt`, so a line spoken
 * at `at` is `at - startedAt` into that part's audio.
 */

export type Recording = NonNullable<ConversationDetail['recording']>;
export type RecordingPart = Recording['legs'][number];

export interface LineSpan {
  seq: number;
  startMs: number;
  /** Where the next line starts (or the recording ends): the line is "under the play head" until then. */
  endMs: number;
}

/** The turns' spans: each from when it was spoken to when the next was. Events are moments, not lines. */
export function lineSpans(items: TimelineItem[], endMs: number): LineSpan[] {
  const turns = items.filter((item) => item.kind === 'turn').map((item) => ({ seq: item.seq, startMs: Date.parse(item.at) }));
  turns.sort((a, b) => a.startMs - b.startMs || a.seq - b.seq);
  return turns.map((turn, i) => ({ ...turn, endMs: Math.max(turn.startMs, turns[i + 1]?.startMs ?? endMs) }));
}

/** The line under the play head, if any. */
export function lineAt(spans: LineSpan[], atMs: number): number | undefined {
  let found: number | undefined;
  for (const span of spans) {
    if (span.startMs > atMs) break;
    if (atMs < span.endMs || (span.endMs === span.startMs && atMs === span.startMs)) found = span.seq;
  }
  return found;
}

export const partStartMs = (part: RecordingPart) => Date.parse(part.startedAt);

/** Which part of the recording holds the moment `atMs`, and where in it; undefined when none does. */
export function placeInRecording(parts: RecordingPart[], atMs: number): { part: number; offsetMs: number } | undefined {
  for (const [index, part] of parts.entries()) {
    const offsetMs = atMs - partStartMs(part);
    if (offsetMs >= 0 && offsetMs < part.durationMs) return { part: index, offsetMs };
  }
  return undefined;
}

/** The end of the last part, on the call's clock. */
export function recordingEndMs(parts: RecordingPart[]): number {
  const last = parts.at(-1);
  return last ? partStartMs(last) + last.durationMs : 0;
}
