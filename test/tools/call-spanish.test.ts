import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { freePort } from '../support/free-port.js';

t.test('npm run call plays a Spanish-speaking patient offline: Spanish transcript, language remembered', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'receptionist-call-es-'));
  await chmod(dir, 0o755);
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
    DATABASE_URL: '',
    OPENAI_API_KEY: '',
    LOG_LEVEL: 'error',
  };
  const args = ['--import', 'tsx', 'test/tools/call.ts', '--server', 'http://127.0.0.1:1', '--out', path.join(dir, 'heard.wav')];
  let output = '';
  const child = spawn(process.execPath, [...args, '--script', 'fixtures/call-script-es.json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  t.equal(code, 0, code === 0 ? 'the simulator exits cleanly' : output);
  t.match(output, /the spa's settings for this script: \{"languages":\["en","es"\]/);
  t.match(output, /Ava {3}: Thank you for calling Willow and Oak Medical Spa, this is Ava\. Para español, hable en español\./);
  t.match(output, /Caller: Sí, por favor\. Me llamo Lucía Gómez\./);
  t.match(output, /Ava {3}: Gracias por llamar, Lucía\. Nos vemos el sábado\. ¡Adiós!/);
  t.match(output, /booked: HydraFacial with Sofia Ramirez/);
  t.match(output, /conversation language: es; the patient's preferred language: es/);
});
