/**
 * What the XML tests mutate: GİB's UBL-TR 1.2.1 samples under 30 KB, as latin1 text (one char per byte, so a
 * mutation can cut through a UTF-8 sequence), and a seeded random source so every run mutates the same way.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UBL_SAMPLES_DIR } from '../helpers/paths';

export function smallGibSamples(): string[] {
  const files = fs.readdirSync(UBL_SAMPLES_DIR).filter((f) => f.endsWith('.xml') && fs.statSync(path.join(UBL_SAMPLES_DIR, f)).size < 30_000);
  return files.map((f) => fs.readFileSync(path.join(UBL_SAMPLES_DIR, f), 'latin1'));
}

/** A linear congruential generator: rnd(n) is in [0, n). */
export function seededRandom(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
}
