import { WireResampler } from './wire-resampler.js';
import { toPcm16, WIRE_FRAME_SAMPLES, WIRE_RATE_HZ } from './wire-format.js';

/**
 * The microphone, at the device's rate, to 24 kHz PCM16 frames of 20 ms, posted to the page as
 * transferred ArrayBuffers. The page hands each buffer back once it is sent, so after the first
 * few frames nothing is allocated on the audio thread.
 */
class CaptureProcessor extends AudioWorkletProcessor {
  private readonly resampler = new WireResampler(sampleRate, WIRE_RATE_HZ);
  private readonly resampled = new Float32Array(this.resampler.maxOutputLength(128));
  private readonly spare: ArrayBuffer[] = [];
  private frame = new Int16Array(WIRE_FRAME_SAMPLES);
  private filled = 0;
  private stopped = false;

  constructor() {
    super();
    this.port.onmessage = (event: MessageEvent<ArrayBuffer | 'stop'>) => {
      if (event.data === 'stop') this.stopped = true;
      else if (event.data.byteLength === WIRE_FRAME_SAMPLES * 2) this.spare.push(event.data);
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.stopped) return false;
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    const n = this.resampler.process(channel, this.resampled);
    for (let i = 0; i < n; i += 1) {
      this.frame[this.filled++] = toPcm16(this.resampled[i]!);
      if (this.filled === WIRE_FRAME_SAMPLES) {
        const full = this.frame.buffer;
        this.port.postMessage(full, [full]);
        const reuse = this.spare.pop();
        this.frame = reuse ? new Int16Array(reuse) : new Int16Array(WIRE_FRAME_SAMPLES);
        this.filled = 0;
      }
    }
    return true;
  }
}

registerProcessor('test-line-capture', CaptureProcessor);
