import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import type { SimulatedCall } from './simulated-call.js';

/**
 * The OpenAI Realtime endpoint for the load generator. The service opens a call's model session
 * while it answers that call's webhook, and calls are placed one webhook at a time, so the next
 * connection always belongs to the call whose webhook is in flight.
 */
export class SimulatedRealtimeServer {
  private readonly waiting: SimulatedCall[] = [];
  unexpectedConnections = 0;

  private constructor(private readonly server: WebSocketServer) {
    server.on('connection', (socket) => {
      const call = this.waiting.shift();
      if (!call) {
        this.unexpectedConnections += 1;
        socket.close(1008, 'no call expects a model session');
        return;
      }
      call.attachModel(socket);
    });
  }

  static async start(): Promise<SimulatedRealtimeServer> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v1/realtime', perMessageDeflate: false });
    await once(server, 'listening');
    return new SimulatedRealtimeServer(server);
  }

  get url(): string {
    const address = this.server.address();
    return `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1/realtime`;
  }

  /** The next model session the service opens is this call's. */
  expect(call: SimulatedCall): void {
    this.waiting.push(call);
  }

  forget(call: SimulatedCall): void {
    const index = this.waiting.indexOf(call);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
