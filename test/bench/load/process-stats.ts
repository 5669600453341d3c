/**
 * CPU time and resident memory of a process, read from Linux's /proc (all of its threads: the
 * event loop, libuv's pool, V8's GC helpers). Elsewhere these return undefined and the bench
 * says the figure is unavailable.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Kernel clock ticks per second (utime/stime unit), usually 100. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds the process has used so far, in user space and in the kernel (syscalls, TCP). */
export function cpuSeconds(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat are utime and stime; after the name, state is index 0, so 11 and 12.
    return { user: Number(fields[11]) / ticksPerSecond(), system: Number(fields[12]) / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes. */
export function rssBytes(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface CoreTimes {
  /** Seconds the core spent running anything (user, nice, system, irq, softirq). */
  busy: number;
  /** Seconds the hypervisor gave this core's time to other machines. */
  steal: number;
  total: number;
}

/** Per-core times since boot, from /proc/stat; empty where unavailable. */
export function coreTimes(): Map<number, CoreTimes> {
  const cores = new Map<number, CoreTimes>();
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return cores;
  }
  const tick = ticksPerSecond();
  for (const line of stat.split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line);
    if (!match) continue;
    // user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = match[2]!.trim().split(/\s+/).map(Number);
    cores.set(Number(match[1]), {
      busy: (user + nice + system + irq + softirq) / tick,
      steal: steal / tick,
      total: (user + nice + system + idle + iowait + irq + softirq + steal) / tick,
    });
  }
  return cores;
}
