/**
 * The test line's resampler, run in the browser's audio worklets: microphone audio at the
 * device's rate (44.1 or 48 kHz, whatever it is) down to the wire's 24 kHz, and the service's
 * 24 kHz up to the device's rate for playback. One design for any pair of rates: a rational
 * polyphase filter (up by L, low-pass, down by M, with only the needed products computed) whose
 * prototype is a Kaiser-windowed sinc.
 *
 * The low-pass keeps 5/6 of the lower rate's Nyquist band flat (0–10 kHz at 24 kHz: all of
 * speech) and is 70 dB down from 7/6 of it, so whatever folds back into the band is more than
 * 60 dB down (the phone path's figures; test/console/wire-resampler.test.ts measures them). Its
 * delay is half the filter: about 0.5 ms at these rates.
 *
 * Stateful across calls (no clicks at block edges); after construction `process` allocates
 * nothing unless handed a block longer than any before. Pure: no DOM, so Node tests run it too.
 */

const STOPBAND_DB = 70;
/** Flat up to this fraction of the lower Nyquist frequency… */
const PASS_FRACTION = 5 / 6;
/** …and STOPBAND_DB down from this one: aliases land above the flat band. */
const STOP_FRACTION = 7 / 6;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** Zeroth-order modified Bessel function of the first kind (the Kaiser window's shape). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k += 1) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

export interface WireResamplerDesign {
  /** Up by L, down by M. */
  up: number;
  down: number;
  /** Products per output sample. */
  tapsPerPhase: number;
  /** Delay of the filter, in input samples. */
  delayInputSamples: number;
}

export class WireResampler {
  readonly design: WireResamplerDesign;
  /** Phase p's taps are coefficients[p * K … p * K + K − 1], newest input sample first. */
  private readonly coefficients: Float32Array;
  private readonly taps: number;
  private readonly up: number;
  private readonly down: number;
  /** The last K − 1 input samples, then room for a block. */
  private scratch: Float32Array;
  /** The next output's time, in 1/L input samples from the start of the next block. */
  private position = 0;

  constructor(
    readonly inputRateHz: number,
    readonly outputRateHz: number,
  ) {
    const g = gcd(inputRateHz, outputRateHz);
    const up = outputRateHz / g;
    const down = inputRateHz / g;
    const prototypeRate = inputRateHz * up;
    const nyquist = Math.min(inputRateHz, outputRateHz) / 2;
    const transitionHz = (STOP_FRACTION - PASS_FRACTION) * nyquist;
    const cutoffHz = nyquist * ((PASS_FRACTION + STOP_FRACTION) / 2);
    // Kaiser's estimates: the length for the transition width, beta for the stopband depth.
    const length = Math.ceil((STOPBAND_DB - 7.95) / (2.285 * ((2 * Math.PI * transitionHz) / prototypeRate))) + 1;
    const taps = Math.ceil(length / up);
    const n = taps * up;
    const beta = 0.1102 * (STOPBAND_DB - 8.7);
    const centre = (n - 1) / 2;
    const fc = cutoffHz / prototypeRate;
    const prototype = new Float64Array(n);
    const i0Beta = besselI0(beta);
    for (let i = 0; i < n; i += 1) {
      const x = i - centre;
      const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
      const r = x / (centre + 0.5);
      // Gain L: zero-stuffing up by L leaves 1/L of the level.
      prototype[i] = up * sinc * (besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0Beta);
    }
    this.coefficients = new Float32Array(n);
    for (let p = 0; p < up; p += 1) for (let j = 0; j < taps; j += 1) this.coefficients[p * taps + j] = prototype[p + j * up]!;
    this.taps = taps;
    this.up = up;
    this.down = down;
    this.scratch = new Float32Array(taps - 1 + 1024);
    this.design = { up, down, tapsPerPhase: taps, delayInputSamples: centre / up };
  }

  /** Output samples the next `process` of `inputLength` samples gives (the larger of the two possible counts). */
  maxOutputLength(inputLength: number): number {
    return Math.ceil((inputLength * this.up) / this.down) + 1;
  }

  /**
   * Resamples one block into `output` (at least `maxOutputLength(input.length)` long) and returns
   * how many samples it wrote.
   */
  process(input: Float32Array, output: Float32Array): number {
    const { taps, up, down, coefficients } = this;
    const history = taps - 1;
    if (this.scratch.length < history + input.length) {
      const grown = new Float32Array(history + input.length);
      grown.set(this.scratch.subarray(0, history));
      this.scratch = grown;
    }
    const x = this.scratch;
    x.set(input, history);
    const end = input.length * up;
    let t = this.position;
    let written = 0;
    while (t < end) {
      const base = Math.floor(t / up);
      const phase = t - base * up;
      // x[history + base − j] is input sample base − j.
      let acc = 0;
      let k = history + base;
      const c = phase * taps;
      for (let j = 0; j < taps; j += 1) acc += x[k--]! * coefficients[c + j]!;
      output[written++] = acc;
      t += down;
    }
    this.position = t - end;
    x.copyWithin(0, input.length, input.length + history);
    return written;
  }

  /** Forgets the history (e.g. playback was cleared): the next block starts from silence. */
  reset(): void {
    this.scratch.fill(0);
    this.position = 0;
  }
}
