import t from 'tap';
import { ConfigError } from '../../src/config/config.js';
import { tracingConfig } from '../../src/config/tracing-config.js';

function problemWith(env: NodeJS.ProcessEnv): ConfigError {
  try {
    tracingConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no configuration error');
}

t.test('without an OTLP endpoint tracing is off', async (t) => {
  t.equal(tracingConfig({}), undefined);
  t.equal(tracingConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), undefined);
});

t.test('the general endpoint gets the traces path; the per-signal one is used as given and wins', async (t) => {
  t.same(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }), { tracesUrl: 'http://collector:4318/v1/traces', protocol: 'http/protobuf' });
  t.same(
    tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/otlp' }),
    { tracesUrl: 'https://traces.example/otlp', protocol: 'http/protobuf' },
  );
});

t.test('the protocol comes from the traces variable, else the general one', async (t) => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
  t.equal(tracingConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })?.protocol, 'http/json');
  t.equal(tracingConfig({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' })?.protocol, 'http/protobuf');
});

t.test('grpc, a bad protocol or a bad URL stop the service with the variable named; OTEL_SDK_DISABLED turns it off', async (t) => {
  t.match(problemWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }), {
    variable: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    message: /grpc is not supported/,
  });
  t.equal(problemWith({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' }).variable, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL');
  t.equal(problemWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).variable, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  t.equal(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }), undefined);
});
