import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { inTransaction } from '../../src/storage/database.js';
import { replaceConversationUsage, USAGE_COSTS, USAGE_COUNTERS, type ConversationFigures } from '../../src/storage/usage-repository.js';
import { CHROMIUM_MISSING, launchChromium } from '../support/browser.js';
import { startCallHarness } from '../support/call-harness.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { addPerson, signIn } from '../support/staff-people.js';
import { until } from '../support/until.js';

/**
 * The test line in a real browser: headless Chromium with a fake microphone playing a synthesised
 * WAV, the console as built, the service on a real port, and the OpenAI Realtime double.
 */

// Monday 30 November 2026, 9:30 AM in Washington.
const NOW = new Date('2026-11-30T14:30:00Z');

/** "Speech" for the fake microphone: 48 kHz PCM16 syllables (a voiced 180 Hz buzz shaped by two formants), 250 ms on, 150 ms off. */
async function syllablesWav(): Promise<string> {
  const rate = 48_000;
  const samples = new Int16Array(rate * 8);
  for (let n = 0; n < samples.length; n += 1) {
    const inSyllable = n % Math.round(rate * 0.4) < rate * 0.25;
    if (!inSyllable) continue;
    const time = n / rate;
    const voice = [1, 2, 3, 4, 5, 6, 7, 8].reduce((sum, k) => sum + Math.sin(2 * Math.PI * 180 * k * time) * (k === 4 || k === 7 ? 1 : 0.3) / k, 0);
    samples[n] = Math.round(9_000 * voice);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(samples.byteLength, 40);
  const file = path.join(os.tmpdir(), `test-line-mic-${process.pid}.wav`);
  await writeFile(file, Buffer.concat([header, Buffer.from(samples.buffer)]));
  return file;
}

function rms(pcm: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < pcm.length; i += 2) sum += pcm.readInt16LE(i) ** 2;
  return Math.sqrt(sum / Math.max(1, pcm.length / 2));
}

t.test('an owner talks to the receptionist from the console', { skip: CHROMIUM_MISSING }, async (t) => {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, { port, consoleDir, now: () => NOW, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  await addPerson(h.database.db, h.demoSpaId, 'owner@example.com', 'owner');
  const { cookie } = await signIn(h.app.fastify, 'owner@example.com');
  h.realtime.configure = (c) => {
    c.deltaIntervalMs = 20;
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 1_000 },
      { toolCall: { name: 'check_availability', arguments: { service: 'HydraFacial', date: '2026-12-01' } } },
      { text: 'Sofia has several openings on Tuesday, from ten in the morning until the afternoon.', audioMs: 4_000 },
    );
  };

  const microphone = await syllablesWav();
  const browser = await launchChromium(t, [
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-audio-capture=${microphone}`,
    '--autoplay-policy=no-user-gesture-required',
  ]);
  const context = await browser.newContext();
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: h.baseUrl }]);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${h.baseUrl}/console/test-call`);
  const root = page.locator('[data-phase]');
  const figure = async (attribute: string) => Number(await root.getAttribute(attribute));

  await page.getByRole('button', { name: 'Call' }).click();
  await page.waitForSelector('[data-phase="live"]', { timeout: 15_000 });
  t.match(await page.getByRole('status').textContent(), /On the line as \+1\d{3}55501\d\d.*new caller/);
  const model = await h.realtime.connection(0);

  await until('the greeting to play in the page', async () => (await figure('data-played-ms')) >= 900, 15_000);
  t.ok((await figure('data-received-ms')) >= 1_000, 'the greeting’s samples arrived at the page');

  await until('the microphone to reach the model', () => rms(Buffer.concat(model.callerAudio)) > 200, 15_000);
  t.pass('what the page heard from its microphone reached the model, resampled to 24 kHz');

  await model.callerTurn({ transcript: 'Do you have a HydraFacial on Tuesday?' });
  await page.locator('.transcript li[data-role="customer"]', { hasText: 'HydraFacial on Tuesday' }).waitFor();
  await page.locator('.tool-calls li[data-tool="check_availability"][data-kind="tool_call"]').waitFor();
  await page.locator('.tool-calls li[data-tool="check_availability"][data-kind="tool_result"]').waitFor();
  t.pass('the page shows the transcript and the tool call as they happen');
  await page.locator('.latencies li').first().waitFor();

  // The 4 s answer plays; the caller talks over it about a second in.
  const beforeAnswer = 1_000;
  await until('a second of the answer to play', async () => (await figure('data-played-ms')) >= beforeAnswer + 1_000, 15_000);
  model.speechStarted();
  const truncate = await model.waitFor('conversation.item.truncate');
  await new Promise((resolve) => setTimeout(resolve, 300)); // the worklet reports its position every 100 ms
  const playedOfAnswer = (await figure('data-played-ms')) - beforeAnswer;
  const heard = Number(truncate.audio_end_ms);
  // The page plays on until the server's clear reaches it, as a phone does until Twilio's does: on a
  // loaded machine that trip alone has taken 200 ms. What was sent (4 s) is far outside this.
  t.ok(Math.abs(heard - playedOfAnswer) <= 350, `truncated at ${heard} ms; the page played ${playedOfAnswer} ms of the answer`);
  t.ok(heard < 4_000, 'not at what was sent');

  const session = h.app.liveCalls.all()[0];
  await page.getByRole('button', { name: 'Hang up' }).click();
  await page.waitForSelector('[data-phase="ended"]');
  t.match(await page.getByRole('status').textContent(), /You hung up/);
  await session?.done;

  const conversation = await h.database.db.selectFrom('conversations').select(['id', 'is_test']).executeTakeFirstOrThrow();
  t.equal(conversation.is_test, true, 'the conversation is stored as a test');
  const figures = {
    ...Object.fromEntries(USAGE_COUNTERS.map((c) => [c, c === 'calls' ? 1 : 0])),
    ...Object.fromEntries(USAGE_COSTS.map((c) => [c, '0.10'])),
    reply_latencies_ms: [800],
    greeting_latency_ms: 400,
  } as ConversationFigures;
  await inTransaction(h.database.db, (trx) => replaceConversationUsage(trx, conversation.id, figures));
  const daily = await page.evaluate(async () => (await fetch('/api/v1/analytics/daily?from=2026-11-30&to=2026-11-30')).json());
  t.match(daily, { data: [{ day: '2026-11-30', calls: 0 }] }, 'and missing from the analytics');

  await page.goto(`${h.baseUrl}/console/conversations`);
  await page.locator('.badge', { hasText: 'test call' }).waitFor();
  t.pass('the conversation list shows it with a badge');
  t.same(problems, [], 'no script errors');
});
