import t from 'tap';
import { MULAW_8K, PCM16_24K } from '../../src/audio/audio-format.js';
import {
  appendAudioEvent,
  appendAudioJson,
  instructionsWithNote,
  openAIAudioFormats,
  replayItemPayload,
  responseCreateEvent,
  sessionChangePayload,
  sessionPayload,
} from '../../src/realtime/openai-client-events.js';
import type { RealtimeSessionOptions } from '../../src/realtime/realtime-model.js';

const SESSION: RealtimeSessionOptions = {
  instructions: 'Be kind.',
  voice: 'marin',
  turnDetection: { type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500 },
  transcriptionModel: 'gpt-4o-mini-transcribe',
  language: 'en',
  transcriptionPrompt: null,
  tools: [{ name: 'check', description: 'Checks.', parameters: { type: 'object', properties: {} } }],
  audioFormat: 'pcm16',
};

t.test('the hand-written audio append is byte for byte the typed event', async (t) => {
  for (const audio of ['', 'AAAA', Buffer.from(new Uint8Array(960).map((_, i) => i * 7)).toString('base64'), '+/+/==']) {
    t.equal(appendAudioJson(audio), JSON.stringify(appendAudioEvent(audio)));
  }
});

t.test('OpenAI declares PCM16 24 kHz both ways, or μ-law 8 kHz both ways when asked for it', async (t) => {
  t.same(openAIAudioFormats('pcm16'), { input: PCM16_24K, output: PCM16_24K });
  t.same(openAIAudioFormats('pcmu'), { input: MULAW_8K, output: MULAW_8K });
});

t.test('the session asks for the declared formats on the wire', async (t) => {
  const pcm = sessionPayload('gpt-realtime', SESSION, openAIAudioFormats('pcm16'));
  t.strictSame(pcm.audio?.input?.format, { type: 'audio/pcm', rate: 24000 });
  t.strictSame(pcm.audio?.output?.format, { type: 'audio/pcm', rate: 24000 });
  const mulaw = sessionPayload('gpt-realtime', SESSION, openAIAudioFormats('pcmu'));
  t.strictSame(mulaw.audio?.input?.format, { type: 'audio/pcmu' });
  t.strictSame(mulaw.audio?.output?.format, { type: 'audio/pcmu' });
});

t.test('the session carries instructions, voice, turn detection, transcription and tools', async (t) => {
  t.strictSame(sessionPayload('gpt-realtime', SESSION, openAIAudioFormats('pcm16')), {
    type: 'realtime',
    model: 'gpt-realtime',
    output_modalities: ['audio'],
    instructions: 'Be kind.',
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24000 },
        noise_reduction: { type: 'near_field' },
        transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' },
        turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
      },
      output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin' },
    },
    tools: [{ type: 'function', name: 'check', description: 'Checks.', parameters: { type: 'object', properties: {} } }],
    tool_choice: 'auto',
  });
});

t.test('without a transcription model the session asks for no transcription', async (t) => {
  const payload = sessionPayload('gpt-realtime', { ...SESSION, transcriptionModel: null }, openAIAudioFormats('pcm16'));
  t.notOk(payload.audio?.input && 'transcription' in payload.audio.input);
});

t.test('without a language the transcription gets no language hint', async (t) => {
  const payload = sessionPayload('gpt-realtime', { ...SESSION, language: null }, openAIAudioFormats('pcm16'));
  t.strictSame(payload.audio?.input?.transcription, { model: 'gpt-4o-mini-transcribe' });
});

t.test("while the caller's language is unknown, transcription has no language and a prompt naming the spa's", async (t) => {
  const payload = sessionPayload('gpt-realtime', { ...SESSION, language: null, transcriptionPrompt: 'English, Español.' }, openAIAudioFormats('pcm16'));
  t.strictSame(payload.audio?.input?.transcription, { model: 'gpt-4o-mini-transcribe', prompt: 'English, Español.' });
});

t.test('a mid-call language change sends the new instructions and pins the transcription, touching nothing else', async (t) => {
  const change = sessionChangePayload('gpt-4o-mini-transcribe', { instructions: 'Habla español.', language: 'es', transcriptionPrompt: null });
  t.strictSame(change, {
    type: 'realtime',
    instructions: 'Habla español.',
    audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe', language: 'es' } } },
  });
  t.strictSame(sessionChangePayload(null, { instructions: 'Hi.', language: 'es', transcriptionPrompt: null }), { type: 'realtime', instructions: 'Hi.' });
});

t.test('a response with a note carries the session instructions with the note, and a tag', async (t) => {
  t.strictSame(responseCreateEvent({ instructions: instructionsWithNote('Be kind.', 'Say hi.'), metadata: { request: 'r1' } }), {
    type: 'response.create',
    response: { instructions: 'Be kind.\n\n# What to do now\nSay hi.', metadata: { request: 'r1' } },
  });
});

t.test('semantic turn detection keeps its eagerness', async (t) => {
  const payload = sessionPayload('gpt-realtime', { ...SESSION, turnDetection: { type: 'semantic_vad', eagerness: 'low' } }, openAIAudioFormats('pcm16'));
  t.strictSame(payload.audio?.input?.turn_detection, { type: 'semantic_vad', eagerness: 'low', create_response: true, interrupt_response: true });
});

t.test('response.create carries only what was asked for', async (t) => {
  t.strictSame(responseCreateEvent({}), { type: 'response.create' });
  t.strictSame(responseCreateEvent({ instructions: 'Say hi.' }), { type: 'response.create', response: { instructions: 'Say hi.' } });
  t.strictSame(responseCreateEvent({ instructions: 'One moment.', outOfBand: true }), {
    type: 'response.create',
    response: { instructions: 'One moment.', conversation: 'none' },
  });
});

t.test('replayed turns become conversation items of the right kind', async (t) => {
  t.strictSame(replayItemPayload({ type: 'message', role: 'assistant', text: 'Hi' }), { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hi' }] });
  t.strictSame(replayItemPayload({ type: 'message', role: 'user', text: 'Yo' }), { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Yo' }] });
  t.strictSame(replayItemPayload({ type: 'message', role: 'system', text: 'Note' }), { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Note' }] });
  t.strictSame(replayItemPayload({ type: 'function_call', callId: 'c1', name: 'check', argumentsJson: '{}' }), {
    type: 'function_call',
    call_id: 'c1',
    name: 'check',
    arguments: '{}',
  });
  t.strictSame(replayItemPayload({ type: 'function_call_output', callId: 'c1', output: 'ok' }), { type: 'function_call_output', call_id: 'c1', output: 'ok' });
});
