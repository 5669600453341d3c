import type { CallRecorder } from './call-recorder.js';

/**
 * The caller's key presses (Twilio's `dtmf` stream messages). Every press is noted on the record.
 * When the spa handles them: 0 as the first key asks for a person at once (a callback number never
 * starts with 0 in the US; a 0 inside a number is just a digit); other keys are gathered until the
 * caller pauses, and the whole number goes to the receptionist as one item of what was typed.
 */

/** How long after the last key a typed number is taken as finished. */
export const TYPED_DIGITS_PAUSE_MS = 1_500;
/** More than any number a caller types; the rest of a stuck key is not kept. */
const MAX_TYPED_DIGITS = 32;
const KEYS = /^[0-9*#]$/;

export interface KeypadCall {
  /** Whether the spa handles key presses (settings `routing.dtmf`); read at each press. */
  handlesKeys(): boolean;
  /** 0 pressed: the caller wants a person. */
  askedForPerson(): void;
  /** A run of keys, e.g. "5551234", once the caller paused. */
  typed(keys: string): void;
}

export class CallerKeypad {
  private pending = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly recorder: CallRecorder,
    private readonly call: KeypadCall,
    private readonly pauseMs = TYPED_DIGITS_PAUSE_MS,
  ) {}

  pressed(digit: string): void {
    this.recorder.event('dtmf', null, { digit });
    if (!KEYS.test(digit) || !this.call.handlesKeys()) return;
    if (digit === '0' && this.pending === '') {
      this.call.askedForPerson();
      return;
    }
    if (this.pending.length < MAX_TYPED_DIGITS) this.pending += digit;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.pauseMs);
  }

  /** The call is over: a half-typed number is dropped (it is on the record key by key). */
  stop(): void {
    clearTimeout(this.timer);
    this.pending = '';
  }

  private flush(): void {
    const keys = this.pending;
    this.pending = '';
    if (keys) this.call.typed(keys);
  }
}
