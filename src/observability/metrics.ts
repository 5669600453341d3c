import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, one registry per app (tests build several in one process).
 * Label values are bounded: enums of ours, tool names from the registry, route patterns, provider
 * codes from a known list; never call ids, numbers or free text. Recording on the audio path is a
 * counter increment or a histogram observation on a pre-bound child: no allocation per frame.
 */

const SECONDS_BUCKETS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 8];
const FRAME_DELAY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05];
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Reasons a call can be turned away at the webhook. */
export type CallRejection = 'overload' | 'draining' | 'unknown_number' | 'forged';

/** What the scrape-time gauges read; set by the app once the parts exist. */
export interface MetricSources {
  liveCalls(): number;
  writeQueue(): { inMemory: number; onDisk: number; oldestAgeMs: number | null };
  /** Pending jobs per task; may reject while the database is away (the gauge then keeps its last values). */
  jobsPending(): Promise<Record<string, number>>;
}

export class Metrics {
  readonly registry = new Registry();
  sources: Partial<MetricSources> = {};

  readonly liveCalls = gauge(this, 'receptionist_live_calls', 'Calls this machine is carrying now', (s) => s.liveCalls?.());
  readonly callsTotal = new Counter({
    name: 'receptionist_calls_total',
    help: 'Calls ended, by outcome and by who ended them',
    labelNames: ['outcome', 'ended_by'] as const,
    registers: [this.registry],
  });
  readonly callsRejected = new Counter({
    name: 'receptionist_calls_rejected_total',
    help: 'Calls turned away at the voice webhook',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly turnLatency = new Histogram({
    name: 'receptionist_turn_latency_seconds',
    help: 'Caller stops speaking → first reply audio sent to the caller',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly greetingLatency = new Histogram({
    name: 'receptionist_greeting_latency_seconds',
    help: 'Media stream start → first greeting audio sent to the caller',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly bridgeFrameDelay = new Histogram({
    name: 'receptionist_bridge_frame_delay_seconds',
    help: "The bridge's own time per audio frame (sampled), by direction",
    labelNames: ['direction'] as const,
    buckets: FRAME_DELAY_BUCKETS,
    registers: [this.registry],
  });
  readonly modelReconnects = new Counter({
    name: 'receptionist_model_reconnects_total',
    help: 'Lost realtime model connections, by how the reconnect ended',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  readonly modelResponseFailures = new Counter({
    name: 'receptionist_model_response_failures_total',
    help: 'Model responses that ended failed, by the provider code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly bargeIns = new Counter({ name: 'receptionist_barge_ins_total', help: 'Replies the caller talked over', registers: [this.registry] });
  readonly toolCalls = new Counter({
    name: 'receptionist_tool_calls_total',
    help: 'Tool calls, by tool and status (ok or the error code class)',
    labelNames: ['tool', 'status'] as const,
    registers: [this.registry],
  });
  readonly toolDuration = new Histogram({
    name: 'receptionist_tool_duration_seconds',
    help: 'How long each tool took',
    labelNames: ['tool'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly writeQueueDepth = gauge(this, 'receptionist_write_queue_depth', 'Writes waiting for the database (memory and disk)', (s) => {
    const stats = s.writeQueue?.();
    return stats && stats.inMemory + stats.onDisk;
  });
  readonly writeQueueOldest = gauge(this, 'receptionist_write_queue_oldest_seconds', 'Age of the oldest write waiting for the database (0 when none)', (s) => {
    const stats = s.writeQueue?.();
    return stats && (stats.oldestAgeMs ?? 0) / 1000;
  });
  readonly jobsPending: Gauge<'task'>;
  readonly smsTotal = new Counter({
    name: 'receptionist_sms_total',
    help: 'Texts, by direction and status',
    labelNames: ['direction', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpRequestDuration = new Histogram({
    name: 'receptionist_http_request_duration_seconds',
    help: 'HTTP requests on the public port, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    const sources = () => this.sources;
    this.jobsPending = new Gauge({
      name: 'receptionist_jobs_pending',
      help: 'Jobs waiting in the queue, by task',
      labelNames: ['task'] as const,
      registers: [this.registry],
      async collect() {
        const pending = await sources().jobsPending?.().catch(() => undefined);
        if (!pending) return;
        this.reset();
        for (const [task, count] of Object.entries(pending)) this.set({ task }, count);
      },
    });
    // Event-loop lag, GC, heap, CPU, file descriptors.
    collectDefaultMetrics({ register: this.registry, prefix: 'receptionist_' });
  }

  /** The Prometheus text exposition of everything. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** A gauge whose value is read from the app's parts at scrape time (undefined: keep the last value). */
function gauge(metrics: Metrics, name: string, help: string, read: (sources: Partial<MetricSources>) => number | undefined): Gauge {
  return new Gauge({
    name,
    help,
    registers: [metrics.registry],
    collect() {
      const value = read(metrics.sources);
      if (value !== undefined) this.set(value);
    },
  });
}

/** Serves `/metrics` on its own port, never the public one. Resolves with the port it listens on. */
export async function listenForScrapes(metrics: Metrics, port: number, host: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.text().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType }).end(body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
