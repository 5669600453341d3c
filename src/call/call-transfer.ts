import type { CallObservation } from './call-observer.js';
import type { CallRecorder } from './call-recorder.js';

export type TransferCall = (callSid: string, number: string, announcement: string) => Promise<void>;

/** Hands the live call to a person (the transfer tool). However the stream then ends, the call was transferred. */
export class CallTransfer {
  /** Set from the moment a transfer is asked for: the carrier may end the stream before its answer reaches us. */
  to: string | null = null;

  constructor(
    private readonly callSid: string,
    private readonly recorder: CallRecorder,
    private readonly transfer: TransferCall | undefined,
    private readonly observation: CallObservation,
  ) {}

  async transferTo(number: string, announcement: string): Promise<void> {
    if (!this.transfer) throw new Error('transfers are not available');
    this.to = number;
    const step = this.observation.transferring();
    try {
      await this.transfer(this.callSid, number, announcement);
    } catch (error) {
      this.to = null;
      step.end('failed');
      throw error;
    }
    step.end('ok');
    this.recorder.event('transfer', null, { to: number });
  }
}
