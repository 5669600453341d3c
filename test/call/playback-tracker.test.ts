import t from 'tap';
import { PlaybackTracker } from '../../src/call/playback-tracker.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

t.test('nothing is heard before playback starts, and never more than the next mark allows', async (t) => {
  const c = clock();
  const tracker = new PlaybackTracker(c.now);
  tracker.audioSent('item-a', 100);
  tracker.audioSent('item-a', 100);
  t.same(tracker.playing(), { itemId: 'item-a', heardMs: 0, sentMs: 200 });
  c.advance(60);
  t.equal(tracker.playing()?.heardMs, 60, 'elapsed time since playback began');
  c.advance(500);
  t.equal(tracker.playing()?.heardMs, 100, 'capped at the first unechoed mark');
});

t.test('echoed marks anchor the estimate', async (t) => {
  const c = clock();
  const tracker = new PlaybackTracker(c.now);
  const first = tracker.audioSent('item-a', 100);
  tracker.audioSent('item-a', 100);
  c.advance(130); // Twilio started late
  tracker.markEchoed(first);
  t.equal(tracker.playing()?.heardMs, 100);
  c.advance(40);
  t.equal(tracker.playing()?.heardMs, 140);
});

t.test('an item that finishes playing is reported and the next one starts from there', async (t) => {
  const c = clock();
  const played: string[] = [];
  const tracker = new PlaybackTracker(c.now, (id) => played.push(id));
  const a = tracker.audioSent('item-a', 100);
  tracker.itemComplete('item-a');
  tracker.audioSent('item-b', 100);
  c.advance(100);
  t.equal(tracker.unplayed().find((u) => u.itemId === 'item-b')?.heardMs, 0, 'b waits behind a');
  tracker.markEchoed(a);
  t.same(played, ['item-a']);
  c.advance(30);
  t.same(tracker.playing(), { itemId: 'item-b', heardMs: 30, sentMs: 100 });
});

t.test('after a clear, echoes of cleared marks are ignored', async (t) => {
  const c = clock();
  const played: string[] = [];
  const tracker = new PlaybackTracker(c.now, (id) => played.push(id));
  const a = tracker.audioSent('item-a', 100);
  tracker.clearAll();
  tracker.markEchoed(a);
  t.same(played, []);
  t.ok(tracker.idle);
});

t.test('garbage mark names are ignored', async (t) => {
  const tracker = new PlaybackTracker(() => 0);
  tracker.audioSent('item-a', 20);
  tracker.markEchoed('nonsense');
  tracker.markEchoed('99:20');
  t.notOk(tracker.idle);
});

t.test('an item that arrives in bursts keeps one running total', async (t) => {
  const c = clock();
  const played: string[] = [];
  const tracker = new PlaybackTracker(c.now, (id) => played.push(id));
  const first = tracker.audioSent('item-a', 200);
  c.advance(200);
  tracker.markEchoed(first);
  t.same(played, [], 'not played while its response goes on');
  c.advance(100); // a gap: the model is slower than real time here
  tracker.audioSent('item-a', 1000);
  c.advance(500);
  t.same(tracker.playing(), { itemId: 'item-a', heardMs: 700, sentMs: 1200 });
  tracker.itemComplete('item-a');
  t.same(played, []);
});

t.test('an item is played once its response is done and every mark is back', async (t) => {
  const c = clock();
  const played: string[] = [];
  const tracker = new PlaybackTracker(c.now, (id) => played.push(id));
  const mark = tracker.audioSent('item-a', 100);
  tracker.itemComplete('item-a');
  t.same(played, []);
  tracker.markEchoed(mark);
  t.same(played, ['item-a']);
});
