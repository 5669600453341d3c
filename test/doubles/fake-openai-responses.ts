/**
 * A wire-level stand-in for the OpenAI Responses API (POST /v1/responses) for the real `openai`
 * SDK pointed here with OPENAI_BASE_URL. Answers come from a script: a function call, or text;
 * every request is recorded so tests can see the instructions, the history and the tool results.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { startLocalHttpServer, type LocalHttpServer } from './local-http-server.js';

export type ScriptedAnswer = { text: string } | { toolCall: { name: string; arguments: Record<string, unknown> } } | { status: number };

export interface RecordedResponseRequest {
  model: string;
  instructions: string;
  input: { type?: string; role?: string; content?: unknown; output?: string; call_id?: string; name?: string }[];
  tools: { name: string }[];
}

export class FakeOpenAIResponses {
  readonly requests: RecordedResponseRequest[] = [];
  readonly answers: ScriptedAnswer[] = [];
  defaultAnswer: ScriptedAnswer = { text: 'Thanks for your message! How can I help?' };

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
    const request = JSON.parse(body) as RecordedResponseRequest;
    this.requests.push(request);
    const answer = this.answers.shift() ?? this.defaultAnswer;
    if ('status' in answer) return send(answer.status, { error: { message: 'simulated failure', type: 'server_error' } });
    const id = `resp_${randomBytes(8).toString('hex')}`;
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
        : [
            {
              type: 'message',
              id: `msg_${randomBytes(6).toString('hex')}`,
              role: 'assistant',
              status: 'completed',
              content: [{ type: 'output_text', text: answer.text, annotations: [] }],
            },
          ];
    send(200, {
      id,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      status: 'completed',
      model: request.model,
      output,
      usage: { input_tokens: 900, output_tokens: 40, total_tokens: 940, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    });
  }
}
