import type { TransferRequest } from '../telephony/twilio-rest.js';
import type { CallObservation } from './call-observer.js';
import type { CallRecorder } from './call-recorder.js';

export type TransferCall = (callSid: string, request: TransferRequest) => Promise<void>;

/** Prepares what a transfer carries beyond the number: the whisper for the desk (warm transfers). */
export type TransferBriefing = (reason: string | undefined) => Promise<{ whisperUrl?: string; callerId?: string; source: string }>;

/** Hands the live call to a person (the transfer tool, or 0 pressed). However the stream then ends, the call was transferred. */
export class CallTransfer {
  /** Set from the moment a transfer is asked for: the carrier may end the stream before its answer reaches us. */
  to: string | null = null;

  constructor(
    private readonly callSid: string,
    private readonly recorder: CallRecorder,
    private readonly transfer: TransferCall | undefined,
    private readonly observation: CallObservation,
    private readonly briefing?: TransferBriefing,
  ) {}

  async transferTo(number: string, announcement: string, reason?: string): Promise<void> {
    if (!this.transfer) throw new Error('transfers are not available');
    this.to = number;
    const step = this.observation.transferring();
    try {
      // The briefing never fails and is bounded in time (warm-transfer.ts): the caller is on hold meanwhile.
      const { briefing, transfer } = this;
      const brief = briefing ? await step.run(() => briefing(reason)) : { source: 'none' };
      const { source, ...dial } = brief;
      await step.run(() => transfer(this.callSid, { number, announcement, ...dial }));
      this.recorder.event('transfer', null, { to: number, warm: dial.whisperUrl !== undefined, whisper: source });
    } catch (error) {
      this.to = null;
      step.end('failed');
      throw error;
    }
    step.end('ok');
  }
}
