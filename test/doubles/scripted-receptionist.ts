/**
 * A scripted receptionist on the fake Realtime server, for offline demos (`npm run call`) and
 * end-to-end tests: it detects caller speech by energy (standing in for server VAD), commits each
 * caller turn with the script's transcript, and answers with the script's replies (synthesised
 * speech or tool calls).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeMulaw } from '../../src/audio/mulaw.js';
import { Upsampler8kTo24k } from '../../src/audio/resampler.js';
import { readMulawWav } from '../support/wav.js';
import type { FakeGeminiConnection, FakeGeminiLiveServer, GeminiScriptedReply } from './fake-gemini-live-server.js';
import type { FakeRealtimeConnection, FakeRealtimeServer, ScriptedReply } from './fake-realtime-server.js';

export interface ScriptTurn {
  callerAudio: Buffer;
  callerTranscript: string;
  replies: ScriptedReply[];
}

export interface CallScript {
  greeting: ScriptedReply;
  turns: ScriptTurn[];
  /** Spa settings the script needs (e.g. the languages it speaks), applied before a local call. */
  spaSettings: Record<string, unknown> | undefined;
}

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

/** μ-law 8 kHz → PCM16 LE 24 kHz, as the model would send it. */
export function mulawToPcm24k(mulaw: Buffer): Buffer {
  const up = new Upsampler8kTo24k().process(decodeMulaw(mulaw));
  return Buffer.from(up.buffer, up.byteOffset, up.byteLength);
}

interface ScriptFile {
  timezone: string;
  spaSettings?: Record<string, unknown>;
  greeting: { audio: string; text: string };
  turns: {
    caller: { audio: string; transcript: string };
    assistant: { audio: string; text: string };
    toolCalls?: { name: string; arguments: Record<string, unknown> }[];
    /** The assistant says goodbye and hangs up (end_call in the same response). */
    endCall?: boolean;
  }[];
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** {{date:saturday}} → the next such day at least two days from now, in the spa's time zone. */
function resolveDates(args: Record<string, unknown>, timezone: string, now: Date): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([key, value]) => {
      const match = typeof value === 'string' ? /^\{\{date:(\w+)\}\}$/.exec(value) : null;
      if (!match) return [key, value];
      const wanted = WEEKDAYS.indexOf(match[1]!.toLowerCase());
      for (let days = 2; days < 10; days += 1) {
        const day = new Date(now.getTime() + days * 86_400_000);
        const local = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'long' }).formatToParts(day);
        const part = (type: string) => local.find((p) => p.type === type)?.value ?? '';
        if (part('weekday').toLowerCase() === WEEKDAYS[wanted]) return [key, `${part('year')}-${part('month')}-${part('day')}`];
      }
      return [key, value];
    }),
  );
}

export const DEFAULT_CALL_SCRIPT = path.join(FIXTURES, 'call-script.json');

export async function loadCallScript(file = DEFAULT_CALL_SCRIPT, now = new Date()): Promise<CallScript> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as ScriptFile;
  const speech = async (audio: string, text: string): Promise<ScriptedReply> => ({
    text,
    audio: mulawToPcm24k(await readMulawWav(path.join(path.dirname(file), audio))),
  });
  return {
    spaSettings: raw.spaSettings,
    greeting: await speech(raw.greeting.audio, raw.greeting.text),
    turns: await Promise.all(
      raw.turns.map(async (turn) => ({
        callerAudio: await readMulawWav(path.join(path.dirname(file), turn.caller.audio)),
        callerTranscript: turn.caller.transcript,
        replies: [
          ...(turn.toolCalls ?? []).map((toolCall) => ({
            toolCall: { name: toolCall.name, arguments: resolveDates(toolCall.arguments, raw.timezone, now) },
          })),
          {
            ...(await speech(turn.assistant.audio, turn.assistant.text)),
            ...(turn.endCall ? { toolCall: { name: 'end_call', arguments: {} } } : {}),
          },
        ],
      })),
    ),
  };
}

const SPEECH_RMS = 400;
const END_OF_TURN_SILENCE_MS = 700;

/** Plays `script` on every connection to `server`. */
export function useScriptedReceptionist(server: FakeRealtimeServer, script: CallScript): void {
  server.configure = (connection) => {
    connection.replies.push(script.greeting);
    watchCallerSpeech(connection, script);
  };
}

function watchCallerSpeech(connection: FakeRealtimeConnection, script: CallScript): void {
  let speaking = false;
  let silentMs = 0;
  let turn = 0;
  connection.on('client-event', (event: { type: string; audio?: unknown }) => {
    if (event.type !== 'input_audio_buffer.append') return;
    const { samples, sampleRate } = connection.inputSamples(Buffer.from(String(event.audio), 'base64'));
    let energy = 0;
    for (const sample of samples) energy += sample ** 2;
    const rms = Math.sqrt(energy / Math.max(1, samples.length));
    const ms = samples.length / (sampleRate / 1000);
    if (rms >= SPEECH_RMS) {
      silentMs = 0;
      if (!speaking) {
        speaking = true;
        connection.speechStarted();
      }
      return;
    }
    if (!speaking) return;
    silentMs += ms;
    if (silentMs < END_OF_TURN_SILENCE_MS) return;
    speaking = false;
    const scripted = script.turns[turn];
    turn += 1;
    if (scripted) connection.replies.push(...scripted.replies);
    void connection.callerTurn({ transcript: scripted?.callerTranscript ?? '(unscripted)', respond: scripted !== undefined });
  });
}

/** The same script as Gemini Live speaks it: 16 kHz caller audio watched for speech, replies as Gemini's. */
export function useScriptedGeminiReceptionist(server: FakeGeminiLiveServer, script: CallScript): void {
  const asGemini = (reply: ScriptedReply): GeminiScriptedReply => ({
    ...(reply.text !== undefined ? { text: reply.text } : {}),
    ...(reply.audio ? { audio: reply.audio } : {}),
    ...(reply.audioMs !== undefined ? { audioMs: reply.audioMs } : {}),
    ...(reply.toolCall ? { toolCall: { name: reply.toolCall.name, args: reply.toolCall.arguments } } : {}),
  });
  server.configure = (connection) => {
    connection.replies.push(asGemini(script.greeting));
    // After the last tool result the model has nothing more to say.
    connection.defaultReply = { audioMs: 0 };
    watchGeminiCallerSpeech(connection, script, asGemini);
  };
}

function watchGeminiCallerSpeech(connection: FakeGeminiConnection, script: CallScript, asGemini: (reply: ScriptedReply) => GeminiScriptedReply): void {
  let speaking = false;
  let silentMs = 0;
  let turn = 0;
  connection.on('message', (message: { realtimeInput?: { audio?: { data?: string } } }) => {
    const data = message.realtimeInput?.audio?.data;
    if (!data) return;
    const bytes = Buffer.from(data, 'base64');
    let energy = 0;
    for (let i = 0; i + 1 < bytes.length; i += 2) energy += bytes.readInt16LE(i) ** 2;
    const samples = bytes.length >> 1;
    const rms = Math.sqrt(energy / Math.max(1, samples));
    if (rms >= SPEECH_RMS) {
      silentMs = 0;
      if (!speaking) {
        speaking = true;
        if (connection.isGenerating) connection.bargeIn();
      }
      return;
    }
    if (!speaking) return;
    silentMs += samples / 16;
    if (silentMs < END_OF_TURN_SILENCE_MS) return;
    speaking = false;
    const scripted = script.turns[turn];
    turn += 1;
    if (scripted) connection.replies.push(...scripted.replies.map(asGemini));
    void connection.callerTurn({ transcript: scripted?.callerTranscript ?? '(unscripted)', respond: scripted !== undefined });
  });
}
