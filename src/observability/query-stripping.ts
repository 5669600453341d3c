import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** URL attributes of the HTTP and fetch instrumentations (old and stable semantic conventions). */
const URL_ATTRIBUTES = ['url.full', 'http.url', 'http.target'];

/**
 * Query strings never leave in a span: a staff search or a calendar lookup can carry a phone
 * number, a name or an e-mail there. Runs as the span ends, while it can still be changed.
 */
export class QueryStripping implements SpanProcessor {
  onStart(_span: Span, _parent: Context): void {}

  onEnding(span: Span): void {
    for (const key of URL_ATTRIBUTES) {
      const value = span.attributes[key];
      if (typeof value === 'string' && value.includes('?')) span.setAttribute(key, value.slice(0, value.indexOf('?')));
    }
    if (span.attributes['url.query'] !== undefined) span.setAttribute('url.query', '[stripped]');
  }

  onEnd(_span: ReadableSpan): void {}

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
