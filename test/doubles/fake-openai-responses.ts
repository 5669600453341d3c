/**
 * A wire-level stand-in for the OpenAI Responses API (POST /v1/responses) for the real `openai`
 * SDK pointed here with OPENAI_BASE_URL. Answers come from scripts: a function call or text for
 * ordinary requests; for structured-output requests (`text.format` json_schema) a JSON answer, a
 * malformed one, one cut short, or an HTTP error, on cue. Every request is recorded so tests can
 * see the instructions, the history, the tool results and the schema asked for.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { startLocalHttpServer, type LocalHttpServer } from './local-http-server.js';

/** The `usage` object of a response, as the API sends it. */
export interface ResponseUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens_details: { reasoning_tokens: number };
}

export const DEFAULT_USAGE: ResponseUsage = {
  input_tokens: 900,
  output_tokens: 40,
  total_tokens: 940,
  input_tokens_details: { cached_tokens: 0 },
  output_tokens_details: { reasoning_tokens: 0 },
};

type WithUsage = { usage?: ResponseUsage };

export type ScriptedAnswer = ({ text: string } | { toolCall: { name: string; arguments: Record<string, unknown> } } | { status: number }) & WithUsage;

/** For structured-output requests: JSON (sent as the output text), raw text, a cut-short answer, or an HTTP error. */
export type StructuredAnswer = ({ json: unknown } | { text: string } | { incomplete: string } | { status: number }) & WithUsage;

export interface RecordedResponseRequest {
  model: string;
  instructions: string;
  input: { type?: string; role?: string; content?: unknown; output?: string; call_id?: string; name?: string }[];
  tools: { name: string }[];
}

export interface RecordedStructuredRequest {
  model: string;
  instructions: string;
  input: string;
  text: { format: { type: 'json_schema'; name?: string; strict?: boolean; schema?: Record<string, unknown> } };
}

/** A well-formed conversation analysis, for tests that do not care what it says. */
export const PLAIN_ANALYSIS = {
  summary: ['A patient asked about the spa.', 'The receptionist answered.'],
  outcome: 'question_answered',
  services: [] as string[],
  questions: [] as string[],
  satisfaction: { score: 4, reason: 'The patient thanked the receptionist.' },
  followUpNeeded: false,
};

export class FakeOpenAIResponses {
  readonly requests: RecordedResponseRequest[] = [];
  readonly answers: ScriptedAnswer[] = [];
  defaultAnswer: ScriptedAnswer = { text: 'Thanks for your message! How can I help?' };
  /** Requests that asked for structured output (a JSON schema), and their answers in order. */
  readonly structuredRequests: RecordedStructuredRequest[] = [];
  readonly structuredAnswers: StructuredAnswer[] = [];
  defaultStructuredAnswer: StructuredAnswer = { json: PLAIN_ANALYSIS };

  private server: LocalHttpServer | undefined;

  static async start(): Promise<FakeOpenAIResponses> {
    const fake = new FakeOpenAIResponses();
    fake.server = await startLocalHttpServer((req, res, body) => fake.handle(req, res, body));
    return fake;
  }

  get baseUrl(): string {
    return `${this.server?.origin ?? ''}/v1`;
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || !req.url?.endsWith('/responses')) return send(404, { error: { message: 'not found' } });
    if (!req.headers.authorization?.startsWith('Bearer ')) return send(401, { error: { message: 'no key', type: 'invalid_request_error' } });
    const parsed = JSON.parse(body) as { text?: { format?: { type?: string } } };
    if (parsed.text?.format?.type === 'json_schema') {
      const structured = parsed as RecordedStructuredRequest;
      this.structuredRequests.push(structured);
      return this.answerStructured(structured, this.structuredAnswers.shift() ?? this.defaultStructuredAnswer, send);
    }
    const request = parsed as RecordedResponseRequest;
    this.requests.push(request);
    const answer = this.answers.shift() ?? this.defaultAnswer;
    if ('status' in answer) return send(answer.status, { error: { message: 'simulated failure', type: 'server_error' } });
    const output =
      'toolCall' in answer
        ? [
            {
              type: 'function_call',
              id: `fc_${randomBytes(6).toString('hex')}`,
              call_id: `call_${randomBytes(6).toString('hex')}`,
              name: answer.toolCall.name,
              arguments: JSON.stringify(answer.toolCall.arguments),
              status: 'completed',
            },
          ]
        : [message(answer.text)];
    send(200, response(request.model, output, answer.usage ?? DEFAULT_USAGE));
  }

  private answerStructured(request: RecordedStructuredRequest, answer: StructuredAnswer, send: (status: number, payload: unknown) => void): void {
    if ('status' in answer) return send(answer.status, { error: { message: 'simulated failure', type: 'server_error' } });
    const format = request.text.format;
    // What the real API refuses before answering: a strict schema must close every object.
    if (!format.name || format.strict !== true || format.schema?.additionalProperties !== false)
      return send(400, { error: { message: 'Invalid schema for response_format: strict json_schema required', type: 'invalid_request_error' } });
    const usage = answer.usage ?? DEFAULT_USAGE;
    if ('incomplete' in answer)
      return send(200, { ...response(request.model, [message('{"summary": ["Cut')], usage), status: 'incomplete', incomplete_details: { reason: answer.incomplete } });
    send(200, response(request.model, [message('json' in answer ? JSON.stringify(answer.json) : answer.text)], usage));
  }
}

function message(text: string) {
  return {
    type: 'message',
    id: `msg_${randomBytes(6).toString('hex')}`,
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text, annotations: [] }],
  };
}

function response(model: string, output: unknown[], usage: ResponseUsage) {
  return {
    id: `resp_${randomBytes(8).toString('hex')}`,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    model,
    output,
    usage,
  };
}
