import t from 'tap';
import { classifyFailure, responseOutcome } from '../../src/realtime/openai-response-outcome.js';

t.test('a server error, or a rate limit that lifts in a moment, is worth another try', async (t) => {
  t.match(classifyFailure({ type: 'server_error', code: 'server_error', message: 'The server had an error.' }), { code: 'server_error', transient: true });
  t.match(classifyFailure({ type: 'tokens', code: 'rate_limit_exceeded', message: 'Rate limit reached … Please try again in 1.234s.' }), {
    transient: true,
    retryAfterMs: 1_234,
  });
  t.match(classifyFailure({ code: 'rate_limit_exceeded', message: 'Please try again in 250ms.' }), { transient: true, retryAfterMs: 250 });
});

t.test('quota, credentials, a refused request or a long rate limit are not', async (t) => {
  t.match(classifyFailure({ type: 'insufficient_quota', code: 'insufficient_quota' }), { transient: false });
  t.match(classifyFailure({ type: 'invalid_request_error', code: 'invalid_api_key' }), { code: 'invalid_api_key', transient: false });
  t.match(classifyFailure({ type: 'invalid_request_error', code: 'something_new' }), { transient: false });
  t.match(classifyFailure({ code: 'rate_limit_exceeded', message: 'Please try again in 20s.' }), { transient: false, retryAfterMs: 20_000 });
});

t.test('an error without a code is named by its type, or unknown, and tried again', async (t) => {
  t.match(classifyFailure({ type: 'overloaded' }), { code: 'overloaded', transient: true });
  t.match(classifyFailure(undefined), { code: 'unknown', transient: true });
});

t.test('the status and its details become the outcome', async (t) => {
  t.same(responseOutcome('completed', null), { status: 'completed' });
  t.same(responseOutcome('cancelled', { type: 'cancelled', reason: 'turn_detected' }), { status: 'cancelled', reason: 'turn_detected' });
  t.same(responseOutcome('incomplete', { type: 'incomplete', reason: 'max_output_tokens' }), { status: 'incomplete', reason: 'max_output_tokens' });
  t.match(responseOutcome('in_progress', null), { status: 'failed', failure: { transient: true } });
});
