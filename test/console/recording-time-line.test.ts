import t from 'tap';
import { lineAt, lineSpans, placeInRecording, recordingEndMs, type RecordingPart } from '../../src/console/pages/conversation/recording-time-line.js';
import type { TimelineItem } from '../../src/console/pages/conversation/timeline-entry.js';

/** Where transcript lines sit in a recording: the arithmetic the conversation page's player uses. */

const T0 = Date.parse('2026-12-02T10:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();
const turn = (seq: number, ms: number): TimelineItem => ({ kind: 'turn', seq, at: at(ms), role: seq % 2 ? 'assistant' : 'customer', text: `line ${seq}`, interrupted: false });
const part = (startMs: number, durationMs: number, n = 1): RecordingPart => ({
  recordingId: `r${n}`,
  status: 'complete',
  startedAt: at(startMs),
  durationMs,
  url: `/api/v1/conversations/c/recording?leg=${n}`,
});

t.test('a line lasts from when it was spoken until the next one; events are not lines', async (t) => {
  const items: TimelineItem[] = [
    turn(1, 200),
    { kind: 'event', seq: 2, at: at(1_000), text: 'Checked availability', detail: undefined, problem: false },
    turn(3, 2_500),
    turn(4, 4_000),
  ];
  const spans = lineSpans(items, T0 + 6_000);
  t.same(spans, [
    { seq: 1, startMs: T0 + 200, endMs: T0 + 2_500 },
    { seq: 3, startMs: T0 + 2_500, endMs: T0 + 4_000 },
    { seq: 4, startMs: T0 + 4_000, endMs: T0 + 6_000 },
  ]);
  t.equal(lineAt(spans, T0 + 100), undefined, 'nothing before the first line');
  t.equal(lineAt(spans, T0 + 200), 1);
  t.equal(lineAt(spans, T0 + 2_499), 1);
  t.equal(lineAt(spans, T0 + 2_500), 3, 'a boundary belongs to the later line');
  t.equal(lineAt(spans, T0 + 5_999), 4);
  t.equal(lineAt(spans, T0 + 6_000), undefined, 'nothing after the recording ends');
});

t.test('lines are placed by time even when their order in the timeline differs', async (t) => {
  // A caller turn placed where the caller started talking can precede a reply with a lower seq.
  const spans = lineSpans([turn(1, 3_000), turn(2, 1_000)], T0 + 5_000);
  t.same(spans.map((s) => s.seq), [2, 1]);
  t.equal(lineAt(spans, T0 + 2_000), 2);
});

t.test('a moment of the call maps to a part of the recording and a place in it', async (t) => {
  const parts = [part(0, 10_000, 1), part(30_000, 5_000, 2)];
  t.same(placeInRecording(parts, T0 + 4_250), { part: 0, offsetMs: 4_250 });
  t.same(placeInRecording(parts, T0 + 31_000), { part: 1, offsetMs: 1_000 });
  t.equal(placeInRecording(parts, T0 + 20_000), undefined, 'between the parts (the transfer) nothing was recorded');
  t.equal(placeInRecording(parts, T0 - 1), undefined, 'before the recording');
  t.equal(recordingEndMs(parts), T0 + 35_000);
});
