import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { RealtimeSessionOptions } from '../realtime/realtime-model.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import { RECORDING_TOOL_NAMES } from '../tools/recording-tools.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { buildInstructions } from './instructions.js';
import { transcriptionLanguage } from './language-hint.js';

/** The model session for a call to this spa: persona, voice, turn detection tuned per spa, tools. */
export function sessionOptionsFor(spa: SpaProfile, tools: ToolRegistry, config: Config, now: Date, log: Pick<Logger, 'warn'>): RealtimeSessionOptions {
  return {
    instructions: buildInstructions(spa, now),
    voice: spa.settings.voice,
    turnDetection: spa.settings.turnDetection,
    transcriptionModel: config.openai.transcriptionModel,
    language: transcriptionLanguage(spa.settings.language, (details, message) => log.warn(details, message)),
    // stop_recording only where there is something to stop: a model that has it would mention it.
    tools: tools.definitions(spa.settings.recording.enabled ? [] : RECORDING_TOOL_NAMES),
    audioFormat: config.openai.realtimeAudioFormat,
  };
}
