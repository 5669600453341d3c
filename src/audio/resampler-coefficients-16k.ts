/**
 * Filter constants shared by Upsampler8kTo16k and Downsampler16kTo8k.
 * Generated offline by `python3 test/bench/design-filters.py 16000` (numpy/scipy);
 * do not edit by hand, re-run the script instead.
 *
 * Prototype: the same spec as the 24 kHz filter (resampler-coefficients.ts), at fs = 16 kHz:
 * 9th-order elliptic low-pass, passband edge 3525 Hz, 0.1 dB ripple, 68 dB stopband (stopband
 * edge 3.9 kHz). Design figures: passband 300–3400 Hz within −0.1..0 dB; ≥ 68 dB from 4 to
 * 8 kHz; group delay 0.19–1.36 ms over 300–3400 Hz.
 *
 * Rewritten as H(z) = B(z) / A(z²): numerator and denominator were multiplied by A(−z), which
 * turns the denominator into a polynomial in z⁻² (poles p → p²) without changing the response.
 * The recursive part then runs at 8 kHz and only the 19-tap B(z) runs at 16 kHz, evaluated only
 * where an output sample is needed (polyphase).
 */

/** B(z) coefficients b[0..18] (b[k] multiplies x[n−k] at 16 kHz). DC gain of H is 1. */
export const TAPS = [
  0.01088075353321825, 0.05867888672230726, 0.20865307576455197, 0.5378214721443165,
  1.1159742560278267, 1.9228838695836066, 2.826451744424636, 3.59248528846587,
  3.980447930933908, 3.864181030313155, 3.284098436865235, 2.44039386240946,
  1.5719282905166752, 0.8695427039485154, 0.4045254500795763, 0.154129657060763,
  0.045597809383147274, 0.00954572481749992, 0.0011047479367196009,
] as const;

/**
 * 1/A as a cascade of all-pole sections at 8 kHz, each
 * 1 / (1 + a1·u⁻¹ + a2·u⁻²) with u = z², stored as [a1, a2].
 * The first one is first-order (a2 = 0). Pole radii 0.24–0.96.
 */
export const POLE_SECTIONS = [
  [-0.24202458861987872, 0.0],
  [0.07820699485268512, 0.15227357593676366],
  [0.9702956063143203, 0.4279946316484283],
  [1.5232544684064933, 0.7138943088574687],
  [1.799412819171437, 0.9154869830964244],
] as const;
