import type { RecordingSettings } from '../storage/spa-profile.js';
import type { CallRecorder } from './call-recorder.js';
import { RecordingCapture } from './recording-capture.js';
import { RecordingWriter, type CallRecordings, type RecordedStream, type RecordingEnd } from './recording-writer.js';

/**
 * A call's recording from start to end. Capture starts with the call (the time line's zero is
 * the call's start) and is kept once the spa's setting is known: recording on, the writer takes
 * over; off, the captured audio is dropped. A caller who asks not to be recorded stops it for the
 * rest of the call, and what was captured is deleted; the call's record says so.
 */
export class CallRecording {
  readonly capture: RecordingCapture;
  private writer: RecordingWriter | undefined;
  private decided = false;
  private declined = false;

  constructor(
    private readonly recordings: CallRecordings,
    private readonly recorder: CallRecorder,
    now: () => number,
    startedAt: number,
    private readonly wallClock: () => Date,
  ) {
    this.capture = new RecordingCapture(now, startedAt);
  }

  /** The spa's setting is known (the model session is ready): record, or let go of what was captured. */
  decide(settings: RecordingSettings, stream: Omit<RecordedStream, 'spaId'> & { spaId: string }): void {
    if (this.decided) return;
    this.decided = true;
    if (!settings.enabled) {
      this.capture.discard();
      return;
    }
    this.writer = new RecordingWriter(this.recordings, this.capture, stream);
    this.writer.start();
    this.recorder.event('recording_started', null, { recordingId: this.writer.id });
  }

  get recording(): boolean {
    return this.writer !== undefined && !this.declined && this.capture.active;
  }

  /** The caller asked not to be recorded. Returns false when nothing was being recorded. */
  stopAtCallersRequest(): boolean {
    if (!this.recording || !this.writer) return false;
    this.declined = true;
    const atMs = Math.floor(this.capture.clockSample() / 8);
    this.recorder.event('recording_stopped', 'caller_declined', { recordingId: this.writer.id, atMs });
    void this.writer.finish('declined', this.wallClock());
    return true;
  }

  /** The call is over: what was captured is written out. Resolves once the row is queued. */
  async end(endedAt: Date): Promise<RecordingEnd | undefined> {
    if (!this.writer) {
      this.capture.discard();
      return undefined;
    }
    const status = await this.writer.finish(this.declined ? 'declined' : 'complete', endedAt);
    if (status === 'failed') this.recorder.event('recording_failed', null, { recordingId: this.writer.id });
    return status;
  }
}
