import t from 'tap';

import { encodeMulaw, decodeMulaw } from '../../src/audio/mulaw.js';
import { cosineTone, dominantFrequency, foldFrequency, measureTone, phaseDifference } from './tone-analysis.js';

t.test('measureTone reads amplitude and phase of a bin-centred tone exactly', async (t) => {
  const tone = cosineTone(1000, 8000, 800, 10000, 0.5);
  const m = measureTone(tone, 1000, 8000, 0, 800);
  t.ok(Math.abs(m.amplitude - 10000) < 1, `amplitude ${m.amplitude}`);
  t.ok(Math.abs(m.phase - 0.5) < 1e-4, `phase ${m.phase}`);
  t.ok(measureTone(tone, 1010, 8000, 0, 800).amplitude < 1, 'the neighbouring bin is empty');
});

t.test('measureTone scales 0 Hz and Nyquist components as real cosines', async (t) => {
  t.ok(Math.abs(measureTone(cosineTone(4000, 8000, 800, 5000), 4000, 8000, 0, 800).amplitude - 5000) < 1);
  t.ok(Math.abs(measureTone(new Int16Array(800).fill(300), 0, 8000, 0, 800).amplitude - 300) < 1e-9);
});

t.test('dominantFrequency finds a 1 kHz tone at 24 kHz to within 0.05 Hz', async (t) => {
  const f = dominantFrequency(cosineTone(1000, 24000, 7200, 8000, 1), 24000);
  t.ok(Math.abs(f - 1000) < 0.05, `${f} Hz`);
});

t.test('dominantFrequency picks the strongest of two tones, ignoring DC, through μ-law', async (t) => {
  const a = cosineTone(600, 8000, 3200, 6000);
  const b = cosineTone(1730, 8000, 3200, 2000);
  const mixed = Int16Array.from(a, (v, i) => v + b[i]! + 1500);
  const f = dominantFrequency(decodeMulaw(encodeMulaw(mixed)), 8000);
  t.ok(Math.abs(f - 600) < 0.5, `${f} Hz`);
});

t.test('folding and phase helpers wrap into their principal ranges', async (t) => {
  t.equal(foldFrequency(5000, 8000), 3000);
  t.equal(foldFrequency(9000, 8000), 1000);
  t.equal(foldFrequency(16000 - 300, 24000), 8300);
  t.ok(Math.abs(phaseDifference(3, -3) - (6 - 2 * Math.PI)) < 1e-12);
});
