/**
 * The service under test in its own process (`src/server.ts`, as in production), pinned to one
 * core with `taskset` when the machine has it, its logs written to a file rather than through
 * the load generator.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync } from 'node:fs';
import { freePort } from '../../support/free-port.js';
import { heapUsedAfterGc, inspectorUrlFromLog } from './inspector.js';

export interface ServiceProcess {
  pid: number;
  baseUrl: string;
  /** The core it is pinned to, or undefined when it runs unpinned. */
  pinnedCore: number | undefined;
  logFile: string;
  /** Live heap after a full collection (through the inspector), when it can be read. */
  heapAfterGc(): Promise<number | undefined>;
  /** SIGTERM, then the exit (and, with --cpu-prof, the profile written). */
  stop(): Promise<number | null>;
}

export function tasksetAvailable(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Pins this process (all its threads, and the children it starts later) to one core. */
export function pinThisProcess(core: number): boolean {
  if (!tasksetAvailable()) return false;
  return spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)], { stdio: 'ignore' }).status === 0;
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with code ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service was not ready within ${timeoutMs} ms`);
}

export async function startServiceProcess(options: {
  env: Record<string, string>;
  logFile: string;
  core?: number;
  cpuProfileDir?: string;
}): Promise<ServiceProcess> {
  const port = await freePort();
  const nodeArgs = [
    // Loopback only, on a free port; the bench reads the heap through it between levels.
    '--inspect=127.0.0.1:0',
    ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : []),
    // Diagnostics, e.g. BENCH_SERVICE_NODE_ARGS=--trace-gc (the output goes to the service's log).
    ...(process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean),
    '--import',
    'tsx',
    'src/server.ts',
  ];
  const pin = options.core !== undefined && tasksetAvailable();
  const [command, args] = pin
    ? ['taskset', ['-c', String(options.core), process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  const log = openSync(options.logFile, 'w');
  const child = spawn(command, args as string[], {
    env: {
      PATH: process.env.PATH ?? '',
      // ws's switch for its native add-on, passed through so a run can show what bufferutil saves.
      ...(process.env.WS_NO_BUFFER_UTIL ? { WS_NO_BUFFER_UTIL: process.env.WS_NO_BUFFER_UTIL } : {}),
      ...options.env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error('could not start the service');
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(baseUrl, child, 60_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : String(error)} (log: ${options.logFile})`, { cause: error });
  }
  const inspector = await inspectorUrlFromLog(options.logFile);
  return {
    // taskset execs node in place, so this pid is the service's own.
    pid: child.pid,
    baseUrl,
    pinnedCore: pin ? options.core : undefined,
    logFile: options.logFile,
    heapAfterGc: async () => (inspector ? heapUsedAfterGc(inspector) : undefined),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code] = (await exited) as [number | null];
      clearTimeout(timer);
      return code;
    },
  };
}
