import { Random } from '../../src/lib/generating/random.js';

export { Random };

/** Uniform numbers in [0, 1), the same for a seed on every run: the generator's own `Random` (mulberry32). */
export function rng(seed: number): () => number {
  const random = new Random(seed);
  return () => random.next();
}
