/**
 * The messages we send to Gemini Live (`BidiGenerateContent` over WebSocket), camelCase as on the
 * wire (ai.google.dev/api/live): `setup` first and once per connection, then only `realtimeInput`,
 * `clientContent` and `toolResponse`. Configuration cannot change on an open connection; a resumed
 * connection sends the same `setup` with the resumption handle.
 */
import { PCM16_16K, PCM16_24K, type ModelAudioFormats } from '../audio/audio-format.js';
import type { RealtimeSessionOptions, RealtimeTurnDetection, ReplayItem } from './realtime-model.js';

/** Gemini takes 16-bit PCM at 16 kHz and speaks 16-bit PCM at 24 kHz, whatever the deployment prefers. */
export const GEMINI_AUDIO_FORMATS: ModelAudioFormats = Object.freeze({ input: PCM16_16K, output: PCM16_24K });
export const GEMINI_INPUT_MIME_TYPE = 'audio/pcm;rate=16000';

/** Gemini's prebuilt voices (a selection of its 30 HD voices). */
export const GEMINI_VOICES = ['Aoede', 'Charon', 'Fenrir', 'Kore', 'Leda', 'Orus', 'Puck', 'Zephyr'] as const;

/**
 * The spa's voice is one of OpenAI's; the nearest Gemini voice in register and manner, so a call
 * that fails over does not change sex or temper mid-sentence.
 */
const VOICE_FOR_OPENAI_VOICE: Record<string, (typeof GEMINI_VOICES)[number]> = {
  marin: 'Aoede',
  coral: 'Kore',
  shimmer: 'Leda',
  sage: 'Zephyr',
  alloy: 'Kore',
  ballad: 'Puck',
  cedar: 'Charon',
  ash: 'Puck',
  echo: 'Fenrir',
  verse: 'Orus',
};

export function geminiVoice(voice: string): string {
  if ((GEMINI_VOICES as readonly string[]).includes(voice)) return voice;
  return VOICE_FOR_OPENAI_VOICE[voice] ?? 'Aoede';
}

/** Server VAD's knobs map onto Gemini's automatic activity detection; semantic VAD onto its end-of-speech sensitivity. */
function activityDetection(turnDetection: RealtimeTurnDetection): Record<string, unknown> {
  if (turnDetection.type === 'server_vad') {
    return {
      disabled: false,
      // A high OpenAI threshold asks for louder speech before it counts: Gemini's low start sensitivity.
      startOfSpeechSensitivity: turnDetection.threshold >= 0.6 ? 'START_SENSITIVITY_LOW' : 'START_SENSITIVITY_HIGH',
      endOfSpeechSensitivity: turnDetection.silenceDurationMs >= 800 ? 'END_SENSITIVITY_LOW' : 'END_SENSITIVITY_HIGH',
      prefixPaddingMs: turnDetection.prefixPaddingMs,
      silenceDurationMs: turnDetection.silenceDurationMs,
    };
  }
  const end = turnDetection.eagerness === 'high' ? 'END_SENSITIVITY_HIGH' : turnDetection.eagerness === 'low' ? 'END_SENSITIVITY_LOW' : undefined;
  return { disabled: false, ...(end ? { endOfSpeechSensitivity: end } : {}) };
}

/** The `setup` message: the whole session configuration, with the handle when resuming. */
export function setupMessage(model: string, session: RealtimeSessionOptions, resumptionHandle: string | undefined): Record<string, unknown> {
  return {
    setup: {
      model: model.startsWith('models/') ? model : `models/${model}`,
      generationConfig: {
        responseModalities: ['AUDIO'],
        speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: geminiVoice(session.voice) } } },
      },
      systemInstruction: { parts: [{ text: session.instructions }] },
      // Our tools' parameters are JSON Schema (from zod), which `parametersJsonSchema` takes as it is.
      tools: session.tools.length > 0 ? [{ functionDeclarations: session.tools.map((t) => ({ name: t.name, description: t.description, parametersJsonSchema: t.parameters })) }] : [],
      realtimeInputConfig: {
        automaticActivityDetection: activityDetection(session.turnDetection),
        activityHandling: 'START_OF_ACTIVITY_INTERRUPTS',
      },
      // Gemini transcribes with its own model; the caller's side is off when the deployment turns transcription off.
      ...(session.transcriptionModel ? { inputAudioTranscription: {} } : {}),
      outputAudioTranscription: {},
      sessionResumption: resumptionHandle ? { handle: resumptionHandle } : {},
      // Without compression an audio session ends after about 15 minutes; a sliding window lifts that.
      contextWindowCompression: { slidingWindow: {} },
    },
  };
}

/**
 * `realtimeInput.audio` serialised by hand: 50 times a second per call, and base64 needs no JSON
 * escaping. Byte for byte `JSON.stringify(realtimeAudioMessage(audio))`.
 */
export function realtimeAudioJson(base64Audio: string): string {
  return `{"realtimeInput":{"audio":{"mimeType":"${GEMINI_INPUT_MIME_TYPE}","data":"${base64Audio}"}}}`;
}

/** The typed reference for `realtimeAudioJson`. */
export function realtimeAudioMessage(base64Audio: string): Record<string, unknown> {
  return { realtimeInput: { audio: { mimeType: GEMINI_INPUT_MIME_TYPE, data: base64Audio } } };
}

type Content = { role: 'user' | 'model'; parts: { text: string }[] };

/** What the call asks the model to do now, as a user turn it can tell apart from the caller's words. */
export function instructionTurn(note: string): Content {
  return { role: 'user', parts: [{ text: `[Instruction from the system, not words of the caller] ${note}` }] };
}

/**
 * The conversation so far as Gemini `Content` turns. Function calls and their results become
 * text the model can read, as the ids of another session mean nothing to this one.
 */
export function replayTurns(items: readonly ReplayItem[]): Content[] {
  return items.map((item): Content => {
    switch (item.type) {
      case 'message':
        if (item.role === 'assistant') return { role: 'model', parts: [{ text: item.text }] };
        if (item.role === 'system') return instructionTurn(item.text);
        return { role: 'user', parts: [{ text: item.text }] };
      case 'function_call':
        return { role: 'model', parts: [{ text: `(I called the tool ${item.name} with ${item.argumentsJson})` }] };
      case 'function_call_output':
        return { role: 'user', parts: [{ text: `[Result of the tool call] ${item.output}` }] };
    }
  });
}

/** `clientContent`: turns appended to the conversation; `turnComplete` asks the model to answer now. */
export function clientContentMessage(turns: Content[], turnComplete: boolean): Record<string, unknown> {
  return { clientContent: { ...(turns.length > 0 ? { turns } : {}), turnComplete } };
}

/** A tool result as a `FunctionResponse`; its `response` must be a JSON object. */
export function toolResponseMessage(id: string, name: string, output: string): Record<string, unknown> {
  let value: unknown = output;
  try {
    value = JSON.parse(output);
  } catch {
    // a plain string result
  }
  const response = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : { result: value };
  return { toolResponse: { functionResponses: [{ id, name, response }] } };
}
