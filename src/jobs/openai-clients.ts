import OpenAI from 'openai';
import type { Config } from '../config/config.js';

export interface OpenAITextClients {
  /**
   * Texts are answered by the model, so there is always a client: without OPENAI_API_KEY its
   * requests are refused and the reply job fails and is retried like any other model outage.
   */
  smsReplies: OpenAI;
  /**
   * Post-call summaries are optional: without OPENAI_API_KEY there is no client, and the analysis
   * records the cost and the rule-based figures with "no summary".
   */
  analysis: OpenAI | undefined;
  /**
   * The one-sentence briefing of a warm transfer, written while the caller holds: one quick try, no
   * retries (the call has its own time limit and a fallback sentence); none without OPENAI_API_KEY.
   */
  transferSummaries: OpenAI | undefined;
}

/** The OpenAI text clients of the background jobs, each with its rule for a missing key stated once. */
export function openAITextClients(openai: Config['openai']): OpenAITextClients {
  return {
    smsReplies: new OpenAI({ apiKey: openai.apiKey ?? 'not-configured', baseURL: openai.baseUrl, maxRetries: 2, timeout: 30_000 }),
    // The job queue retries with backoff; one quick retry here covers a dropped connection.
    analysis: openai.apiKey ? new OpenAI({ apiKey: openai.apiKey, baseURL: openai.baseUrl, maxRetries: 1, timeout: 60_000 }) : undefined,
    transferSummaries: openai.apiKey ? new OpenAI({ apiKey: openai.apiKey, baseURL: openai.baseUrl, maxRetries: 0, timeout: 5_000 }) : undefined,
  };
}
