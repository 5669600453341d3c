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
import type { FakeRealtimeConnection, FakeRealtimeServer, ScriptedReply } from './fake-realtime-server.js';

export interface ScriptTurn {
  callerAudio: Buffer;
  callerTranscript: string;
  replies: ScriptedReply[];
}

export interface CallScript {
  greeting: ScriptedReply;
  turns: ScriptTurn[];
}

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures');

/** μ-law 8 kHz → PCM16 LE 24 kHz, as the model would send it. */
export function mulawToPcm24k(mulaw: Buffer): Buffer {
  const up = new Upsampler8kTo24k().process(decodeMulaw(mulaw));
  return Buffer.from(up.buffer, up.byteOffset, up.byteLength);
}

interface ScriptFile {
  greeting: { audio: string; text: string };
  turns: {
    caller: { audio: string; transcript: string };
    assistant: { audio: string; text: string };
    toolCalls?: { name: string; arguments: Record<string, unknown> }[];
  }[];
}

export async function loadCallScript(file = path.join(FIXTURES, 'call-script.json')): Promise<CallScript> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as ScriptFile;
  const speech = async (audio: string, text: string): Promise<ScriptedReply> => ({
    text,
    audio: mulawToPcm24k(await readMulawWav(path.join(path.dirname(file), audio))),
  });
  return {
    greeting: await speech(raw.greeting.audio, raw.greeting.text),
    turns: await Promise.all(
      raw.turns.map(async (turn) => ({
        callerAudio: await readMulawWav(path.join(path.dirname(file), turn.caller.audio)),
        callerTranscript: turn.caller.transcript,
        replies: [
          ...(turn.toolCalls ?? []).map((toolCall) => ({ toolCall })),
          await speech(turn.assistant.audio, turn.assistant.text),
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
    const chunk = Buffer.from(String(event.audio), 'base64');
    const samples = chunk.length >> 1;
    let energy = 0;
    for (let i = 0; i < samples; i += 1) energy += chunk.readInt16LE(i * 2) ** 2;
    const rms = Math.sqrt(energy / Math.max(1, samples));
    const ms = samples / 24;
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
