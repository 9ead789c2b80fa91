/**
 * Bit tricks for integers up to 2^53 (and a little beyond, for padded requests).
 *
 * JavaScript's bitwise operators see 32-bit integers, so `x | 0` or `x >>> 0` on a size would
 * silently drop everything above bit 31. A safe integer is instead split into two 32-bit words:
 * the high word is floor(x / 2^32), exact because dividing by a power of two only moves the
 * binary exponent; Math.clz32 runs on whichever word holds the top bit. Math.clz32 on a value
 * below 2^32 is itself exact (its ToUint32 conversion changes nothing there).
 *
 * The 32-bit helpers (lowestBit, highestBit) work on bitmap words, never on sizes.
 */

const TWO_POW_32 = 4294967296

/** floor(log2(x)) for an integer 1 <= x < 2^64; -1 for 0. */
export function floorLog2 (x: number): number {
  return x >= TWO_POW_32
    ? 63 - Math.clz32(Math.floor(x / TWO_POW_32))
    : 31 - Math.clz32(x)
}

/** Index of the lowest set bit of a 32-bit word; -1 when none is set. `w & -w` isolates it. */
export function lowestBit (w: number): number {
  return 31 - Math.clz32(w & -w)
}

/** Index of the highest set bit of a 32-bit word; -1 when none is set. */
export function highestBit (w: number): number {
  return 31 - Math.clz32(w)
}
