import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort } from '../support/free-port.js';

t.test('npm run call completes a scripted conversation offline and writes what the caller heard', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'receptionist-call-'));
  await chmod(dir, 0o755);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'heard.wav');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    DATABASE_URL: '',
    OPENAI_API_KEY: '',
    LOG_LEVEL: 'error',
  };
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/tools/call.ts', '--server', 'http://127.0.0.1:1', '--out', out], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 0, code === 0 ? 'the simulator exits cleanly' : output);
  t.match(output, /scripted receptionist \(offline\)/);
  t.match(output, /Ava {3}: Thank you for calling Willow and Oak Medical Spa/);
  t.match(output, /Caller: Ten o'clock works\. My name is Jamie Rivera\./);
  t.match(output, /Ava {3}: Thanks for calling, Jamie\. See you Saturday\. Goodbye!/);
  t.match(output, /booked: HydraFacial with Sofia Ramirez at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, 'the call booked an appointment');
  t.match(output, /ended by assistant/, 'Ava hung up after her goodbye');
  t.ok((await stat(out)).size > 8_000 * 15, 'more than 15 s of heard audio in the WAV');
});
