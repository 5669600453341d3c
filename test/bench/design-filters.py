#!/usr/bin/env python3
"""Offline design of the 8 kHz <-> 24 kHz and 8 kHz <-> 16 kHz resampling filters (not used at runtime).

Run:  python3 test/bench/design-filters.py [24000|16000]   (needs numpy + scipy)
Prints the constants of src/audio/resampler-coefficients.ts (24000, the default) or
src/audio/resampler-coefficients-16k.ts (16000). Both use the same prototype spec at their rate.

1. Prototype: 9th-order elliptic (Cauer) low-pass at fs = 24 kHz (or 16 kHz),
   passband edge 3525 Hz, 0.1 dB ripple, 68 dB stopband
   (stopband edge lands just below 4 kHz).
   Why 9th order: 8th order only reaches 65 dB with a 1.8 ms group-delay peak
   at 3.4 kHz (too close to the 2 ms budget); 10th costs more for no need.
2. Polyphase form (M = fs / 8000): multiply numerator and denominator by
   A(zW)...A(zW^(M-1)), W = exp(j*2*pi/M). The denominator becomes
   prod(1 - p^M z^-M), a polynomial in z^-M, so the recursive part can run
   at 8 kHz (after decimation / before interpolation, noble identities) and
   only the numerator (28 taps for M = 3, 19 for M = 2) runs at the high
   rate (and only at the samples actually needed).
   The transfer function is unchanged (same magnitude, same phase).
"""
import sys

import numpy as np
from scipy import signal

FS = int(sys.argv[1]) if len(sys.argv) > 1 else 24000
M = FS // 8000
assert M * 8000 == FS and M in (2, 3)
ORDER, PASS_EDGE_HZ, RIPPLE_DB, STOP_DB = 9, 3525, 0.1, 68

z, p, k = signal.ellip(ORDER, RIPPLE_DB, STOP_DB, PASS_EDGE_HZ, fs=FS, output='zpk')
W = np.exp(2j * np.pi / M)
rotated = [p * W]
while len(rotated) < M - 1:
    rotated.append(rotated[-1] * W)
taps = k * np.real(np.poly(np.concatenate([z, *rotated])))  # B(z)A(zW)..A(zW^(M-1))
p3 = p ** M  # poles of the 8 kHz recursive part
pairs = sorted([q for q in p3 if q.imag > 1e-9], key=abs)
reals = [q.real for q in p3 if abs(q.imag) <= 1e-9]
# All-pole sections 1/(1 + a1 u^-1 + a2 u^-2), u = z^M, least resonant first.
sections = [(-r, 0.0) for r in reals] + [(-2 * q.real, abs(q) ** 2) for q in pairs]

# --- verify the polyphase form against the prototype ------------------------------
den = np.array([1.0])
for a1, a2 in sections:
    den = np.polymul(den, [1.0, a1, a2])
den = den[:ORDER + 1]  # the first-order section padded one trailing zero
assert np.allclose(den, np.real(np.poly(p3)), rtol=0, atol=1e-12)
den3 = np.zeros(M * ORDER + 1)
den3[::M] = den
fp = np.linspace(300, 3400, 3101)
fst = np.linspace(4000, FS / 2, int(FS / 2 - 4000) + 1)
_, hp = signal.freqz(taps, den3, worN=fp, fs=FS)
_, hs = signal.freqz(taps, den3, worN=fst, fs=FS)
_, href = signal.freqz(*signal.zpk2tf(z, p, k), worN=fp, fs=FS)
_, gd = signal.group_delay(signal.zpk2tf(z, p, k), w=fp, fs=FS)
gp = 20 * np.log10(np.abs(hp))
assert np.max(np.abs(hp - href)) < 1e-8
print(f'// passband 300-3400 Hz gain {gp.min():.3f} .. {gp.max():.3f} dB')
print(f'// stopband 4-{FS // 2000} kHz attenuation >= {-20 * np.log10(np.abs(hs).max()):.2f} dB')
print(f'// group delay 300-3400 Hz {gd.min() / FS * 1e3:.3f} .. {gd.max() / FS * 1e3:.3f} ms')
print(f'// 8 kHz pole radii {", ".join(f"{r:.4f}" for r in sorted(set(np.round(np.abs(p3), 6))))}')

print('export const TAPS = [')
for i in range(0, len(taps), 4):
    print('  ' + ' '.join(repr(float(v)) + ',' for v in taps[i:i + 4]))
print('] as const;')
print('export const POLE_SECTIONS = [')
for a1, a2 in sections:
    print(f'  [{float(a1)!r}, {float(a2)!r}],')
print('] as const;')
