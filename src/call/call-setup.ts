import type { Kysely } from 'kysely';
import type { ModelAudioFormat } from '../audio/model-audio-codec.js';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { RealtimeModel, RealtimeModelFactory } from '../realtime/realtime-model.js';
import type { Database } from '../storage/schema.js';
import { loadSpaProfile, type SpaProfile } from '../storage/spa-repository.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { sessionOptionsFor } from './session-options.js';

export interface CallParticipants {
  spaId: string;
  conversationId: string;
  customerId: string | null;
  customerPhone: string | null;
}

/** A model connection being opened for a call, and what the call needs to know about its spa. */
export interface CallSetup extends CallParticipants {
  spa: SpaProfile;
  model: RealtimeModel;
  /** Resolves when the model accepted the session; rejects if it closes first. */
  ready: Promise<void>;
  /** The audio format the model session was opened with. */
  audioFormat: ModelAudioFormat;
}

export interface CallSetupDependencies {
  db: Kysely<Database>;
  config: Config;
  models: RealtimeModelFactory;
  tools: ToolRegistry;
  log: Logger;
  now: () => Date;
}

/** Loads the spa and opens the model session. Started as early as possible: at the webhook. */
export async function startCallSetup(deps: CallSetupDependencies, participants: CallParticipants): Promise<CallSetup> {
  const spa = await loadSpaProfile(deps.db, participants.spaId);
  if (!spa) throw new Error(`spa ${participants.spaId} not found`);
  const model = deps.models.create();
  // Until the session takes over, errors are only logged (an unheard 'error' event would throw).
  const logError = (error: Error) => deps.log.warn({ err: error }, 'realtime model error during call setup');
  model.on('error', logError);
  const ready = new Promise<void>((resolve, reject) => {
    model.once('ready', resolve);
    // A refused session configuration: no point waiting for it.
    model.on('error', (error) => {
      if (!error.recoverable) reject(error);
    });
    model.once('closed', (code, reason) => reject(new Error(`model closed before the session was ready (${code} ${reason})`)));
  });
  ready.catch(() => {});
  const session = sessionOptionsFor(spa, deps.tools, deps.config, deps.now());
  try {
    await model.connect(session);
  } catch (error) {
    model.close();
    throw error;
  }
  return { ...participants, spa, model, ready, audioFormat: session.audioFormat };
}
