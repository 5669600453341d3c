import type { Config } from '../config/config.js';
import type { RealtimeSessionChange, RealtimeSessionOptions } from '../realtime/realtime-model.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import { RECORDING_TOOL_NAMES } from '../tools/recording-tools.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { transcriptionFor, type SpaLanguages } from './call-languages.js';
import { buildInstructions } from './instructions.js';

/**
 * What changes with the caller's language: the instructions' language rules, and the
 * transcription's language once this call has heard it (`heard`). A language known only from the
 * patient's record shapes the instructions but is not pinned: someone else may call from that phone.
 */
export function languageSessionChange(
  spa: SpaProfile,
  now: Date,
  languages: SpaLanguages,
  callerLanguage: string | null,
  heard: boolean,
): RealtimeSessionChange {
  const transcription = transcriptionFor(languages, heard ? callerLanguage : null);
  return {
    instructions: buildInstructions(spa, now, languages, callerLanguage),
    language: transcription.language,
    transcriptionPrompt: transcription.prompt,
  };
}

/** The model session for a call to this spa: persona, voice, turn detection tuned per spa, languages, tools. */
export function sessionOptionsFor(
  spa: SpaProfile,
  tools: ToolRegistry,
  config: Config,
  now: Date,
  languages: SpaLanguages,
  callerLanguage: string | null,
): RealtimeSessionOptions {
  return {
    ...languageSessionChange(spa, now, languages, callerLanguage, false),
    voice: spa.settings.voice,
    turnDetection: spa.settings.turnDetection,
    transcriptionModel: config.openai.transcriptionModel,
    // stop_recording only where there is something to stop: a model that has it would mention it.
    tools: tools.definitions(spa.settings.recording.enabled ? [] : RECORDING_TOOL_NAMES),
    audioFormat: config.openai.realtimeAudioFormat,
  };
}
