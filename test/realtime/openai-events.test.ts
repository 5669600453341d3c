import t from 'tap';
import { parseServerEvent, parseServerEventWithSchema } from '../../src/realtime/openai-events.js';

const ABSENT = Symbol('absent');

t.test('audio deltas are accepted, refused and parsed exactly as the schema would', async (t) => {
  const values = [ABSENT, 'resp_1', '', 5, null, { id: 'x' }];
  const disagreements: unknown[] = [];
  let valid = 0;
  for (const responseId of values)
    for (const itemId of values)
      for (const delta of [...values, 'AAAA'.repeat(640)]) {
        const event: Record<string, unknown> = { type: 'response.output_audio.delta', event_id: 'ev_1', output_index: 0, content_index: 0 };
        if (responseId !== ABSENT) event.response_id = responseId;
        if (itemId !== ABSENT) event.item_id = itemId;
        if (delta !== ABSENT) event.delta = delta;
        const json = JSON.parse(JSON.stringify(event)) as unknown;
        const fast = parseServerEvent(json, 'response.output_audio.delta');
        if (fast) valid += 1;
        if (JSON.stringify(fast) !== JSON.stringify(parseServerEventWithSchema(json))) disagreements.push(event);
      }
  t.same(disagreements, [], 'every variant agrees');
  t.ok(valid > 0, `${valid} variants are valid deltas`);
});

t.test('a delta comes out with its ids and audio and nothing else', async (t) => {
  const json = { type: 'response.output_audio.delta', event_id: 'ev_9', response_id: 'resp_1', item_id: 'item_2', output_index: 0, content_index: 0, delta: 'AAAA' };
  t.strictSame(parseServerEvent(json, json.type), { type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_2', delta: 'AAAA' });
});

t.test('other events still go through the schema', async (t) => {
  t.strictSame(parseServerEvent({ type: 'input_audio_buffer.speech_started', audio_start_ms: 5, item_id: 'i' }, 'input_audio_buffer.speech_started'), {
    type: 'input_audio_buffer.speech_started',
    audio_start_ms: 5,
    item_id: 'i',
  });
  t.equal(parseServerEvent({ type: 'input_audio_buffer.speech_started', item_id: 'i' }, 'input_audio_buffer.speech_started'), undefined);
});
