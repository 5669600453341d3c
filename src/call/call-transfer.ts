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
  ) {}

  async transferTo(number: string, announcement: string): Promise<void> {
    if (!this.transfer) throw new Error('transfers are not available');
    this.to = number;
    try {
      await this.transfer(this.callSid, number, announcement);
    } catch (error) {
      this.to = null;
      throw error;
    }
    this.recorder.event('transfer', null, { to: number });
  }
}
