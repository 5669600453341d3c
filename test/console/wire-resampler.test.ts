import t from 'tap';
import { WireResampler } from '../../src/console/test-call/audio/wire-resampler.js';
import {
  captureAliasRejectionDb,
  captureGainDb,
  playbackTone,
  tones,
  WIRE_PASSBAND,
  WIRE_RATE_HZ,
  WIRE_STOPBAND_FROM_HZ,
} from './wire-resampler-measurements.js';

const PASSBAND = tones(WIRE_PASSBAND.fromHz, WIRE_PASSBAND.toHz, 100);

for (const deviceRateHz of [48_000, 44_100]) {
  const kHz = deviceRateHz / 1000;

  t.test(`microphone audio at ${kHz} kHz reaches the wire flat within ±0.5 dB from 100 Hz to 10 kHz`, async (t) => {
    const gains = PASSBAND.map((f) => captureGainDb(f, deviceRateHz));
    const worst = Math.max(...gains.map(Math.abs));
    t.ok(worst <= 0.5, `worst ${worst.toFixed(3)} dB`);
  });

  t.test(`every tone from 14 kHz to ${deviceRateHz / 2000} kHz at ${kHz} kHz folds back at least 60 dB down`, async (t) => {
    const rejections = tones(WIRE_STOPBAND_FROM_HZ, deviceRateHz / 2 - 50, 130).map((f) => captureAliasRejectionDb(f, deviceRateHz));
    const worst = Math.min(...rejections);
    t.ok(worst >= 60, `worst rejection ${worst.toFixed(1)} dB`);
  });

  t.test(`the service's 24 kHz audio plays at ${kHz} kHz flat within ±0.5 dB and with images at least 60 dB down`, async (t) => {
    const measured = PASSBAND.map((f) => playbackTone(f, deviceRateHz));
    const worstGain = Math.max(...measured.map((m) => Math.abs(m.gainDb)));
    const worstImage = Math.max(...measured.map((m) => m.worstImageDb));
    t.ok(worstGain <= 0.5, `worst gain ${worstGain.toFixed(3)} dB`);
    t.ok(worstImage <= -60, `worst image ${worstImage.toFixed(1)} dB`);
  });

  t.test(`resampling ${kHz} kHz audio in the worklet's 128-sample quanta gives exactly what one call gives`, async (t) => {
    const input = Float32Array.from({ length: deviceRateHz / 5 }, (_, i) => Math.sin(i * 0.37) * 0.3 + Math.sin(i * 0.011) * 0.2);
    const whole = new WireResampler(deviceRateHz, WIRE_RATE_HZ);
    const expected = new Float32Array(whole.maxOutputLength(input.length));
    const n = whole.process(input, expected);
    const chunked = new WireResampler(deviceRateHz, WIRE_RATE_HZ);
    const out: number[] = [];
    const block = new Float32Array(chunked.maxOutputLength(128));
    for (let i = 0; i < input.length; i += 128) {
      const written = chunked.process(input.subarray(i, i + 128), block);
      for (let k = 0; k < written; k += 1) out.push(block[k]!);
    }
    t.equal(out.length, n);
    t.same(out, Array.from(expected.subarray(0, n)));
    t.equal(n, input.length * (WIRE_RATE_HZ / deviceRateHz), 'and the exact number of samples');
  });
}

t.test('the filter delays audio by well under a millisecond each way', async (t) => {
  for (const [from, to] of [[48_000, WIRE_RATE_HZ], [WIRE_RATE_HZ, 48_000], [44_100, WIRE_RATE_HZ], [WIRE_RATE_HZ, 44_100]] as const) {
    const delayMs = (new WireResampler(from, to).design.delayInputSamples / from) * 1000;
    t.ok(delayMs < 1.5, `${from} → ${to}: ${delayMs.toFixed(2)} ms`);
  }
});

t.test('reset makes a resampler behave like a new one', async (t) => {
  const input = Float32Array.from({ length: 4800 }, (_, i) => Math.sin(i * 0.2) * 0.4);
  const used = new WireResampler(48_000, WIRE_RATE_HZ);
  const scratch = new Float32Array(used.maxOutputLength(input.length));
  used.process(input.subarray(0, 1001), scratch);
  used.reset();
  const a = new Float32Array(used.maxOutputLength(input.length));
  const b = new Float32Array(a.length);
  const n = used.process(input, a);
  t.equal(new WireResampler(48_000, WIRE_RATE_HZ).process(input, b), n);
  t.same(Array.from(a.subarray(0, n)), Array.from(b.subarray(0, n)));
});
