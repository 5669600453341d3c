/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, e.g. from `npm run bench:load -- --cpu-prof`):
 * self time by function and by file (package), and total time under a few call-path roots.
 *
 *   node --import tsx test/bench/profile-summary.ts <file.cpuprofile> [--top 40]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '40' } } });
const file = positionals[0];
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [--top N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i += 1) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

function where(url: string): string {
  if (!url) return '(native/VM)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return url;
  const src = url.indexOf('/src/');
  return src >= 0 ? url.slice(src + 1) : url;
}

const percent = (us: number) => `${((us / totalUs) * 100).toFixed(1).padStart(5)} %`;

const functions = new Map<string, number>();
const files = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'}  ${where(url)}${url ? `:${lineNumber + 1}` : ''}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
  files.set(where(url), (files.get(where(url)) ?? 0) + us);
}

// Piped into `head`, stdout closes early: that is not an error.
process.stdout.on('error', () => process.exit(0));
const print = (line = '') => process.stdout.write(`${line}\n`);
print(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled over ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s`);
print('\nself time by file or package:');
for (const [name, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, 25)) print(`  ${percent(us)}  ${name}`);
print('\nself time by function:');
for (const [name, us] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, top)) print(`  ${percent(us)}  ${name}`);

// Inclusive time of every function name that appears on a sampled stack (counted once per sample).
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
    const { functionName, url } = byId.get(node)!.callFrame;
    const key = `${functionName || '(anonymous)'}  ${where(url)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}
print('\ntotal (inclusive) time by function:');
for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) print(`  ${percent(us)}  ${name}`);
