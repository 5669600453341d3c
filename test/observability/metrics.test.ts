import t from 'tap';
import { listenForScrapes } from '../../src/observability/metrics.js';
import { pendingJobs } from '../../src/storage/job-queue.js';
import { startCallHarness } from '../support/call-harness.js';
import { until } from '../support/until.js';

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  t.equal(response.status, 200);
  t.match(response.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return response.text();
}

/** The value of one sample line, e.g. `receptionist_live_calls 1`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test('the metrics port serves Prometheus text: live calls, requests by route, the write queue, pending jobs, the process', async (t) => {
  const h = await startCallHarness(t);
  const scrapes = await listenForScrapes(h.app.metrics, 0, '127.0.0.1');
  t.teardown(() => scrapes.close());
  h.realtime.configure = (c) => c.replies.push({ text: 'Hello, this is Ava.', audioMs: 100 });
  const call = h.call();
  await call.dial();
  await call.heardAll(100);
  const during = await scrape(scrapes.port);
  t.equal(sample(during, 'receptionist_live_calls'), 1, 'the call is live');
  t.equal(
    sample(during, 'receptionist_http_request_duration_seconds_count{method="POST",route="/twilio/voice",status_code="200"}'),
    1,
    'the voice webhook, counted by its route',
  );
  t.ok(sample(during, 'receptionist_write_queue_depth') !== undefined, 'the write queue depth');
  t.equal(sample(during, 'receptionist_write_queue_oldest_seconds') !== undefined, true);
  t.match(during, /^receptionist_nodejs_eventloop_lag_p99_seconds /m, 'event-loop lag');
  t.match(during, /^receptionist_nodejs_heap_size_used_bytes /m, 'heap');

  const session = h.app.liveCalls.get(call.callSid);
  call.hangUp();
  await session?.done;
  await until('the analysis to be queued', async () => (await pendingJobs(h.database.db)).some((j) => j.task === 'analyse_conversation'));
  const after = await scrape(scrapes.port);
  t.equal(sample(after, 'receptionist_live_calls'), 0, 'the call is over');
  t.ok((sample(after, 'receptionist_jobs_pending{task="analyse_conversation"}') ?? 0) >= 1, 'its analysis waits in the queue');
  t.notMatch(after, /\+1202555|CA[0-9a-f]{32}/, 'no numbers or call ids in labels');

  const publicPort = await fetch(`${h.baseUrl}/metrics`);
  t.equal(publicPort.status, 404, 'never on the public port');
});
