import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

/**
 * The one reader of the process environment. Everything else receives a frozen, typed `Config`.
 * A bad value stops the process at start with one line naming the variable (see `ConfigError`).
 */

const DEV_TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
// Development only: lets the local call simulator sign webhooks without a Twilio account.
// Production refuses to start without a real token.
const DEV_TWILIO_AUTH_TOKEN = 'dev-only-twilio-auth-token';

/** Google's Live API endpoint (v1beta BidiGenerateContent over WebSocket). */
export const DEFAULT_GEMINI_LIVE_URL = 'wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent';
/** Gemini's native-audio Live model (speech in, speech out, function calling). */
export const DEFAULT_GEMINI_LIVE_MODEL = 'gemini-2.5-flash-native-audio-preview-12-2025';

const emptyAsUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const optionalString = z.preprocess(emptyAsUndefined, z.string().optional());

const port = z.preprocess(
  emptyAsUndefined,
  z.coerce
    .number({ message: 'must be a whole number from 1 to 65535' })
    .int('must be a whole number from 1 to 65535')
    .min(1, 'must be a whole number from 1 to 65535')
    .max(65535, 'must be a whole number from 1 to 65535'),
);

const positiveInt = (fallback: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ message: 'must be a positive whole number' })
      .int('must be a positive whole number')
      .positive('must be a positive whole number')
      .default(fallback),
  );

const wholeNumber = (fallback: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ message: 'must be a whole number, 0 or more' })
      .int('must be a whole number, 0 or more')
      .min(0, 'must be a whole number, 0 or more')
      .default(fallback),
  );

const usdRate = (fallback: number) =>
  z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ message: 'must be a price in US dollars, such as 0.0085' })
      .min(0, 'must not be negative')
      .max(10, 'must be at most 10 (US dollars per unit)')
      .default(fallback),
  );

function urlWithProtocols(protocols: readonly string[], what: string) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a ${what} URL (${protocols.map((p) => p.replace(':', '://')).join(' or ')}…)` },
  );
}

const envSchema = z.object({
  NODE_ENV: z.preprocess(emptyAsUndefined, z.enum(['development', 'production', 'test']).default('development')),
  PORT: port.default(3000),
  /** Prometheus scrapes /metrics here, never on the public port; 0 turns it off. */
  METRICS_PORT: z.preprocess(
    emptyAsUndefined,
    z.coerce
      .number({ message: 'must be 0 (off) or a whole number from 1 to 65535' })
      .int('must be 0 (off) or a whole number from 1 to 65535')
      .min(0, 'must be 0 (off) or a whole number from 1 to 65535')
      .max(65535, 'must be 0 (off) or a whole number from 1 to 65535')
      .default(9091),
  ),
  HOST: z.preprocess(emptyAsUndefined, z.string().default('0.0.0.0')),
  PUBLIC_BASE_URL: z.preprocess(emptyAsUndefined, urlWithProtocols(['http:', 'https:'], 'http(s)').optional()),
  DATABASE_URL: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['postgres:', 'postgresql:'], 'Postgres connection').optional(),
  ),
  DATA_DIR: z.preprocess(emptyAsUndefined, z.string().default('./.data')),
  /** The operator's word that DATA_DIR outlives a deploy (a volume), so production may run the embedded Postgres there. */
  DATA_DIR_DURABLE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false'], { message: 'must be true or false' }).default('false')),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
  LOG_LEVEL: z.preprocess(
    emptyAsUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  TWILIO_ACCOUNT_SID: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must look like AC followed by 32 hex characters')
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: optionalString,
  TWILIO_API_BASE_URL: z.preprocess(emptyAsUndefined, urlWithProtocols(['http:', 'https:'], 'http(s)').optional()),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['http:', 'https:'], 'http(s)').default('https://api.openai.com/v1'),
  ),
  OPENAI_REALTIME_URL: z.preprocess(
    emptyAsUndefined,
    urlWithProtocols(['ws:', 'wss:'], 'WebSocket').default('wss://api.openai.com/v1/realtime'),
  ),
  OPENAI_REALTIME_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-realtime')),
  OPENAI_TEXT_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-5-mini')),
  OPENAI_TRANSCRIPTION_MODEL: z.preprocess(emptyAsUndefined, z.string().default('gpt-4o-mini-transcribe')),
  GEMINI_API_KEY: optionalString,
  GEMINI_LIVE_URL: z.preprocess(emptyAsUndefined, urlWithProtocols(['ws:', 'wss:'], 'WebSocket').optional()),
  GEMINI_LIVE_MODEL: z.preprocess(emptyAsUndefined, z.string().default(DEFAULT_GEMINI_LIVE_MODEL)),
  MODEL_AUDIO_FORMAT: z.preprocess(
    emptyAsUndefined,
    z.enum(['pcm16', 'pcmu'], { message: 'must be pcm16 or pcmu' }).default('pcm16'),
  ),
  GOOGLE_API_ROOT_URL: z.preprocess(emptyAsUndefined, urlWithProtocols(['http:', 'https:'], 'http(s)').optional()),
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
  ENCRYPTION_KEY: z.preprocess(
    emptyAsUndefined,
    z
      .string()
      .refine((v) => decodeKey(v) !== undefined, 'must be 32 bytes, as 64 hex characters or base64')
      .optional(),
  ),
  ADMIN_API_KEY: z.preprocess(emptyAsUndefined, z.string().min(24, 'must be at least 24 characters').optional()),
  STREAM_TOKEN_TTL_SECONDS: positiveInt(60),
  MACHINE_ID: optionalString,
  FLY_MACHINE_ID: optionalString,
  SHUTDOWN_DRAIN_SECONDS: positiveInt(240),
  SHUTDOWN_WRAP_UP_SECONDS: wholeNumber(20),
  MAX_LIVE_CALLS: positiveInt(50),
  MAX_CALL_SECONDS: positiveInt(30 * 60),
  IDLE_PROMPT_SECONDS: positiveInt(12),
  IDLE_HANGUP_SECONDS: positiveInt(12),
  MODEL_SESSION_MAX_SECONDS: positiveInt(55 * 60),
  WRITE_QUEUE_MEMORY_KB: positiveInt(16 * 1024),
  // Twilio's US list prices (November 2026): an inbound call to a local number, an SMS segment either way.
  TWILIO_VOICE_USD_PER_MINUTE: usdRate(0.0085),
  TWILIO_SMS_USD_PER_SEGMENT: usdRate(0.0083),
  SMS_SUMMARY_QUIET_SECONDS: positiveInt(600),
  /** Proxies in front of the service whose X-Forwarded-For entry is believed (0: none; on Fly, Fly-Client-IP is used instead). */
  TRUSTED_PROXY_HOPS: wholeNumber(0),
  /** Call recordings in an S3-compatible bucket; unset: a directory under DATA_DIR. */
  RECORDINGS_S3_BUCKET: optionalString,
  RECORDINGS_S3_ENDPOINT: z.preprocess(emptyAsUndefined, urlWithProtocols(['http:', 'https:'], 'http(s)').optional()),
  RECORDINGS_S3_REGION: z.preprocess(emptyAsUndefined, z.string().default('auto')),
  RECORDINGS_S3_ACCESS_KEY_ID: optionalString,
  RECORDINGS_S3_SECRET_ACCESS_KEY: optionalString,
  RECORDINGS_S3_FORCE_PATH_STYLE: z.preprocess(emptyAsUndefined, z.enum(['true', 'false'], { message: 'must be true or false' }).default('false')),
  /** A staff session unused this long ends (the person signs in again). */
  STAFF_SESSION_IDLE_HOURS: positiveInt(12),
  /** A staff session ends this long after sign-in, however busy. */
  STAFF_SESSION_MAX_DAYS: positiveInt(7),
});

type Env = z.infer<typeof envSchema>;

export type NodeEnv = Env['NODE_ENV'];
export type LogLevel = Env['LOG_LEVEL'];

/** An S3-compatible bucket for call recordings (AWS S3, Tigris on Fly, R2). */
export interface RecordingsS3Config {
  /** Unset: AWS S3 itself. */
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Bucket in the path rather than the host name (most S3-compatible servers outside AWS). */
  readonly forcePathStyle: boolean;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  /** Where /metrics is served; undefined: not at all. */
  readonly metricsPort: number | undefined;
  readonly host: string;
  /** Public https origin Twilio reaches us on, no trailing slash; signatures are computed over it. */
  readonly publicBaseUrl: string;
  /** Unset: the service runs an embedded Postgres under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly logLevel: LogLevel;
  readonly twilio: {
    readonly accountSid: string;
    readonly authToken: string;
    readonly apiBaseUrl: string | undefined;
    /** A real account is set (not the development placeholders), so texts can be sent. */
    readonly configured: boolean;
  };
  readonly openai: {
    readonly apiKey: string | undefined;
    readonly baseUrl: string;
    readonly realtimeUrl: string;
    readonly realtimeModel: string;
    readonly textModel: string;
    readonly transcriptionModel: string;
    /**
     * Audio to and from the realtime model: PCM16 24 kHz (the service transcodes and resamples,
     * the design default) or G.711 μ-law 8 kHz passed through as Twilio sends and plays it.
     */
    readonly realtimeAudioFormat: 'pcm16' | 'pcmu';
  };
  /** Gemini Live, the second realtime provider (per-spa `provider` / `fallbackProvider`). */
  readonly gemini: {
    readonly apiKey: string | undefined;
    /** The full BidiGenerateContent WebSocket URL (the key is added as `?key=`). */
    readonly liveUrl: string;
    readonly liveModel: string;
    /** A key is set, or the URL was set on purpose (a local double needs no key): calls may use it. */
    readonly configured: boolean;
  };
  readonly google: {
    readonly apiRootUrl: string | undefined;
    readonly clientId: string | undefined;
    readonly clientSecret: string | undefined;
  };
  readonly encryptionKey: Buffer | undefined;
  readonly adminApiKey: string | undefined;
  readonly streamTokenTtlSeconds: number;
  /** Names this process in the live-call list (Fly's machine id when there is one). */
  readonly machineId: string;
  /**
   * On Fly.io: a machine that cannot take a call asks Fly's proxy to replay the webhook on another,
   * and the client's address is the `Fly-Client-IP` header Fly's proxy sets.
   */
  readonly onFly: boolean;
  /**
   * How many proxies in front of the service append a trusted `X-Forwarded-For` entry; the client
   * address is the one the outermost of them saw. 0 believes no forwarded header at all.
   */
  readonly trustedProxyHops: number;
  /** How long live calls may carry on after SIGTERM, of which the last `shutdownWrapUpSeconds` wrap them up. */
  readonly shutdownDrainSeconds: number;
  readonly shutdownWrapUpSeconds: number;
  readonly calls: {
    /** Live calls one machine carries; beyond it new calls are sent elsewhere (set from `npm run bench:load`). */
    readonly maxLive: number;
    readonly maxCallSeconds: number;
    /** Caller silence before the receptionist asks whether they are still there, then before it says goodbye. */
    readonly idlePromptSeconds: number;
    readonly idleHangupSeconds: number;
    /** The model session is replaced before the provider's 60-minute limit. */
    readonly modelSessionMaxSeconds: number;
  };
  readonly writeQueue: {
    /** Where queued writes wait on disk (memory full, or left at shutdown): `<DATA_DIR>/write-queue`. */
    readonly dir: string;
    /** Queued writes kept in memory before they go to disk. */
    readonly memoryBytes: number;
  };
  /** What Twilio charges us, per billed minute of a call and per SMS segment (in or out). */
  readonly twilioRates: {
    readonly voiceUsdPerMinute: number;
    readonly smsUsdPerSegment: number;
  };
  /** A text thread is summarised once it has been quiet this long (a call, as soon as it ends). */
  readonly smsSummaryQuietSeconds: number;
  /** Where call recordings are kept: `<DATA_DIR>/recordings`, or a bucket when RECORDINGS_S3_BUCKET is set. */
  readonly recordings: {
    readonly dir: string;
    readonly s3: RecordingsS3Config | undefined;
  };
  /** Staff sign-in sessions: idle timeout, absolute lifetime, and whether the cookie is `Secure` (https). */
  readonly staffSessions: {
    readonly idleMs: number;
    readonly absoluteMs: number;
    readonly secureCookie: boolean;
  };
}

/** A configuration problem, reported as one line that names the variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const bytes = Buffer.from(value, 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

function describeValue(env: NodeJS.ProcessEnv, variable: string): string {
  const raw = env[variable];
  if (raw === undefined) return '';
  // Never echo secrets back into logs.
  if (/TOKEN|KEY|SECRET|PASSWORD|DATABASE_URL/.test(variable)) return '';
  return ` (got ${JSON.stringify(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw)})`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const variable = String(issue?.path[0] ?? 'environment');
    throw new ConfigError(variable, `${issue?.message ?? 'is invalid'}${describeValue(env, variable)}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';

  const publicBaseUrl = (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  if (production) {
    if (!e.PUBLIC_BASE_URL) throw new ConfigError('PUBLIC_BASE_URL', 'is required in production');
    if (!publicBaseUrl.startsWith('https://'))
      throw new ConfigError('PUBLIC_BASE_URL', 'must be an https:// URL in production (Twilio only streams to wss://)');
    if (!e.TWILIO_ACCOUNT_SID) throw new ConfigError('TWILIO_ACCOUNT_SID', 'is required in production');
    if (!e.TWILIO_AUTH_TOKEN) throw new ConfigError('TWILIO_AUTH_TOKEN', 'is required in production');
    if (!e.OPENAI_API_KEY) throw new ConfigError('OPENAI_API_KEY', 'is required in production');
    if (!e.ENCRYPTION_KEY) throw new ConfigError('ENCRYPTION_KEY', 'is required in production');
    // An embedded Postgres keeps everything in DATA_DIR, which a deploy wipes unless it is a volume.
    if (!e.DATABASE_URL && e.DATA_DIR_DURABLE !== 'true')
      throw new ConfigError(
        'DATABASE_URL',
        `is required in production: without it the data would live in an embedded Postgres under DATA_DIR (${e.DATA_DIR}), lost at the next deploy unless that is a volume; set DATABASE_URL, or DATA_DIR_DURABLE=true if DATA_DIR is durable`,
      );
  }

  const dataDir = path.resolve(e.DATA_DIR);
  const s3 = recordingsBucket(e);
  const config: Config = {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    metricsPort: e.METRICS_PORT === 0 ? undefined : e.METRICS_PORT,
    host: e.HOST,
    publicBaseUrl,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    embeddedPostgresPort: e.EMBEDDED_POSTGRES_PORT,
    logLevel: e.LOG_LEVEL,
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID ?? DEV_TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN ?? DEV_TWILIO_AUTH_TOKEN,
      apiBaseUrl: e.TWILIO_API_BASE_URL,
      configured: e.TWILIO_ACCOUNT_SID !== undefined && e.TWILIO_AUTH_TOKEN !== undefined,
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL.replace(/\/+$/, ''),
      realtimeUrl: e.OPENAI_REALTIME_URL,
      realtimeModel: e.OPENAI_REALTIME_MODEL,
      textModel: e.OPENAI_TEXT_MODEL,
      transcriptionModel: e.OPENAI_TRANSCRIPTION_MODEL,
      realtimeAudioFormat: e.MODEL_AUDIO_FORMAT,
    },
    gemini: {
      apiKey: e.GEMINI_API_KEY,
      liveUrl: e.GEMINI_LIVE_URL ?? DEFAULT_GEMINI_LIVE_URL,
      liveModel: e.GEMINI_LIVE_MODEL,
      configured: e.GEMINI_API_KEY !== undefined || e.GEMINI_LIVE_URL !== undefined,
    },
    google: {
      apiRootUrl: e.GOOGLE_API_ROOT_URL,
      clientId: e.GOOGLE_CLIENT_ID,
      clientSecret: e.GOOGLE_CLIENT_SECRET,
    },
    encryptionKey: e.ENCRYPTION_KEY === undefined ? undefined : decodeKey(e.ENCRYPTION_KEY),
    adminApiKey: e.ADMIN_API_KEY,
    streamTokenTtlSeconds: e.STREAM_TOKEN_TTL_SECONDS,
    machineId: e.MACHINE_ID ?? e.FLY_MACHINE_ID ?? `${hostname()}-${process.pid}`,
    onFly: e.FLY_MACHINE_ID !== undefined,
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    shutdownDrainSeconds: e.SHUTDOWN_DRAIN_SECONDS,
    shutdownWrapUpSeconds: Math.min(e.SHUTDOWN_WRAP_UP_SECONDS, e.SHUTDOWN_DRAIN_SECONDS),
    calls: {
      maxLive: e.MAX_LIVE_CALLS,
      maxCallSeconds: e.MAX_CALL_SECONDS,
      idlePromptSeconds: e.IDLE_PROMPT_SECONDS,
      idleHangupSeconds: e.IDLE_HANGUP_SECONDS,
      modelSessionMaxSeconds: e.MODEL_SESSION_MAX_SECONDS,
    },
    writeQueue: { dir: path.join(dataDir, 'write-queue'), memoryBytes: e.WRITE_QUEUE_MEMORY_KB * 1024 },
    twilioRates: {
      voiceUsdPerMinute: e.TWILIO_VOICE_USD_PER_MINUTE,
      smsUsdPerSegment: e.TWILIO_SMS_USD_PER_SEGMENT,
    },
    smsSummaryQuietSeconds: e.SMS_SUMMARY_QUIET_SECONDS,
    recordings: { dir: path.join(dataDir, 'recordings'), s3 },
    staffSessions: {
      idleMs: e.STAFF_SESSION_IDLE_HOURS * 3_600_000,
      absoluteMs: e.STAFF_SESSION_MAX_DAYS * 86_400_000,
      secureCookie: publicBaseUrl.startsWith('https://'),
    },
  };
  return deepFreeze(config);
}

/** The bucket for call recordings, when one is configured: bucket and both credentials, or none of them. */
function recordingsBucket(e: Env): RecordingsS3Config | undefined {
  const given = [e.RECORDINGS_S3_BUCKET, e.RECORDINGS_S3_ACCESS_KEY_ID, e.RECORDINGS_S3_SECRET_ACCESS_KEY];
  if (given.every((v) => v === undefined)) {
    if (e.RECORDINGS_S3_ENDPOINT) throw new ConfigError('RECORDINGS_S3_BUCKET', 'is required when RECORDINGS_S3_ENDPOINT is set');
    return undefined;
  }
  if (!e.RECORDINGS_S3_BUCKET) throw new ConfigError('RECORDINGS_S3_BUCKET', 'is required when S3 credentials for recordings are set');
  if (!e.RECORDINGS_S3_ACCESS_KEY_ID) throw new ConfigError('RECORDINGS_S3_ACCESS_KEY_ID', 'is required with RECORDINGS_S3_BUCKET');
  if (!e.RECORDINGS_S3_SECRET_ACCESS_KEY) throw new ConfigError('RECORDINGS_S3_SECRET_ACCESS_KEY', 'is required with RECORDINGS_S3_BUCKET');
  return {
    endpoint: e.RECORDINGS_S3_ENDPOINT,
    region: e.RECORDINGS_S3_REGION,
    bucket: e.RECORDINGS_S3_BUCKET,
    accessKeyId: e.RECORDINGS_S3_ACCESS_KEY_ID,
    secretAccessKey: e.RECORDINGS_S3_SECRET_ACCESS_KEY,
    forcePathStyle: e.RECORDINGS_S3_FORCE_PATH_STYLE === 'true',
  };
}

function deepFreeze<T extends object>(value: T): T {
  for (const inner of Object.values(value)) {
    if (inner && typeof inner === 'object' && !Buffer.isBuffer(inner)) deepFreeze(inner as object);
  }
  return Object.freeze(value);
}
