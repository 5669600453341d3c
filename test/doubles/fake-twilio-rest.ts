/**
 * A wire-level stand-in for Twilio's REST API (the parts we use: updating a live call, sending
 * messages), for the real twilio SDK pointed here with TWILIO_API_BASE_URL. It checks basic auth,
 * records every request, and can fail the next ones with Twilio's error shape.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type http from 'node:http';
import { startLocalHttpServer, type LocalHttpServer } from './local-http-server.js';

export interface RestRequest {
  method: string;
  path: string;
  accountSid: string | undefined;
  params: Record<string, string>;
}

export class FakeTwilioRest extends EventEmitter {
  readonly requests: RestRequest[] = [];
  private failures: { path: RegExp; status: number; code: number; times: number }[] = [];

  private server: LocalHttpServer | undefined;

  static async start(): Promise<FakeTwilioRest> {
    const fake = new FakeTwilioRest();
    fake.server = await startLocalHttpServer((req, res, body) => fake.handle(req, res, body));
    return fake;
  }

  get baseUrl(): string {
    return this.server?.origin ?? '';
  }

  callUpdates(): RestRequest[] {
    return this.requests.filter((r) => /\/Calls\/[^/]+\.json$/.test(r.path));
  }

  messages(): RestRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/Messages.json'));
  }

  failNext(path: RegExp, status: number, code: number, times = 1): void {
    this.failures.push({ path, status, code, times });
  }

  async close(): Promise<void> {
    await this.server?.close();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const auth = req.headers.authorization;
    const accountSid = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0] : undefined;
    const params = Object.fromEntries(new URLSearchParams(body));
    const request = { method: req.method ?? 'GET', path, accountSid, params };
    this.requests.push(request);
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (!accountSid) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
    const failure = this.failures.find((f) => f.path.test(path) && f.times > 0);
    if (failure) {
      failure.times -= 1;
      return send(failure.status, { code: failure.code, message: 'Simulated failure', more_info: 'https://www.twilio.com/docs/errors', status: failure.status });
    }
    const call = /\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/.exec(path);
    if (call && req.method === 'POST') {
      this.emit('call-update', call[2], params);
      return send(200, { sid: call[2], account_sid: call[1], status: params.Status ?? 'in-progress' });
    }
    const messages = /\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    if (messages && req.method === 'POST') {
      const sid = `SM${randomBytes(16).toString('hex')}`;
      this.emit('message', sid, params);
      return send(201, {
        sid,
        account_sid: messages[1],
        to: params.To,
        from: params.From,
        body: params.Body,
        status: 'queued',
        num_segments: '1',
      });
    }
    return send(404, { code: 20404, message: 'Not found', status: 404 });
  }
}
