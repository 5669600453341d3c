/**
 * Filter constants shared by Upsampler8kTo24k and Downsampler24kTo8k.
 * Generated offline by test/bench/design-filters.py (numpy/scipy); do not edit
 * by hand, re-run the script instead.
 *
 * Prototype: 9th-order elliptic low-pass at fs = 24 kHz, passband edge
 * 3525 Hz, 0.1 dB ripple, 68 dB stopband (stopband edge just below 4 kHz).
 * Design figures: passband 300–3400 Hz within −0.1..0 dB; ≥ 68 dB from 4 to
 * 12 kHz; group delay 0.21–1.22 ms over 300–3400 Hz.
 *
 * Rewritten as H(z) = B(z) / A(z³): numerator and denominator were multiplied
 * by A(zW)·A(zW²), W = e^{j2π/3}, which turns the denominator into a
 * polynomial in z⁻³ (poles p → p³) without changing the response. The
 * recursive part then runs at 8 kHz and only the 28-tap B(z) runs at 24 kHz,
 * evaluated only where an output sample is needed (polyphase).
 */

/** B(z) coefficients b[0..27] (b[k] multiplies x[n−k] at 24 kHz). DC gain of H is 1. */
export const TAPS = [
  0.002984138518832951, 0.013631689118279385, 0.03829749543374028, 0.0926544803371339,
  0.1905660728350082, 0.3426962181827071, 0.5615812302447832, 0.8394799619185065,
  1.1558026345803085, 1.4817220571302354, 1.7689465693053936, 1.9756390562326682,
  2.071239554942487, 2.0358350608631537, 1.8788591752087902, 1.628409947184183,
  1.3216201607982796, 1.0030570333320308, 0.7099802517186987, 0.4660327093520848,
  0.2820611539122441, 0.15614312449226034, 0.07806161308478064, 0.0346455385138366,
  0.013287524247246772, 0.004214772933099114, 0.001015060552040473, 0.0001409857924581103,
] as const;

/**
 * 1/A as a cascade of all-pole sections at 8 kHz, each
 * 1 / (1 + a1·u⁻¹ + a2·u⁻²) with u = z³, stored as [a1, a2].
 * The first one is first-order (a2 = 0). Pole radii 0.29–0.95.
 */
export const POLE_SECTIONS = [
  [-0.28851302776368154, 0.0],
  [-0.053028128650460804, 0.154660728580256],
  [0.8479351313912739, 0.38387683957181085],
  [1.459654860973467, 0.6679232821786893],
  [1.7852028715928117, 0.8975746613558461],
] as const;
