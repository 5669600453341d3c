import { sql } from 'kysely';
import t from 'tap';
import { CHROMIUM_MISSING, launchChromium, seriousAccessibilityProblems } from '../support/browser.js';
import { conversationOf, startCallHarness, type CallHarness } from '../support/call-harness.js';
import { hangUpAndWait, mulawTone } from '../support/call-scenarios.js';
import { buildConsole } from '../support/console-build.js';
import { freePort } from '../support/free-port.js';
import { addPerson, GOOD_PASSWORD } from '../support/staff-people.js';
import { until } from '../support/until.js';

/**
 * The recording player on a call's conversation page, in headless Chromium against the real
 * service: a call recorded through the Twilio and model doubles plays, the transcript line under
 * the play head is the one marked as it plays, a click (or Enter) on a line moves the play head to
 * that line, the speed changes, the plays are on the audit log once (not per range request); a
 * call without a recording says why.
 */

async function recordingSetting(h: CallHarness, enabled: boolean): Promise<void> {
  const value = JSON.stringify({ enabled, retentionDays: 90, disclosure: 'This call is recorded to help us serve you.' });
  await sql`update spas set settings = jsonb_set(settings, '{recording}', ${value}::jsonb) where id = ${h.demoSpaId}`.execute(h.database.db);
}

if (CHROMIUM_MISSING) {
  t.test('the recording player in a browser', { skip: CHROMIUM_MISSING }, () => {});
} else {
  const consoleDir = await buildConsole();
  const port = await freePort();
  const h = await startCallHarness(t, { port, consoleDir, env: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
  const db = h.database.db;
  await addPerson(db, h.demoSpaId, 'owner@willow.test', 'owner');
  const browser = await launchChromium(t, ['--autoplay-policy=no-user-gesture-required']);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const scriptErrors: string[] = [];
  page.on('pageerror', (error) => scriptErrors.push(error.message));
  const audioRequests: string[] = [];
  page.on('request', (request) => {
    if (request.url().includes('/recording?')) audioRequests.push(request.headers().range ?? 'whole');
  });
  const url = (path: string) => `${h.baseUrl}/console${path}`;
  const audio = <T>(expression: string) => page.evaluate(`(() => { const a = document.querySelector('audio'); return ${expression}; })()`) as Promise<T>;
  const highlighted = () => page.evaluate(`document.querySelector('.turn-current')?.dataset.seq ?? null`) as Promise<string | null>;
  const plays = async () => (await db.selectFrom('audit_events').select('action').where('action', '=', 'recording.played').execute()).length;

  await recordingSetting(h, true);
  h.realtime.configure = (c) =>
    c.replies.push(
      { text: 'Thank you for calling Willow and Oak, this is Ava.', audioMs: 1_500, toneHz: 600 },
      { text: 'We have facials on Tuesday at ten and at two.', audioMs: 1_500, toneHz: 900 },
      { text: 'You are booked for Tuesday at ten.', audioMs: 1_500, toneHz: 700 },
    );
  const recorded = h.call();
  await recorded.dial();
  const model = await h.realtime.connection(0);
  await recorded.heardAll(1_500);
  // Server VAD hears the caller start, then (after they stop) commits the turn.
  let itemId = model.speechStarted();
  await recorded.say(mulawTone(1_000, 600));
  await model.callerTurn({ transcript: 'Do you have a facial on Tuesday?', itemId });
  await recorded.heardAll(3_000);
  itemId = model.speechStarted();
  await recorded.say(mulawTone(1_000, 600));
  await model.callerTurn({ transcript: 'Ten, please.', itemId });
  await recorded.heardAll(4_500);
  await hangUpAndWait(h, recorded);
  const { conversation_id: conversationId } = await conversationOf(h, recorded);
  await until('the recording to be finished', async () => {
    const row = await db.selectFrom('recordings').select('status').where('conversation_id', '=', conversationId).executeTakeFirst();
    return row?.status === 'complete';
  });
  const recording = await db.selectFrom('recordings').select(['started_at', 'duration_ms']).where('conversation_id', '=', conversationId).executeTakeFirstOrThrow();
  const turns = await db.selectFrom('messages').select(['seq', 'text', 'spoken_at']).where('conversation_id', '=', conversationId).orderBy('spoken_at').execute();
  /** Each turn's place in the audio (s), and the turn the play head is on at `seconds`. */
  const offsetOf = (turn: (typeof turns)[number]) => (turn.spoken_at.getTime() - recording.started_at.getTime()) / 1000;
  const turnAt = (seconds: number) => turns.filter((turn) => offsetOf(turn) <= seconds).at(-1);

  t.test('a recorded call’s page has a player, and opening it is not a play', async (t) => {
    t.equal(turns.length, 5, 'three replies and two caller turns');
    await page.goto(url(`/conversations/${conversationId}`));
    await page.waitForURL(/\/console\/login/);
    await page.fill('input[name=email]', 'owner@willow.test');
    await page.fill('input[name=password]', GOOD_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(url(`/conversations/${conversationId}`));
    const player = page.locator('section[aria-labelledby="recording-heading"]');
    await player.getByRole('button', { name: 'Play the recording', exact: true }).waitFor();
    // The call is simulated in real time: a loaded machine makes it (and its recording) a few seconds longer.
    t.match(await player.innerText(), /0:00 \/ 0:(0[5-9]|1\d)/, 'the time and the recording’s length');
    t.equal(await player.getByRole('slider', { name: 'Position in the recording' }).count(), 1);
    t.equal(await player.getByRole('group', { name: 'Playback speed' }).getByRole('button').count(), 3, '1×, 1.5× and 2×');
    t.match(await player.getByRole('link', { name: 'Download (WAV)' }).getAttribute('href'), /\/recording\?leg=1&download=true$/);
    t.equal(await audio<string>('a.preload'), 'none');
    t.equal(await plays(), 0, 'nothing is fetched, or audited, until Play');
    t.equal(await highlighted(), null, 'no line is marked before playing');
    t.same(await seriousAccessibilityProblems(page), [], 'no serious or critical accessibility problems');
  });

  t.test('playing marks the line under the play head as it moves', async (t) => {
    await page.getByRole('button', { name: 'Play the recording', exact: true }).click();
    await page.getByRole('button', { name: 'Pause the recording', exact: true }).waitFor();
    const seen = new Set<string>();
    let mismatches = 0;
    let samples = 0;
    await until(
      'three lines to have been marked in turn',
      async () => {
        // Both read in one step in the page, so a busy machine cannot put time between them.
        const [position, seq] = await audio<[number, string | null]>("[a.currentTime, document.querySelector('.turn-current')?.dataset.seq ?? null]");
        if (seq === null) return false;
        samples += 1;
        seen.add(seq);
        // The mark follows the play head's timeupdate events (every ~250 ms), so it may trail by one.
        const expected = [turnAt(position)?.seq, turnAt(position - 0.5)?.seq].map(String);
        if (!expected.includes(seq)) mismatches += 1;
        return seen.size >= 3;
      },
      20_000,
      100,
    );
    t.equal(mismatches, 0, `the marked line is the one under the play head (${samples} samples)`);
    t.same([...seen], turns.slice(0, seen.size).map((turn) => String(turn.seq)), 'in the order they were spoken');
    t.equal(await page.locator('.turn-current').getAttribute('aria-current'), 'true', 'the mark is not colour alone');
    t.equal(await page.evaluate(`document.activeElement?.classList.contains('player-play') ?? false`), true, 'following the play head leaves the focus on the button');
  });

  t.test('a click on a later line moves the play head to it', async (t) => {
    const last = turns.at(-1)!;
    await page.locator('.timeline li', { hasText: last.text }).locator('p').click();
    await until('the play head to jump to the line', async () => Math.abs((await audio<number>('a.currentTime')) - offsetOf(last)) < 0.35, 5_000);
    t.pass(`the play head is at ${offsetOf(last).toFixed(2)} s, where “${last.text}” was said`);
    await until('the line to be marked', async () => (await highlighted()) === String(last.seq), 5_000);
    t.equal(await audio<boolean>('a.paused'), false, 'and plays from there');
  });

  t.test('Enter on a line’s time plays from that line, and the speed changes', async (t) => {
    const first = turns[0]!;
    const seek = page.getByRole('button', { name: /^Play the recording from 0:0\d: Receptionist$/ }).first();
    await seek.focus();
    await page.keyboard.press('Enter');
    await until('the play head to go back to the greeting', async () => (await audio<number>('a.currentTime')) < offsetOf(first) + 0.5, 5_000);
    t.pass('back at the greeting');
    await page.getByRole('button', { name: '2× speed' }).click();
    t.equal(await audio<number>('a.playbackRate'), 2);
    t.equal(await page.getByRole('button', { name: '2× speed' }).getAttribute('aria-pressed'), 'true');
    await page.getByRole('button', { name: 'Pause the recording', exact: true }).click();
    await page.getByRole('button', { name: 'Play the recording', exact: true }).waitFor();
    t.equal(await audio<boolean>('a.paused'), true, 'paused');
    t.same(await seriousAccessibilityProblems(page), [], 'no serious or critical accessibility problems while playing');
  });

  t.test('one play with its seeks is one play on the audit log, however many range requests', async (t) => {
    t.equal(await plays(), 1, `${audioRequests.length} requests for the audio (${audioRequests.join(', ')})`);
  });

  t.test('a call that was not recorded says why', async (t) => {
    await recordingSetting(h, false);
    h.realtime.configure = (c) => c.replies.push({ text: 'Hello, Willow and Oak.', audioMs: 200 });
    const call = h.call();
    await call.dial();
    await h.realtime.connection(1);
    await call.heardAll(200);
    await hangUpAndWait(h, call);
    const { conversation_id: id } = await conversationOf(h, call);
    await page.goto(url(`/conversations/${id}`));
    const panel = page.locator('section[aria-labelledby="recording-heading"]');
    await panel.getByText('This call was not recorded: call recording was off for the spa').waitFor();
    t.equal(await page.locator('audio').count(), 0, 'no player');
    t.equal(await page.locator('.turn-seek').count(), 0, 'no line to play from');
  });

  t.test('no script errors', async (t) => {
    t.same(scriptErrors, []);
  });
}
