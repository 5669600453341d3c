import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { RealtimeModel, RealtimeModelFactories, RealtimeProvider, RealtimeSessionChange, RealtimeSessionOptions } from '../realtime/realtime-model.js';
import type { SpaProfile } from '../storage/spa-repository.js';
import type { ToolRegistry } from '../tools/tool-registry.js';
import { servedLanguage, spaLanguages, type SpaLanguages } from './call-languages.js';
import { languageSessionChange, sessionOptionsFor } from './session-options.js';
import type { SpaDirectory } from './spa-directory.js';

export interface CallParticipants {
  spaId: string;
  conversationId: string;
  customerId: string | null;
  customerPhone: string | null;
  /** The patient's language from earlier calls or texts (ISO 639-1), when known. */
  preferredLanguage?: string | null;
}

/** A model connection being opened: `ready` resolves when the model accepted the session. */
export interface ModelConnection {
  model: RealtimeModel;
  /** Rejects if the model closes first, or refuses the session configuration. */
  ready: Promise<void>;
}

/** What a call knows about its spa, and how to open (or reopen) its model session. */
export interface CallContext extends CallParticipants {
  spa: SpaProfile;
  languages: SpaLanguages;
  /** The caller's language as the call starts: their preferred one, if the spa serves it. */
  callerLanguage: string | null;
  /** The caller speaks `language`: the session change to send now, kept for any session opened later. */
  speakLanguage(language: string): RealtimeSessionChange | undefined;
  /** The provider the spa's calls run on (its setting, when this deployment has it). */
  provider: RealtimeProvider;
  /** Who carries the call on when `provider` fails; undefined: nobody (the call goes to people). */
  fallbackProvider: RealtimeProvider | undefined;
  /** Opens a fresh session with the same configuration (reconnects, rotation, failover), in the caller's language as last set, on `provider` (default: the spa's). */
  reopen(provider?: RealtimeProvider): Promise<ModelConnection>;
}

/** The call's context and the model connection opened for it. */
export interface CallSetup extends CallContext, ModelConnection {}

/** The spa is known but the model could not be reached: the call can still try again. */
export class ModelConnectError extends Error {
  constructor(
    readonly context: CallContext,
    cause: unknown,
  ) {
    super(`could not connect to the realtime model: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ModelConnectError';
  }
}

export interface CallSetupDependencies {
  /** The spa as last read: a call connects even while the database is away. */
  spas: SpaDirectory;
  config: Config;
  models: RealtimeModelFactories;
  tools: ToolRegistry;
  log: Logger;
  now: () => Date;
}

/** Loads the spa and opens the model session. Started as early as possible: at the webhook. */
export async function startCallSetup(deps: CallSetupDependencies, participants: CallParticipants): Promise<CallSetup> {
  const spa = await deps.spas.profile(participants.spaId);
  const now = deps.now();
  const languages = spaLanguages(spa, (details, message) => deps.log.warn(details, message));
  const callerLanguage = servedLanguage(languages, participants.preferredLanguage);
  let options = sessionOptionsFor(spa, deps.tools, deps.config, now, languages, callerLanguage);
  const { provider, fallbackProvider } = providersFor(spa, deps.models, deps.log);
  const context: CallContext = {
    ...participants,
    spa,
    languages,
    callerLanguage,
    provider,
    fallbackProvider,
    reopen: (which = provider) => openModel(deps, which, options),
    speakLanguage: (language) => {
      const change = languageSessionChange(spa, now, languages, language, true);
      const unchanged = change.language === options.language && change.instructions === options.instructions && change.transcriptionPrompt === options.transcriptionPrompt;
      options = { ...options, ...change };
      // The session already speaks it (a one-language spa pins its language from the start): nothing to send.
      return unchanged ? undefined : change;
    },
  };
  try {
    return { ...context, ...(await context.reopen()) };
  } catch (error) {
    throw new ModelConnectError(context, error);
  }
}

/**
 * The spa's provider when this deployment can open sessions with it (else OpenAI, said in the
 * log), and its fallback: as set, or the other provider when the setting is left open.
 */
export function providersFor(
  spa: SpaProfile,
  models: RealtimeModelFactories,
  log: Pick<Logger, 'warn'>,
): { provider: RealtimeProvider; fallbackProvider: RealtimeProvider | undefined } {
  const wanted = spa.settings.provider;
  const provider: RealtimeProvider = models.get(wanted) ? wanted : 'openai';
  if (provider !== wanted) log.warn({ provider: wanted }, 'the spa asks for a realtime provider this deployment is not configured for; using OpenAI');
  const setting = spa.settings.fallbackProvider;
  if (setting === 'none') return { provider, fallbackProvider: undefined };
  const fallback: RealtimeProvider = setting ?? (provider === 'openai' ? 'gemini' : 'openai');
  return { provider, fallbackProvider: fallback !== provider && models.get(fallback) ? fallback : undefined };
}

async function openModel(deps: Pick<CallSetupDependencies, 'models' | 'log'>, provider: RealtimeProvider, options: RealtimeSessionOptions): Promise<ModelConnection> {
  const factory = deps.models.get(provider);
  if (!factory) throw new Error(`no ${provider} realtime provider is configured`);
  const model = factory.create();
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
  try {
    await model.connect(options);
  } catch (error) {
    model.close();
    throw error;
  }
  return { model, ready };
}
