import { spawnSync } from 'node:child_process';
import t from 'tap';
import { ConfigError, loadConfig } from '../../src/config/config.js';

function problemWith(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

t.test('an empty environment gives working development defaults', async (t) => {
  const config = loadConfig({});
  t.equal(config.port, 3000);
  t.equal(config.nodeEnv, 'development');
  t.equal(config.publicBaseUrl, 'http://localhost:3000');
  t.equal(config.databaseUrl, undefined);
  t.match(config.dataDir, /\.data$/);
  t.equal(config.openai.realtimeUrl, 'wss://api.openai.com/v1/realtime');
  t.equal(config.openai.realtimeModel, 'gpt-realtime');
});

t.test('the config is frozen all the way down', async (t) => {
  const config = loadConfig({});
  t.ok(Object.isFrozen(config));
  t.ok(Object.isFrozen(config.openai));
  t.throws(() => {
    (config as { port: number }).port = 1;
  });
});

t.test('a non-numeric PORT is refused, naming PORT and the bad value', async (t) => {
  const error = problemWith({ PORT: 'abc' });
  t.equal(error.variable, 'PORT');
  t.match(error.message, /PORT must be a whole number from 1 to 65535 \(got "abc"\)/);
});

t.test('an out-of-range PORT is refused', async (t) => {
  t.equal(problemWith({ PORT: '70000' }).variable, 'PORT');
});

t.test('a malformed DATABASE_URL is refused without echoing it', async (t) => {
  const error = problemWith({ DATABASE_URL: 'mysql://user:secret@db/x' });
  t.equal(error.variable, 'DATABASE_URL');
  t.notMatch(error.message, /secret/);
});

t.test('production requires an https PUBLIC_BASE_URL', async (t) => {
  const base = {
    NODE_ENV: 'production',
    TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'token',
    OPENAI_API_KEY: 'sk-test',
    ENCRYPTION_KEY: 'f'.repeat(64),
    DATABASE_URL: 'postgres://db.internal/receptionist',
  };
  t.equal(problemWith({ ...base, PUBLIC_BASE_URL: 'http://spa.example.com' }).variable, 'PUBLIC_BASE_URL');
  t.equal(problemWith(base).variable, 'PUBLIC_BASE_URL');
  const config = loadConfig({ ...base, PUBLIC_BASE_URL: 'https://spa.example.com/' });
  t.equal(config.publicBaseUrl, 'https://spa.example.com');
});

t.test('production refuses to start without Twilio credentials', async (t) => {
  const error = problemWith({ NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://spa.example.com' });
  t.equal(error.variable, 'TWILIO_ACCOUNT_SID');
});

t.test('production without DATABASE_URL refuses to start unless DATA_DIR is declared durable', async (t) => {
  const production = {
    NODE_ENV: 'production',
    PUBLIC_BASE_URL: 'https://spa.example.com',
    TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`,
    TWILIO_AUTH_TOKEN: 'token',
    OPENAI_API_KEY: 'sk-test',
    ENCRYPTION_KEY: 'f'.repeat(64),
  };
  const error = problemWith(production);
  t.equal(error.variable, 'DATABASE_URL');
  t.match(error.message, /DATABASE_URL is required in production: .*lost at the next deploy.*DATA_DIR_DURABLE=true/);
  t.notMatch(error.message, /\n/, 'one line');
  t.equal(loadConfig({ ...production, DATA_DIR_DURABLE: 'true' }).databaseUrl, undefined, 'a durable DATA_DIR may hold the embedded database');
  t.equal(problemWith({ ...production, DATA_DIR_DURABLE: 'yes' }).variable, 'DATA_DIR_DURABLE');
  t.equal(loadConfig({ ...production, DATABASE_URL: 'postgres://db.internal/receptionist' }).databaseUrl, 'postgres://db.internal/receptionist');
});

t.test('METRICS_PORT defaults to 9091, 0 turns metrics off', async (t) => {
  t.equal(loadConfig({}).metricsPort, 9091);
  t.equal(loadConfig({ METRICS_PORT: '0' }).metricsPort, undefined);
  t.equal(problemWith({ METRICS_PORT: 'x' }).variable, 'METRICS_PORT');
});

t.test('OPENAI_REALTIME_URL accepts ws:// for local doubles but not http://', async (t) => {
  t.equal(loadConfig({ OPENAI_REALTIME_URL: 'ws://127.0.0.1:9999/v1/realtime' }).openai.realtimeUrl, 'ws://127.0.0.1:9999/v1/realtime');
  t.equal(problemWith({ OPENAI_REALTIME_URL: 'http://127.0.0.1/v1' }).variable, 'OPENAI_REALTIME_URL');
});

t.test('MODEL_AUDIO_FORMAT is PCM16 unless μ-law passthrough is asked for', async (t) => {
  t.equal(loadConfig({}).openai.realtimeAudioFormat, 'pcm16');
  t.equal(loadConfig({ MODEL_AUDIO_FORMAT: 'pcmu' }).openai.realtimeAudioFormat, 'pcmu');
  const error = problemWith({ MODEL_AUDIO_FORMAT: 'g711_ulaw' });
  t.equal(error.variable, 'MODEL_AUDIO_FORMAT');
  t.match(error.message, /MODEL_AUDIO_FORMAT must be pcm16 or pcmu \(got "g711_ulaw"\)/);
});

t.test('ENCRYPTION_KEY must be 32 bytes', async (t) => {
  t.equal(problemWith({ ENCRYPTION_KEY: 'short' }).variable, 'ENCRYPTION_KEY');
  t.equal(loadConfig({ ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') }).encryptionKey?.length, 32);
});

t.test('the server exits with code 1 and one line naming PORT, without a stack trace', async (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { ...process.env, PORT: 'abc', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  t.equal(result.status, 1);
  const lines = result.stderr.trim().split('\n');
  t.equal(lines.length, 1, result.stderr);
  t.match(lines[0], /PORT/);
  t.notMatch(result.stderr, /\bat .*\.ts:\d+/);
});

t.test('Twilio rates and the text-thread quiet period are configuration, with published defaults', async (t) => {
  const defaults = loadConfig({});
  t.same(defaults.twilioRates, { voiceUsdPerMinute: 0.0085, smsUsdPerSegment: 0.0083 });
  t.equal(defaults.smsSummaryQuietSeconds, 600);
  const set = loadConfig({ TWILIO_VOICE_USD_PER_MINUTE: '0.013', TWILIO_SMS_USD_PER_SEGMENT: '0.0079', SMS_SUMMARY_QUIET_SECONDS: '120' });
  t.same(set.twilioRates, { voiceUsdPerMinute: 0.013, smsUsdPerSegment: 0.0079 });
  t.equal(set.smsSummaryQuietSeconds, 120);
  t.match(problemWith({ TWILIO_SMS_USD_PER_SEGMENT: 'cheap' }).message, /TWILIO_SMS_USD_PER_SEGMENT must be a price in US dollars, such as 0\.0085 \(got "cheap"\)/);
  t.match(problemWith({ TWILIO_VOICE_USD_PER_MINUTE: '-1' }).message, /TWILIO_VOICE_USD_PER_MINUTE must not be negative/);
  t.equal(problemWith({ SMS_SUMMARY_QUIET_SECONDS: '0' }).variable, 'SMS_SUMMARY_QUIET_SECONDS');
});
