import captureUrl from './capture-processor.ts?worker&url';
import playbackUrl from './playback-processor.ts?worker&url';
import type { PlaybackCommand, PlaybackReport } from './wire-format.js';

export interface TestLineAudioEvents {
  /** 20 ms of microphone audio as PCM16 24 kHz; hand the buffer back with `recycle` once sent. */
  captured(frame: ArrayBuffer): void;
  /** Everything before this mark has played (or was cleared). */
  played(mark: string): void;
  position(playedMs: number, bufferedMs: number): void;
}

/**
 * The page's audio for one test call: the microphone (echo cancellation and noise suppression
 * on) through the capture worklet, and the service's audio through the playback worklet. Both
 * resample in the browser (wire-resampler.ts), so the wire is always 24 kHz.
 */
export class TestLineAudio {
  private constructor(
    private readonly context: AudioContext,
    private readonly microphone: MediaStream,
    private readonly capture: AudioWorkletNode,
    private readonly playback: AudioWorkletNode,
  ) {}

  /** Asks for the microphone (the browser's permission prompt) and starts both directions. */
  static async start(events: TestLineAudioEvents): Promise<TestLineAudio> {
    const microphone = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
    });
    const context = new AudioContext({ latencyHint: 'interactive' });
    try {
      await context.audioWorklet.addModule(captureUrl);
      await context.audioWorklet.addModule(playbackUrl);
      const source = context.createMediaStreamSource(microphone);
      const capture = new AudioWorkletNode(context, 'test-line-capture', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
      const playback = new AudioWorkletNode(context, 'test-line-playback', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
      capture.port.onmessage = (event: MessageEvent<ArrayBuffer>) => events.captured(event.data);
      playback.port.onmessage = (event: MessageEvent<PlaybackReport>) => {
        const report = event.data;
        if (report.type === 'played') events.played(report.name);
        else events.position(report.playedMs, report.bufferedMs);
      };
      source.connect(capture);
      playback.connect(context.destination);
      await context.resume();
      return new TestLineAudio(context, microphone, capture, playback);
    } catch (error) {
      for (const track of microphone.getTracks()) track.stop();
      await context.close();
      throw error;
    }
  }

  get deviceRateHz(): number {
    return this.context.sampleRate;
  }

  /** A captured frame's buffer, back for reuse once the socket has taken a copy. */
  recycle(frame: ArrayBuffer): void {
    this.capture.port.postMessage(frame, [frame]);
  }

  /** PCM16 24 kHz from the service. */
  play(pcm: ArrayBuffer): void {
    const samples = new Int16Array(pcm);
    this.command({ type: 'audio', samples }, [pcm]);
  }

  mark(name: string): void {
    this.command({ type: 'mark', name });
  }

  clear(): void {
    this.command({ type: 'clear' });
  }

  async close(): Promise<void> {
    this.capture.port.postMessage('stop');
    for (const track of this.microphone.getTracks()) track.stop();
    await this.context.close();
  }

  private command(command: PlaybackCommand, transfer: Transferable[] = []): void {
    this.playback.port.postMessage(command, transfer);
  }
}
