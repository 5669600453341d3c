import pg from 'pg';
import type { Logger } from 'pino';
import { z } from 'zod';

/**
 * Changes staff see live (calls starting and ending, turns, messages for staff, appointments),
 * heard from Postgres's NOTIFY on `spa_changes` (raised by triggers, see the migration
 * `console_change_notifications`), so a machine hears about calls that other machines carry.
 * One LISTEN connection per process, opened while anyone is subscribed.
 */

export const SPA_CHANGE_TOPICS = ['live_calls', 'staff_messages', 'conversations', 'appointments', 'conversation_timeline'] as const;
export type SpaChangeTopic = (typeof SPA_CHANGE_TOPICS)[number];

export interface SpaChange {
  topic: SpaChangeTopic;
  conversationId: string | null;
}

/** What a subscriber hears: a change, or `resync` after the feed lost its connection and may have missed some. */
export type SpaChangeListener = (change: SpaChange | 'resync') => void;

const notificationSchema = z.object({
  spa: z.string().uuid().nullable(),
  topic: z.enum(SPA_CHANGE_TOPICS),
  conversation: z.string().uuid().nullable(),
});

const CHANNEL = 'spa_changes';
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

export class SpaChangeFeed {
  private readonly listeners = new Map<string, Set<SpaChangeListener>>();
  private client: pg.Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryMs = RECONNECT_MIN_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Who waits for the LISTEN to be in place (see `listening`). */
  private waiters: Array<() => void> = [];

  constructor(
    private readonly url: string,
    private readonly log: Logger,
  ) {}

  /** Listens to one spa's changes; returns the unsubscribe. */
  subscribe(spaId: string, listener: SpaChangeListener): () => void {
    let set = this.listeners.get(spaId);
    if (!set) this.listeners.set(spaId, (set = new Set()));
    set.add(listener);
    this.ensureConnected();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(spaId);
      if (this.listeners.size === 0) this.disconnect();
    };
  }

  /**
   * Resolves once changes are being heard (the LISTEN is in place), so a subscriber can say it is
   * ready without missing what happens between its subscribe and the LISTEN. While the database
   * cannot be reached it waits for the reconnect; it resolves too when the feed closes or nobody is
   * subscribed any more.
   */
  listening(): Promise<void> {
    if (this.client || this.closed || this.listeners.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.disconnect();
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private ensureConnected(): void {
    if (this.closed || this.client || this.connecting || this.retryTimer) return;
    this.connecting = this.connect().finally(() => (this.connecting = undefined));
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    // An unheard 'error' event would crash the process; a lost connection is retried.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, undefined));
    client.on('notification', (message) => this.dispatch(message.payload));
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.closed || this.listeners.size === 0) {
      await client.end().catch(() => {});
      return;
    }
    const wasRetrying = this.retryMs > RECONNECT_MIN_MS;
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    this.releaseWaiters();
    // Changes made while we were away were not heard: everyone reloads what they show.
    if (wasRetrying) this.broadcast('resync');
  }

  private lost(client: pg.Client, error: unknown): void {
    if (this.client !== undefined && this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    void client.end().catch(() => {});
    if (this.closed || this.listeners.size === 0 || this.retryTimer) return;
    this.log.warn({ err: error }, 'lost the change feed; listening again shortly');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.ensureConnected();
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }

  private disconnect(): void {
    this.releaseWaiters();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      client.on('error', () => {});
      void client.end().catch(() => {});
    }
  }

  private dispatch(payload: string | undefined): void {
    let parsed: z.infer<typeof notificationSchema>;
    try {
      parsed = notificationSchema.parse(JSON.parse(payload ?? ''));
    } catch {
      this.log.debug('ignored a malformed change notification');
      return;
    }
    if (!parsed.spa) return;
    const change: SpaChange = { topic: parsed.topic, conversationId: parsed.conversation };
    for (const listener of this.listeners.get(parsed.spa) ?? []) listener(change);
  }

  private broadcast(change: 'resync'): void {
    for (const set of this.listeners.values()) for (const listener of set) listener(change);
  }
}
