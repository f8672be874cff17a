/**
 * Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. Charts are
 * drawn on an opaque white card so they stay readable on GitHub's dark mode too.
 */
export const palette = {
  blue: "#0072B2",
  orange: "#E69F00",
  vermillion: "#D55E00",
  green: "#009E73",
  sky: "#56B4E9",
  purple: "#CC79A7",
  yellow: "#F0E442",
  black: "#000000",
  grey: "#999999",
  background: "#FFFFFF",
  text: "#222222",
} as const;

/** Colours of a request dot by how long it waited for its header. */
export const waitBands = [
  { label: "< 1 ms", lt: 1, color: palette.sky },
  { label: "1–10 ms", gte: 1, lt: 10, color: palette.green },
  { label: "10–100 ms", gte: 10, lt: 100, color: palette.orange },
  { label: "≥ 100 ms (blocked on the provider)", gte: 100, color: palette.vermillion },
] as const;
