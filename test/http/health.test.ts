import Fastify from 'fastify';
import t from 'tap';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/config/logger.js';
import { HttpError, installErrorHandlers } from '../../src/http/errors.js';
import { buildTestApp } from '../support/app.js';
import { createEmptyDatabase, createTestDatabase, testDataDir } from '../support/database.js';

t.test('/healthz answers while the process is alive', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.fastify.inject({ method: 'GET', url: '/healthz' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ok' });
});

t.test('/readyz is 200 when the database is reachable and migrations are current', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.fastify.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 200);
  t.same(res.json(), { status: 'ready', checks: { calls: '0 of 50', database: 'ok', migrations: 'ok', writeQueue: 'empty' } });
});

t.test('/readyz is 503 while migrations are pending', async (t) => {
  const database = await createEmptyDatabase(t);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: database.url, DATA_DIR: await testDataDir(t) });
  const app = await buildApp({ config, database, logger: pino({ level: 'silent' }) });
  t.teardown(() => app.close());
  const res = await app.fastify.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.match(res.json().checks.migrations, /pending/);
});

t.test('/readyz is 503 once the app is draining', async (t) => {
  const { app } = await buildTestApp(t);
  app.startDraining();
  const res = await app.fastify.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 503);
  t.equal(res.json().checks.draining, 'shutting down');
});

t.test('/readyz stays 200 but says degraded when the database is gone, since calls still run', async (t) => {
  const { app, database } = await buildTestApp(t);
  await database.close();
  const res = await app.fastify.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.statusCode, 200);
  t.equal(res.json().status, 'degraded');
  t.equal(res.json().checks.database, 'unreachable');
});

t.test('/readyz tells the public neither the database address nor its error; the log does', async (t) => {
  const lines: string[] = [];
  const database = await createTestDatabase(t);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_URL: database.url, DATA_DIR: await testDataDir(t) });
  const app = await buildApp({ config, database, logger: createLogger(config, { write: (line: string) => void lines.push(line) }) });
  t.teardown(() => app.close());
  await database.close();
  const res = await app.fastify.inject({ method: 'GET', url: '/readyz' });
  t.equal(res.json().status, 'degraded');
  const { hostname, port } = new URL(database.url);
  t.equal(res.json().checks.database, 'unreachable');
  for (const detail of [hostname, port, 'ECONNREFUSED', 'destroyed', 'timed out'])
    t.notMatch(res.body, detail, `the answer does not say ${detail}`);
  const warning = lines.map((line) => JSON.parse(line)).find((entry) => entry.msg === 'readiness: the database is unreachable');
  t.ok(warning?.err?.message, `the log says why: ${warning?.err?.message}`);
});

t.test('unknown routes get the standard error body', async (t) => {
  const { app } = await buildTestApp(t);
  const res = await app.fastify.inject({ method: 'GET', url: '/nowhere?secret=1' });
  t.equal(res.statusCode, 404);
  t.same(res.json(), { error: { code: 'NOT_FOUND', message: 'No route for GET /nowhere' } });
});

t.test('a URL the router cannot read gets the standard error body', async (t) => {
  const { app } = await buildTestApp(t);
  const notUtf8 = await app.fastify.inject({ method: 'GET', url: '/api/v1/customers/%ED%A0%80' });
  t.equal(notUtf8.statusCode, 400);
  t.same(notUtf8.json(), { error: { code: 'BAD_REQUEST', message: 'The URL is not valid (a percent escape that is not UTF-8?).' } });
  const tooLong = await app.fastify.inject({ method: 'GET', url: `/api/v1/customers/${'a'.repeat(200)}` });
  t.equal(tooLong.statusCode, 414);
  t.same(tooLong.json(), { error: { code: 'URI_TOO_LONG', message: 'A part of the URL is too long.' } });
});

t.test('errors below 500 keep their message; above 500 it is generic', async (t) => {
  const app = Fastify({ logger: false });
  installErrorHandlers(app);
  app.get('/teapot', async () => {
    throw new HttpError(409, 'SLOT_TAKEN', 'That time was just booked.');
  });
  app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
  const teapot = await app.inject({ method: 'GET', url: '/teapot' });
  t.equal(teapot.statusCode, 409);
  t.same(teapot.json(), { error: { code: 'SLOT_TAKEN', message: 'That time was just booked.' } });
  const boom = await app.inject({ method: 'GET', url: '/boom' });
  t.equal(boom.statusCode, 500);
  t.same(boom.json(), { error: { code: 'INTERNAL_ERROR', message: 'Something went wrong on our side.' } });
  const badJson = await app.inject({
    method: 'POST',
    url: '/teapot',
    headers: { 'content-type': 'application/json' },
    payload: '{',
  });
  t.equal(badJson.json().error.code !== undefined, true);
});
