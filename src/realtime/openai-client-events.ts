/**
 * The events we send to the OpenAI Realtime API (GA protocol), typed with the `openai` package's
 * own client-event types: a change of the provider's shapes fails our build rather than the call.
 * Type-only imports: the package's runtime is not loaded.
 */
import type {
  AudioTranscription,
  ConversationItem,
  InputAudioBufferAppendEvent,
  RealtimeAudioFormats,
  RealtimeAudioInputTurnDetection,
  RealtimeClientEvent,
  RealtimeSessionCreateRequest,
  RealtimeToolsConfig,
} from 'openai/resources/realtime/realtime';
import { describeAudioFormat, MULAW_8K, PCM16_24K, type AudioEncoding, type AudioFormat, type ModelAudioFormats } from '../audio/audio-format.js';
import type { RealtimeSessionChange, RealtimeSessionOptions, RealtimeTurnDetection, ReplayItem } from './realtime-model.js';

export type OpenAIClientEvent = RealtimeClientEvent;

/** OpenAI takes PCM16 24 kHz, or G.711 μ-law 8 kHz (passed through from the phone), the same both ways. */
export function openAIAudioFormats(preferred: AudioEncoding): ModelAudioFormats {
  const format = preferred === 'pcmu' ? MULAW_8K : PCM16_24K;
  return { input: format, output: format };
}

function wireFormat(format: AudioFormat): RealtimeAudioFormats {
  if (format.encoding === 'pcmu' && format.sampleRateHz === 8000) return { type: 'audio/pcmu' };
  if (format.encoding === 'pcm16' && format.sampleRateHz === 24000) return { type: 'audio/pcm', rate: 24000 };
  /* c8 ignore next -- openAIAudioFormats only declares the two above */
  throw new Error(`OpenAI Realtime has no ${describeAudioFormat(format)} audio format`);
}

function turnDetectionPayload(turnDetection: RealtimeTurnDetection): RealtimeAudioInputTurnDetection {
  return turnDetection.type === 'server_vad'
    ? {
        type: 'server_vad',
        threshold: turnDetection.threshold,
        prefix_padding_ms: turnDetection.prefixPaddingMs,
        silence_duration_ms: turnDetection.silenceDurationMs,
        create_response: true,
        interrupt_response: true,
      }
    : { type: 'semantic_vad', eagerness: turnDetection.eagerness, create_response: true, interrupt_response: true };
}

/** The GA `session.update` body. */
export function sessionPayload(model: string, session: RealtimeSessionOptions, formats: ModelAudioFormats): RealtimeSessionCreateRequest {
  const tools: RealtimeToolsConfig = session.tools.map((tool) => ({ type: 'function', ...tool }));
  return {
    type: 'realtime',
    model,
    output_modalities: ['audio'],
    instructions: session.instructions,
    audio: {
      input: {
        format: wireFormat(formats.input),
        // Phone audio is near-field (a handset at the mouth).
        noise_reduction: { type: 'near_field' },
        // Off is the default of a fresh session: no transcription field at all.
        ...(session.transcriptionModel ? { transcription: transcriptionPayload(session.transcriptionModel, session) } : {}),
        turn_detection: turnDetectionPayload(session.turnDetection),
      },
      output: { format: wireFormat(formats.output), voice: session.voice },
    },
    tools,
    tool_choice: 'auto',
  };
}

/** No `language` leaves the provider to recognise it; a prompt only where given (it should match the audio's language). */
function transcriptionPayload(model: string, session: RealtimeSessionChange): AudioTranscription {
  return {
    model,
    ...(session.language ? { language: session.language } : {}),
    ...(session.transcriptionPrompt ? { prompt: session.transcriptionPrompt } : {}),
  };
}

/**
 * A mid-call `session.update`: new instructions and the transcription's language. The
 * transcription object goes whole (its model with it); nothing else is touched.
 */
export function sessionChangePayload(transcriptionModel: string | null, change: RealtimeSessionChange): RealtimeSessionCreateRequest {
  return {
    type: 'realtime',
    instructions: change.instructions,
    ...(transcriptionModel ? { audio: { input: { transcription: transcriptionPayload(transcriptionModel, change) } } } : {}),
  };
}

function messagePayload(role: 'user' | 'assistant' | 'system', text: string): ConversationItem {
  switch (role) {
    case 'assistant':
      return { type: 'message', role, content: [{ type: 'output_text', text }] };
    case 'user':
      return { type: 'message', role, content: [{ type: 'input_text', text }] };
    case 'system':
      return { type: 'message', role, content: [{ type: 'input_text', text }] };
  }
}

export function replayItemPayload(item: ReplayItem): ConversationItem {
  switch (item.type) {
    case 'message':
      return messagePayload(item.role, item.text);
    case 'function_call':
      return { type: 'function_call', call_id: item.callId, name: item.name, arguments: item.argumentsJson };
    case 'function_call_output':
      return { type: 'function_call_output', call_id: item.callId, output: item.output };
  }
}

/**
 * `response.create`; an out-of-band response is spoken but not added to the conversation.
 * `instructions` here is the wire field, which replaces the session's instructions for the
 * response: the adapter sends the session's with the note added, never a note alone. `metadata`
 * comes back on the response, so its events can be told apart.
 */
export function responseCreateEvent(options: { instructions?: string; outOfBand?: boolean; metadata?: Record<string, string> }): OpenAIClientEvent {
  if (options.instructions === undefined && !options.outOfBand && options.metadata === undefined) return { type: 'response.create' };
  return {
    type: 'response.create',
    response: {
      ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
      ...(options.outOfBand ? { conversation: 'none' } : {}),
      ...(options.metadata ? { metadata: options.metadata } : {}),
    },
  };
}

/** The session's instructions with what one response is for: the override that keeps the persona. */
export function instructionsWithNote(sessionInstructions: string, note: string): string {
  return `${sessionInstructions}\n\n# What to do now\n${note}`;
}

/** The typed reference for `appendAudioJson` (test/realtime holds the two to the same bytes). */
export function appendAudioEvent(base64Audio: string): InputAudioBufferAppendEvent {
  return { type: 'input_audio_buffer.append', audio: base64Audio };
}

/**
 * `input_audio_buffer.append` serialised by hand: it runs 50 times a second per call, and
 * base64 needs no JSON escaping. Byte for byte `JSON.stringify(appendAudioEvent(audio))`.
 */
export function appendAudioJson(base64Audio: string): string {
  return `{"type":"input_audio_buffer.append","audio":"${base64Audio}"}`;
}
