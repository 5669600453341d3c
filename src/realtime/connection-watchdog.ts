import WebSocket from 'ws';

export interface ConnectionWatchdogOptions {
  clock: () => number;
  /** How long a connection may leave a ping, or an answer it owes, unanswered. */
  livenessMs: number;
  tickMs: number;
  /** The connection to watch now (it can change: a renewed session moves to a new socket). */
  socket: () => WebSocket | undefined;
  /** Since when the model has owed an answer (a request or tool results sent), or undefined. */
  owedSince: () => number | undefined;
  /** The connection is dead or stalled: the adapter drops it and reports it closed. */
  giveUp: (why: 'no answer to ping' | 'response stalled') => void;
  /** The adapter's own work on each tick, after the checks (Gemini renews a session that is due). */
  onTick?: (now: number) => void;
}

/**
 * Keeps a model connection honest, for every realtime adapter alike. A half-open TCP connection
 * never closes by itself, so on each tick: a connection that left a ping unanswered for
 * `livenessMs` is dead; one that owes an answer and has sent no event for `livenessMs` has
 * stalled; and one that has been quiet for half of `livenessMs` is pinged (only then, so a busy
 * call's socket carries no extra frames).
 */
export class ConnectionWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private lastEventAt = 0;
  private pingSentAt: number | undefined;

  constructor(private readonly options: ConnectionWatchdogOptions) {}

  start(): void {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.options.tickMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The model said something (or the connection just opened): it is alive as of now. */
  heard(): void {
    this.lastEventAt = this.options.clock();
  }

  /** The ping was answered, or a new connection took over and none is outstanding. */
  clearPing(): void {
    this.pingSentAt = undefined;
  }

  private tick(): void {
    const socket = this.options.socket();
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const { clock, livenessMs: limit } = this.options;
    const now = clock();
    if (this.pingSentAt !== undefined && now - this.pingSentAt > limit) return this.fail('no answer to ping');
    const owed = this.options.owedSince();
    if (owed !== undefined && now - Math.max(owed, this.lastEventAt) > limit) return this.fail('response stalled');
    this.options.onTick?.(now);
    if (this.pingSentAt === undefined && now - this.lastEventAt >= limit / 2) {
      this.pingSentAt = now;
      socket.ping();
    }
  }

  private fail(why: 'no answer to ping' | 'response stalled'): void {
    this.stop();
    this.options.giveUp(why);
  }
}
