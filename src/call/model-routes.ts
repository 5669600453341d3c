import type { RealtimeModel, RealtimeResponseDone } from '../realtime/realtime-model.js';
import type { CallFigures } from './call-figures.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallSupervisor } from './call-supervisor.js';
import type { CallerPlayback } from './caller-playback.js';
import type { ToolTurns } from './tool-turns.js';
import type { TranscriptAssembler } from './transcript.js';

/** The pieces of a call that hear a model session's events. */
export interface ModelEventTargets {
  playback: CallerPlayback;
  transcript: TranscriptAssembler;
  figures: CallFigures;
  supervisor: CallSupervisor;
  tools: ToolTurns;
  recorder: CallRecorder;
  /** Barge-in: the coordinator decides what a caller speaking over us means. */
  callerStartedSpeaking(): void;
  /** A response ended; `model` is the session it came from (its provider is billed for it). */
  responseDone(done: RealtimeResponseDone, model: RealtimeModel): void;
  /** A caller turn's final transcript (what language the caller speaks is judged from it). */
  callerSaid(text: string): void;
}

/** Routes a model session's conversation events to the call's pieces (errors and closes are the model link's). */
export function routeModelEvents(model: RealtimeModel, to: ModelEventTargets): void {
  const { playback, transcript, figures, supervisor, tools, recorder } = to;
  model.on('audio', (audio, itemId, responseId) => playback.modelAudio(audio, itemId, responseId));
  model.on('assistantItem', (itemId, responseId, inConversation) => {
    playback.responseStarted(responseId, itemId, inConversation);
    transcript.assistantTurn(itemId);
  });
  model.on('assistantTranscript', (itemId, text) => transcript.assistantText(itemId, text));
  model.on('callerItem', (itemId) => transcript.callerTurn(itemId));
  model.on('callerTranscript', (itemId, text) => {
    transcript.callerText(itemId, text);
    to.callerSaid(text);
  });
  model.on('callerTranscriptFailed', (itemId, message) => {
    recorder.event('error', 'transcription_failed', { itemId, message });
    transcript.callerText(itemId, '(caller speech could not be transcribed)');
  });
  model.on('transcriptionUsage', (usage) => figures.addTranscriptionUsage(usage));
  model.on('speechStarted', (itemId) => {
    transcript.callerStartedSpeaking(itemId);
    to.callerStartedSpeaking();
  });
  model.on('speechStopped', () => {
    supervisor.callerStoppedSpeaking();
    figures.callerStoppedSpeaking();
  });
  model.on('toolCall', (call) => tools.called(call));
  model.on('responseDone', (done) => to.responseDone(done, model));
}
