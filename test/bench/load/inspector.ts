/**
 * The service's V8 heap, read through its inspector (started on loopback with --inspect=127.0.0.1:0):
 * RSS keeps memory V8 and malloc have grown into, so whether calls leave anything behind is
 * judged on the heap after a full garbage collection.
 */
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';

/** The inspector's WebSocket URL, from the line Node writes to stderr at start. */
export async function inspectorUrlFromLog(logFile: string): Promise<string | undefined> {
  const log = await readFile(logFile, 'utf8');
  return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(log)?.[1];
}

/** Bytes of live JavaScript heap after a full collection, or undefined if the inspector did not answer. */
export async function heapUsedAfterGc(url: string): Promise<number | undefined> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  socket.on('error', () => {});
  try {
    await Promise.race([once(socket, 'open'), new Promise((_, reject) => setTimeout(() => reject(new Error('no inspector')), 5_000))]);
    let id = 0;
    const call = (method: string): Promise<Record<string, unknown>> => {
      const requestId = ++id;
      socket.send(JSON.stringify({ id: requestId, method }));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${method} timed out`)), 30_000);
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown> };
          if (message.id !== requestId) return;
          clearTimeout(timer);
          socket.off('message', onMessage);
          resolve(message.result ?? {});
        };
        socket.on('message', onMessage);
      });
    };
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return typeof usage.usedSize === 'number' ? usage.usedSize : undefined;
  } catch {
    return undefined;
  } finally {
    socket.close();
  }
}
