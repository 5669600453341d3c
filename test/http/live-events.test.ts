import http from 'node:http';
import { sql, type Kysely } from 'kysely';
import t from 'tap';
import { createApiKey } from '../../src/storage/api-key-repository.js';
import { loadDemoSpaCatalog, seedSpa } from '../../src/storage/seed.js';
import { recordTextThread } from '../support/recorded-conversations.js';
import { buildTestApp } from '../support/app.js';
import { until } from '../support/until.js';

/**
 * GET /api/v1/events: the staff screens' Server-Sent Events. A stream starts with `ready`, hears
 * its own spa's changes (raised by Postgres triggers) and nobody else's, and the server's close
 * ends open streams and their connections promptly, even on a keep-alive connection, so a deploy
 * never waits on a console left open.
 */

interface OpenStream {
  text: () => string;
  ended: Promise<void>;
  response: http.IncomingMessage;
}

function openStream(port: number, key: string, agent: http.Agent): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/api/v1/events', agent, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => {
        response.once('end', done);
        response.once('close', done);
      });
      resolve({ text: () => text, ended, response });
    });
    request.once('error', reject);
  });
}

/** How many connections LISTEN on this test's database: the change feed holds one while any stream is subscribed. */
async function listeners<T>(db: Kysely<T>): Promise<number> {
  const result = await sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`.execute(db);
  return Number(result.rows[0]!.n);
}

t.test('a stream hears its own spa, not another; closing the server ends it and its connection at once', async (t) => {
  const test = await buildTestApp(t);
  const { db } = test.database;
  const other = await seedSpa(db, { ...(await loadDemoSpaCatalog()), slug: 'other-spa', name: 'Other Spa', phoneNumbers: ['+13105550100'] });
  const key = await createApiKey(db, test.demoSpaId, 'staff', 'front desk');
  await test.app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = test.app.fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // A keep-alive agent, as a browser holds its connections.
  const agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
  t.teardown(() => agent.destroy());

  const stream = await openStream(port, key.key, agent);
  t.equal(stream.response.statusCode, 200);
  t.match(stream.response.headers['content-type'], /^text\/event-stream/);
  await until('ready', async () => stream.text().includes('event: ready'));
  // `ready` means changes are heard from now on: the LISTEN is already in place.
  t.equal(await listeners(db), 1, 'ready comes once the change feed is listening');

  await recordTextThread(db, { spaId: other.spaId, from: '+12025550190', startedAt: new Date('2026-11-30T15:00:00Z'), texts: [['inbound', 'Hello?', 1]] });
  const conversationId = await recordTextThread(db, {
    spaId: test.demoSpaId,
    from: '+12025550191',
    startedAt: new Date('2026-11-30T15:00:00Z'),
    texts: [['inbound', 'Do you have anything on Friday?', 1]],
  });
  await until('the change', async () => stream.text().includes(conversationId));
  const changes = stream
    .text()
    .split('\n\n')
    .filter((e) => e.startsWith('event: change'))
    .map((e) => JSON.parse(e.split('\ndata: ')[1]!) as { topic: string; conversationId: string | null });
  t.ok(changes.length > 0, 'changes were heard');
  t.ok(changes.every((c) => c.conversationId === conversationId || c.conversationId === null), "only this spa's conversation is named");
  t.ok(changes.some((c) => c.topic === 'conversations'), 'the new thread is a change to conversations');

  // A bound far below the server's keep-alive time (72 s): the close must not wait on the stream's socket.
  const started = Date.now();
  await Promise.race([
    test.app.close(),
    new Promise((_, reject) => setTimeout(() => reject(new Error('the server did not close within 20 s with a stream open')), 20_000).unref()),
  ]);
  t.ok(Date.now() - started < 20_000, 'the server closed with a stream open');
  await stream.ended;
  t.equal(stream.response.socket?.destroyed ?? true, true, "the stream's connection is closed, not left idle");
});

t.test('a browser that leaves before its stream opens leaves nothing running behind it', async (t) => {
  const test = await buildTestApp(t);
  const key = await createApiKey(test.database.db, test.demoSpaId, 'staff', 'front desk');
  await test.app.fastify.listen({ port: 0, host: '127.0.0.1' });
  const address = test.app.fastify.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  t.equal(await listeners(test.database.db), 0, 'nobody listens before');
  // Each request is sent whole and its connection cut at once, while its API key is still being looked up.
  const LEFT = 20;
  await Promise.all(
    Array.from({ length: LEFT }, () =>
      new Promise<void>((resolve) => {
        const request = http.request({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { authorization: `Bearer ${key.key}` } });
        request.on('error', () => resolve());
        request.on('close', () => resolve());
        request.end(() => setImmediate(() => request.destroy()));
      }),
    ),
  );
  // Let every handler run to its end (the key lookups finish after the cuts), and the feed let go.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  t.equal(await listeners(test.database.db), 0, 'no stream nobody reads keeps the change feed listening');
  const stream = await openStream(port, key.key, new http.Agent());
  await until('ready', async () => stream.text().includes('event: ready'));
  await until('listening', async () => (await listeners(test.database.db)) === 1);
  t.pass('a stream that stays does listen');
  stream.response.destroy();
  await until('let go', async () => (await listeners(test.database.db)) === 0);
  t.pass('and lets go when it leaves');
});
