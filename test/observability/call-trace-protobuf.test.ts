import t from 'tap';
import { traceOneCall } from './call-trace.js';

t.test("a call's trace reaches an OTLP/HTTP receiver as protobuf: the call span, its steps, the webhook linked, no personal data", (t) =>
  traceOneCall(t, 'http/protobuf'),
);
