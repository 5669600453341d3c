/**
 * npm run bench:api — the staff API on a spa with 100,000 conversations and 1,000,000 messages.
 * Builds the data with SQL on a fresh database (embedded Postgres, or DATABASE_URL's server),
 * then times list, filtered list, full-text search (transcripts and summaries), page two, detail and
 * analytics requests through the real app (in process, so the figures are the server's own time).
 * Targets: list, search and analytics p95 under 50 ms (the weekly digest 250 ms), detail under 20 ms.
 * With Chromium present it then times the console's conversation list in the browser (signed in as
 * an owner; < 1 s to the 50th row) with where the time went and the CPU each side spent.
 * BENCH_CONSOLE=0 skips the browser; BENCH_API_REQUESTS=0 skips the API rows.
 * `--explain` prints the three searches' plans (EXPLAIN ANALYZE, BUFFERS) and their shared-buffer
 * counts instead of timing anything: those counts hold on a busy machine, where timings do not.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
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
import { CHROMIUM_MISSING } from '../support/browser.js';
import { buildConsole } from '../support/console-build.js';
import { describeConsoleRun, timeConsoleList } from '../support/console-timing.js';
import { buildConversationDataset } from '../support/conversation-dataset.js';
import { freePort } from '../support/free-port.js';
import { explainSearches } from './search-plans.js';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const MESSAGES_PER_CONVERSATION = 10;
const SAMPLES = 200;

const EXPLAIN = process.argv.includes('--explain');

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
    await buildConversationDataset(db, spaId, { conversations: CONVERSATIONS, messagesPerConversation: MESSAGES_PER_CONVERSATION });
    await sql`analyze`.execute(db);
    print(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    if (EXPLAIN) {
      // As autovacuum soon leaves it (visibility map set, GIN pending list merged): the counts then
      // do not depend on whether autovacuum got to the fresh tables before the plans were taken.
      await sql`vacuum (analyze) conversations, messages, customers, voice_call_details`.execute(db);
      await printSearchPlans(url.toString(), spaId, db);
      return;
    }

    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: url.toString() });
    // The console is timed too when Chromium is here (BENCH_CONSOLE=0 skips it).
    const timeConsole = !CHROMIUM_MISSING && process.env.BENCH_CONSOLE !== '0';
    const consoleDir = timeConsole ? await buildConsole() : undefined;
    const app = await buildApp({
      config,
      database: { db, embedded: false, description: name, url: url.toString(), close: async () => {} },
      logger: pino({ level: 'silent' }),
      ...(consoleDir ? { consoleDir } : {}),
    });
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
    // BENCH_API_REQUESTS=0 times the console alone (the dataset still takes minutes to build).
    for (const c of process.env.BENCH_API_REQUESTS === '0' ? [] : cases) {
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
    if (timeConsole) {
      const runs = await timeConsoleList(app.fastify, db, spaId);
      const times = runs.map((r) => r.totalMs);
      print(`| console: conversation list, first 50 rows on screen (browser) | ${percentile(times, 50).toFixed(0)} | ${percentile(times, 95).toFixed(0)} | ${times.at(-1)!.toFixed(0)} | < 1000 | ${percentile(times, 95) < 1000 ? 'PASS' : 'FAIL'} |`);
      const cpu = (pick: (r: (typeof runs)[number]) => number) => percentile(runs.map(pick).sort((a, b) => a - b), 50).toFixed(0);
      print(`\nconsole, median run: ${describeConsoleRun(runs[Math.floor((runs.length - 1) / 2)]!)}`);
      print(`console, CPU per load (p50 of ${runs.length}): browser main thread ${cpu((r) => r.browserCpuMs)} ms, server ${cpu((r) => r.serverCpuMs)} ms; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    } else print(`(console not timed: ${CHROMIUM_MISSING ?? 'BENCH_CONSOLE=0'})`);
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

/** `--explain`: every statement each search runs, its plan, and what it touched. */
async function printSearchPlans(url: string, spaId: string, db: Awaited<ReturnType<typeof connect>>): Promise<void> {
  const { timezone } = await db.selectFrom('spas').select('timezone').where('id', '=', spaId).executeTakeFirstOrThrow();
  const plans = await explainSearches(url, spaId, timezone);
  for (const search of plans) {
    for (const [i, statement] of search.statements.entries()) {
      print(`\n### search, ${search.name}: statement ${i + 1} of ${search.statements.length}\n`);
      print(statement.sql.replace(/^\s*\n/, '').replace(/\n\s*$/, ''));
      print('');
      print(statement.plan);
    }
  }
  print('\n| search (page of 50) | shared buffers (hit + read) per statement | total |');
  print('|---|---|---|');
  for (const search of plans) {
    const counts = search.statements.map((s) => s.sharedHit + s.sharedRead);
    print(`| ${search.name} | ${counts.map((c) => c.toLocaleString('en-US')).join(' + ')} | ${counts.reduce((a, b) => a + b, 0).toLocaleString('en-US')} |`);
  }
}

await main();
