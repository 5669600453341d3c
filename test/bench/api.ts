/**
 * npm run bench:api — the staff API on a spa with 100,000 conversations and 1,000,000 messages.
 * Builds the data with SQL on a fresh database (embedded Postgres, or DATABASE_URL's server),
 * then times list, filtered list, full-text search (transcripts and summaries), page two, detail and
 * analytics requests through the real app (in process, so the figures are the server's own time).
 * Targets: list, search and analytics p95 under 50 ms (the weekly digest 250 ms), detail under 20 ms.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { prepareSchema } from '../../src/storage/bootstrap.js';
import { connect } from '../../src/storage/database.js';
import { startEmbeddedPostgres } from '../../src/storage/embedded-postgres.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { freePort } from '../support/free-port.js';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES_PER_CONVERSATION = 10;
const SAMPLES = 200;

const print = (line: string) => process.stdout.write(`${line}\n`);

async function adminDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '/postgres';
    return { url: url.toString(), stop: async () => {} };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'receptionist-bench-'));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort(), logger: pino({ level: 'warn' }) });
  return {
    url: server.urlFor('postgres'),
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  const admin = await adminDatabase();
  const name = `bench_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.url });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin.url);
  url.pathname = `/${name}`;
  const db = await connect(url.toString());
  try {
    await prepareSchema({ db, url: url.toString() });
    const { spaId } = await seedSpa(db, await loadDemoSpaCatalog());

    let started = Date.now();
    print(`building ${CONVERSATIONS.toLocaleString()} conversations and ${(CONVERSATIONS * MESSAGES_PER_CONVERSATION).toLocaleString()} messages…`);
    await sql`
      insert into customers (spa_id, phone, name)
      select ${spaId}, '+1202' || lpad(i::text, 7, '0'),
        (array['Jamie','Alex','Sam','Morgan','Taylor','Jordan','Casey','Riley'])[1 + i % 8] || ' ' ||
        (array['Rivera','Chen','Patel','Smith','Okafor','Garcia','Kim','Nguyen'])[1 + (i / 8) % 8]
      from generate_series(1, ${Math.max(1, Math.floor(CONVERSATIONS / 5))}) i`.execute(db);
    await sql`
      insert into conversations (spa_id, customer_id, channel, status, outcome, outcome_source, started_at, last_activity_at, ended_at, cost_usd,
        summary, satisfaction, satisfaction_reason, services, questions, follow_up_needed, analysed_at)
      select ${spaId}, c.id,
        case when i % 4 = 0 then 'sms' else 'voice' end,
        (array['completed','completed','completed','transferred','abandoned'])[1 + i % 5],
        (array['booked','question_answered','message_taken','rescheduled','cancelled'])[1 + i % 5],
        'model',
        now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval, now() - (i || ' minutes')::interval + interval '3 minutes',
        0.05,
        (array[
          E'A patient asked about HydraFacial prices.\nBooked Tuesday morning with Sofia.',
          E'A caller wanted to move a Botox appointment.\nMoved to Thursday afternoon.',
          E'A patient asked whether laser hair removal suits darker skin.\nOffered a free consultation.',
          E'A caller was unhappy about a billing mix-up.\nMessage taken for the front desk.'
        ])[1 + i % 4],
        1 + i % 5, 'Sounded pleased with the answer.',
        array[(array['HydraFacial','Lip filler','Microneedling','Chemical peel'])[1 + i % 4]],
        array[(array['How much is a HydraFacial?','Is lip filler painful?','Do you have Saturday openings?','Where do I park?','Can I pay in installments?'])[1 + i % 5]],
        i % 7 = 0, now()
      from generate_series(1, ${CONVERSATIONS}) i
      join (select id, row_number() over (order by id) as n from customers where spa_id = ${spaId}) c
        on c.n = 1 + i % ${Math.max(1, Math.floor(CONVERSATIONS / 5))}`.execute(db);
    await sql`
      insert into messages (conversation_id, seq, role, text, spoken_at)
      select c.id, s, case when s % 2 = 1 then 'assistant' else 'customer' end,
        (array[
          'Thank you for calling Willow and Oak Medical Spa, this is Ava. How can I help you today?',
          'Do you have anything open for a HydraFacial this Saturday morning?',
          'I would like to book Botox with Dr. Chen next week',
          'How much is lip filler and how long does the swelling last?',
          'Can I move my microneedling appointment to Thursday afternoon?',
          'I need to cancel my chemical peel, something came up at work',
          'Is laser hair removal safe for darker skin tones?',
          'You are all set, we will text you a confirmation with the details.'
        ])[1 + ((hashtext(c.id::text) + s) & 7)],
        c.started_at + (s || ' seconds')::interval
      from conversations c, generate_series(1, ${MESSAGES_PER_CONVERSATION}) s
      where c.spa_id = ${spaId}`.execute(db);
    await sql`
      insert into voice_call_details (conversation_id, call_sid, to_number, twilio_status, duration_seconds, reply_latencies_ms)
      select c.id, 'CA' || md5(c.id::text), '+12025550100', 'completed', 180, array[400 + hashtext(c.id::text) % 300, 700, 550]
      from conversations c where c.spa_id = ${spaId} and c.channel = 'voice'`.execute(db);
    // The daily rows the analysis job keeps, summed here in one go for the whole history.
    await sql`
      insert into daily_usage (spa_id, day, conversations, calls, text_threads, voice_seconds, voice_billed_minutes, bookings,
        satisfaction_sum, satisfaction_count, follow_ups, cost_total_usd, cost_voice_usd, cost_sms_usd)
      select c.spa_id, (c.started_at at time zone s.timezone)::date, count(*), count(*) filter (where c.channel = 'voice'),
        count(*) filter (where c.channel = 'sms'), 180 * count(*) filter (where c.channel = 'voice'), 3 * count(*) filter (where c.channel = 'voice'),
        count(*) filter (where c.outcome = 'booked'), sum(c.satisfaction), count(c.satisfaction), count(*) filter (where c.follow_up_needed),
        sum(c.cost_usd), sum(c.cost_usd) filter (where c.channel = 'voice'), coalesce(sum(c.cost_usd) filter (where c.channel = 'sms'), 0)
      from conversations c join spas s on s.id = c.spa_id where c.spa_id = ${spaId} group by 1, 2`.execute(db);
    await sql`
      update daily_usage d set reply_latency_histogram = usage_latency_histogram(x.latencies, 1)
      from (
        select (c.started_at at time zone s.timezone)::date as day, array_agg(l) as latencies
        from conversations c join spas s on s.id = c.spa_id join voice_call_details v on v.conversation_id = c.id, unnest(v.reply_latencies_ms) l
        where c.spa_id = ${spaId} group by 1) x
      where d.spa_id = ${spaId} and d.day = x.day`.execute(db);
    // A rare word in a few conversations, to time a selective search too.
    await sql`update messages set text = text || ' (mentions a keloid scar)' where id % 997 = 0`.execute(db);
    await sql`analyze`.execute(db);
    print(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url.toString() });
    const app = await buildApp({ config, database: { db, embedded: false, description: name, url: url.toString(), close: async () => {} }, logger: pino({ level: 'silent' }) });
    // A key per row: each is rate limited to 300 requests a minute, as in production.
    let headers = { authorization: `Bearer ${(await createApiKey(db, spaId, 'staff', 'bench')).key}` };
    const ids = (await db.selectFrom('conversations').select('id').where('spa_id', '=', spaId).limit(SAMPLES).orderBy(sql`random()`).execute()).map((r) => r.id);
    const firstPage = await app.fastify.inject({ method: 'GET', url: '/api/v1/conversations?limit=50', headers });
    const cursor = firstPage.json().nextCursor as string;
    const today = new Date().toISOString().slice(0, 10);
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);

    const cases: { name: string; url: (i: number) => string; target: number }[] = [
      { name: 'list, newest 50', url: () => '/api/v1/conversations?limit=50', target: 50 },
      { name: 'list, page two (cursor)', url: () => `/api/v1/conversations?limit=50&cursor=${cursor}`, target: 50 },
      { name: 'list, channel + status filter', url: () => '/api/v1/conversations?channel=sms&status=completed&limit=50', target: 50 },
      { name: 'list, one day (spa time zone)', url: () => `/api/v1/conversations?from=${today}&to=${today}&limit=50`, target: 50 },
      { name: 'search, common words ("lip filler")', url: () => '/api/v1/conversations?q=lip%20filler&limit=50', target: 50 },
      { name: 'search, rare word ("keloid")', url: () => '/api/v1/conversations?q=keloid&limit=50', target: 50 },
      { name: 'search, a word in summaries ("billing")', url: () => '/api/v1/conversations?q=billing&limit=50', target: 50 },
      { name: 'detail (messages, events, call)', url: (i) => `/api/v1/conversations/${ids[i % ids.length]}`, target: 20 },
      { name: 'analytics, daily (31 days)', url: () => `/api/v1/analytics/daily?from=${monthAgo}&to=${today}`, target: 50 },
      { name: 'analytics, usage with budget (31 days)', url: () => `/api/v1/analytics/usage?from=${monthAgo}&to=${today}`, target: 50 },
      // Read once a week, over a week of analysed conversations (10,000 here; a busy spa has a few hundred).
      { name: 'analytics, weekly digest (~10,000 conversations)', url: () => '/api/v1/analytics/weekly-digest', target: 250 },
    ];
    print('');
    print('| request | p50 ms | p95 ms | max ms | target p95 | result |');
    print('|---|---|---|---|---|---|');
    let failed = false;
    for (const c of cases) {
      headers = { authorization: `Bearer ${(await createApiKey(db, spaId, 'staff', `bench ${c.name}`)).key}` };
      for (let i = 0; i < 10; i += 1) await app.fastify.inject({ method: 'GET', url: c.url(i), headers }); // warm up
      const times: number[] = [];
      for (let i = 0; i < SAMPLES; i += 1) {
        started = performance.now();
        const res = await app.fastify.inject({ method: 'GET', url: c.url(i), headers });
        times.push(performance.now() - started);
        if (res.statusCode !== 200) throw new Error(`${c.name}: HTTP ${res.statusCode} ${res.body}`);
      }
      times.sort((a, b) => a - b);
      const p95 = percentile(times, 95);
      const pass = p95 < c.target;
      failed ||= !pass;
      print(`| ${c.name} | ${percentile(times, 50).toFixed(1)} | ${p95.toFixed(1)} | ${times.at(-1)!.toFixed(1)} | < ${c.target} | ${pass ? 'PASS' : 'FAIL'} |`);
    }
    print(`\n${CONVERSATIONS.toLocaleString()} conversations, ${(CONVERSATIONS * MESSAGES_PER_CONVERSATION).toLocaleString()} messages, ${SAMPLES} requests per row, Node ${process.version}, in-process inject (server time only).`);
    await app.close();
    process.exitCode = failed ? 1 : 0;
  } finally {
    await db.destroy();
    const dropper = new pg.Client({ connectionString: admin.url });
    await dropper.connect();
    await dropper.query(`drop database if exists ${name} with (force)`);
    await dropper.end();
    await admin.stop();
  }
}

await main();
