/**
 * `node --import ./dist/src/observability/tracing-preload.js dist/src/server.js` (npm start, the
 * Dockerfile). Runs before the service's modules load, which the instrumentations need: they patch
 * `pg` and `node:http` as those are first imported. Our build is ESM, so the ESM loader hook
 * (import-in-the-middle, through @opentelemetry/instrumentation/hook.mjs) is registered too, for
 * the packages we `import`. With no OTLP endpoint configured none of this happens: no hook, no SDK.
 */
import { register } from 'node:module';
import { ConfigError } from '../config/config.js';
import { tracingConfig, type TracingConfig } from '../config/tracing-config.js';

function configOrExit(): TracingConfig | undefined {
  try {
    return tracingConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`error: ${error.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();
if (config) {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
  const { startTracing } = await import('./tracing.js');
  startTracing(config, { instrument: true });
}
