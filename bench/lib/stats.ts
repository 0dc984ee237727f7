/** Small statistics helpers for the benchmarks: percentiles, IQR, bootstrap confidence intervals. */

/** Linear-interpolated percentile (p in 0..100) of unsorted values. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export const median = (values: ArrayLike<number>) => percentile(values, 50);

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function summarize(values: ArrayLike<number>): Summary {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), min, max, mean: sum / values.length };
}

/** A seeded PRNG (mulberry32), so a run's request stream is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Samples 0..n-1 with probability proportional to 1/(rank+1)^s. */
export function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) cdf[i] = total += 1 / Math.pow(i + 1, s);
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/**
 * Ratio of medians a/b with a percentile-bootstrap 95% confidence interval (resampling each
 * configuration's samples independently).
 */
export function ratioOfMedians(a: number[], b: number[], iterations = 4000, seed = 1): { ratio: number; lo: number; hi: number } {
  const random = prng(seed);
  const resample = (xs: number[]) => median(Array.from(xs, () => xs[Math.floor(random() * xs.length)]));
  const ratios = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) ratios[i] = resample(a) / resample(b);
  return { ratio: median(a) / median(b), lo: percentile(ratios, 2.5), hi: percentile(ratios, 97.5) };
}

export function iqr(values: ArrayLike<number>): [number, number] {
  return [percentile(values, 25), percentile(values, 75)];
}

export interface PairedRatio {
  /** Median of the per-round ratios a_i / b_i (rounds share the machine's state: the ratio cancels it). */
  median: number;
  iqr: [number, number];
  /** Percentile-bootstrap intervals of that median, resampling whole rounds. */
  ci90: [number, number];
  ci95: [number, number];
  rounds: number;
}

/**
 * Paired ratio of two configurations measured round by round (each round: both, in a shuffled order):
 * the median of the per-round ratios with bootstrap intervals over rounds. Other work on a shared
 * machine moves both configurations of a round alike, so this interval is much narrower than the
 * ratio of medians' for the same samples.
 */
export function pairedRatio(a: number[], b: number[], iterations = 4000, seed = 1): PairedRatio {
  const ratios = a.map((x, i) => x / b[i]);
  const random = prng(seed);
  const boot = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) boot[i] = median(Array.from(ratios, () => ratios[Math.floor(random() * ratios.length)]));
  return {
    median: median(ratios),
    iqr: iqr(ratios),
    ci90: [percentile(boot, 5), percentile(boot, 95)],
    ci95: [percentile(boot, 2.5), percentile(boot, 97.5)],
    rounds: ratios.length,
  };
}

/**
 * Rounds needed for an interval of half-width `target`, from one measured with `rounds` rounds and
 * half-width `halfWidth` (a half-width shrinks as 1/√rounds).
 */
export function roundsFor(target: number, halfWidth: number, rounds: number): number {
  return Math.ceil(rounds * (halfWidth / target) ** 2);
}
