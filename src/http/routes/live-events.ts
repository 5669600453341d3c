import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { SpaChangeFeed } from '../../storage/spa-change-feed.js';
import { authorisedSpa } from '../auth.js';

/**
 * /events: Server-Sent Events telling a staff screen what changed in its spa (a call started or
 * ended, a turn was recorded, a message for staff came in or was handled, an appointment moved),
 * so it reloads just that part from the ordinary routes instead of polling. Events: `ready` once,
 * then `change` with `{"topic", "conversationId"}`; `resync` means some may have been missed and
 * everything shown should be reloaded. A comment every 25 s keeps proxies from closing the stream.
 */

const KEEP_ALIVE_MS = 25_000;
/** How soon a browser reconnects after the stream drops (the SSE `retry` field). */
const RECONNECT_MS = 3_000;

const liveEventRoutes: FastifyPluginAsyncZod<{ changes: SpaChangeFeed }> = async (app, { changes }) => {
  const open = new Set<ServerResponse>();
  // A stream never ends by itself; closing the server ends them so it can stop.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get('/events', {
    schema: {
      tags: ['events'],
      summary: "Live changes in the spa, as Server-Sent Events (text/event-stream): `ready`, then `change` {topic, conversationId}, or `resync`",
      produces: ['text/event-stream'],
    },
  }, async (request, reply) => {
    const spaId = authorisedSpa(request);
    reply.hijack();
    const stream = reply.raw;
    // The browser may have left while the request was being authenticated: its 'close' has been
    // and gone, so nothing would ever stop what is set up below.
    if (stream.destroyed || request.raw.socket.destroyed) return;
    // The headers set so far (security headers) are kept; a hijacked reply does not send them itself.
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) stream.setHeader(name, value);
    stream.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx-style proxies would otherwise hold events back in a buffer.
      'x-accel-buffering': 'no',
    });
    open.add(stream);
    stream.write(`retry: ${RECONNECT_MS}\n\n`);
    let finished = false;
    const unsubscribe = changes.subscribe(spaId, (change) => {
      if (change === 'resync') stream.write('event: resync\ndata: {}\n\n');
      else stream.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
    });
    const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    keepAlive.unref();
    const finish = () => {
      finished = true;
      clearInterval(keepAlive);
      unsubscribe();
      open.delete(stream);
    };
    request.raw.once('close', finish);
    stream.once('close', finish);
    // `ready` promises that every change from now on will be heard, so it waits for the feed's
    // LISTEN: a change in between would otherwise be lost to a screen that has just loaded.
    await changes.listening();
    if (!finished && !stream.destroyed) stream.write('event: ready\ndata: {}\n\n');
  });
};

export default liveEventRoutes;
