import { WireResampler } from './wire-resampler.js';
import { WIRE_RATE_HZ, type PlaybackCommand, type PlaybackReport } from './wire-format.js';

/** Audio held before playing starts (and again after running dry): absorbs network jitter. */
const PREBUFFER_MS = 60;
/** Room for a long reply that arrives faster than it plays. */
const CAPACITY_S = 45;
const POSITION_EVERY_MS = 100;

/**
 * The service's 24 kHz audio played at the device's rate through a jitter buffer. Marks ride in
 * the buffer at the place they were sent and are reported once everything before them has
 * played; a clear drops what is queued and reports every outstanding mark (as Twilio does), so
 * the service truncates the reply at what was actually heard.
 */
class PlaybackProcessor extends AudioWorkletProcessor {
  private readonly resampler = new WireResampler(WIRE_RATE_HZ, sampleRate);
  private readonly ring = new Float32Array(Math.round(sampleRate * CAPACITY_S));
  private floats = new Float32Array(480);
  private resampled = new Float32Array(this.resampler.maxOutputLength(480));
  /** Samples (device rate) ever written and ever played (or dropped by a clear). */
  private written = 0;
  private played = 0;
  /** Device samples actually played out, for the position report. */
  private heard = 0;
  private playing = false;
  private readonly marks: { at: number; name: string }[] = [];
  private readonly prebuffer = Math.round((sampleRate * PREBUFFER_MS) / 1000);
  private sinceReport = 0;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => this.command(event.data);
  }

  private command(command: PlaybackCommand): void {
    switch (command.type) {
      case 'audio':
        return this.enqueue(command.samples);
      case 'mark':
        this.marks.push({ at: this.written, name: command.name });
        return;
      case 'clear':
        this.played = this.written;
        this.playing = false;
        this.resampler.reset();
        this.reportPlayedMarks();
        return;
    }
  }

  private enqueue(samples: Int16Array): void {
    if (this.floats.length < samples.length) {
      this.floats = new Float32Array(samples.length);
      this.resampled = new Float32Array(this.resampler.maxOutputLength(samples.length));
    }
    for (let i = 0; i < samples.length; i += 1) this.floats[i] = samples[i]! / 32768;
    const n = this.resampler.process(this.floats.subarray(0, samples.length), this.resampled);
    // Beyond the buffer's room the newest audio is dropped; the marks still come back when reached.
    const room = this.ring.length - (this.written - this.played);
    for (let i = 0; i < Math.min(n, room); i += 1) this.ring[(this.written + i) % this.ring.length] = this.resampled[i]!;
    this.written += Math.min(n, room);
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (!out) return true;
    const buffered = this.written - this.played;
    // A mark waiting means its chunk is complete: play it out even if shorter than the prebuffer.
    if (!this.playing && buffered > 0 && (buffered >= this.prebuffer || this.marks.length > 0)) this.playing = true;
    let i = 0;
    if (this.playing) {
      const n = Math.min(out.length, buffered);
      for (; i < n; i += 1) out[i] = this.ring[(this.played + i) % this.ring.length]!;
      this.played += n;
      this.heard += n;
      if (this.played === this.written) this.playing = false;
    }
    out.fill(0, i);
    for (let c = 1; c < outputs[0]!.length; c += 1) outputs[0]![c]!.set(out);
    this.reportPlayedMarks();
    this.sinceReport += out.length;
    if (this.sinceReport >= (sampleRate * POSITION_EVERY_MS) / 1000) {
      this.sinceReport = 0;
      this.report({ type: 'position', playedMs: (this.heard / sampleRate) * 1000, bufferedMs: ((this.written - this.played) / sampleRate) * 1000 });
    }
    return true;
  }

  private reportPlayedMarks(): void {
    while (this.marks.length > 0 && this.marks[0]!.at <= this.played) this.report({ type: 'played', name: this.marks.shift()!.name });
  }

  private report(report: PlaybackReport): void {
    this.port.postMessage(report);
  }
}

registerProcessor('test-line-playback', PlaybackProcessor);
