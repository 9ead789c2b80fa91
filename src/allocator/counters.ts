/**
 * The counters behind stats(), kept as the heap changes so that stats() is O(1).
 *
 * Sawicki's metric needs sum f^2 over free ranges f. With f up to 2^53, f^2 reaches 2^106: a
 * plain double sum would lose every small range once a big one came and went (cancellation).
 * The sum is kept as a double-double (hi + lo, ~106 bits): each change (f^2 for a range that
 * comes or goes, (g - f)(g + f) for one resized from f to g) is made exact by Dekker's
 * two-product (via Veltkamp splitting) and added with Knuth's two-sum, so the sum of the ranges
 * that remain stays right to ~2^-100 relative.
 *
 * Most changes are small: a product below 2^52 goes into a third part, `small`, a plain double
 * that holds an exact integer. Two integers below 2^52 in magnitude add exactly, so `small` is
 * exact until it reaches 2^52, when it is folded into (hi, lo) and starts again from 0. That
 * takes a multiply, an add and two compares where the double-double takes some twenty flops,
 * on the one or two changes every alloc and free makes.
 */
import type { HeapStats } from './types.js'

const SPLITTER = 134217729 // 2^27 + 1
/** Below this, g - f and g + f are exact for free ranges f, g, and two integers add exactly. */
const TWO_POW_52 = 2 ** 52
/** A product of integers below this in magnitude is an exact double. */
const TWO_POW_53 = 2 ** 53

/** HeapStats.fragmentation: 1 - largestFree / free; 0 when nothing is free. */
export function fragmentationOf (largestFree: number, free: number): number {
  return free > 0 ? 1 - largestFree / free : 0
}

/** HeapStats.sawicki from the sum of squared free range sizes: 1 - sqrt(sum f^2) / sum f; 0 when nothing is free. */
export function sawickiOf (sumOfSquares: number, free: number): number {
  return free > 0 ? Math.max(0, 1 - Math.sqrt(sumOfSquares) / free) : 0
}

export interface CounterValues {
  used: number
  free: number
  liveBlocks: number
  freeRanges: number
  peakUsed: number
  peakLiveBlocks: number
  allocs: number
  frees: number
  reallocs: number
  failedAllocs: number
  squaresHi: number
  squaresLo: number
  squaresSmall: number
}

export class HeapCounters implements CounterValues {
  used = 0
  free = 0
  liveBlocks = 0
  freeRanges = 0
  peakUsed = 0
  peakLiveBlocks = 0
  allocs = 0
  frees = 0
  reallocs = 0
  failedAllocs = 0
  squaresHi = 0
  squaresLo = 0
  squaresSmall = 0

  /** A free range of f bytes appears. */
  addFree (f: number): void {
    this.free += f
    this.freeRanges++
    this.addProduct(f, f)
  }

  /** A free range of f bytes disappears (before it changes). */
  removeFree (f: number): void {
    this.free -= f
    this.freeRanges--
    this.addProduct(-f, f)
  }

  /** A free range changes from f to g bytes (same range count). */
  resizeFree (f: number, g: number): void {
    this.free += g - f
    if (f < TWO_POW_52 && g < TWO_POW_52) {
      // g^2 - f^2 = (g - f)(g + f), both factors exact: one product and one sum, not two of each
      // (a heap's big tail range is resized on most allocs from it).
      this.addProduct(g - f, g + f)
    } else {
      this.addProduct(-f, f)
      this.addProduct(g, g)
    }
  }

  /** Used bytes changed by delta and live blocks by blocks. */
  addUsed (delta: number, blocks: number): void {
    this.used += delta
    this.liveBlocks += blocks
  }

  /** Peaks are taken after each whole operation (a moving realloc's old and new block never count together). */
  notePeaks (): void {
    if (this.used > this.peakUsed) this.peakUsed = this.used
    if (this.liveBlocks > this.peakLiveBlocks) this.peakLiveBlocks = this.liveBlocks
  }

  /** Sum of f^2 over free ranges, rounded to a double. */
  sumOfSquares (): number {
    return this.squaresHi + (this.squaresLo + this.squaresSmall)
  }

  snapshot (): CounterValues {
    return { ...this }
  }

  restore (values: CounterValues): void {
    Object.assign(this, values)
  }

  /** Forget the layout (every range gone) but keep the history counters. */
  clearLayout (): void {
    this.used = 0
    this.free = 0
    this.liveBlocks = 0
    this.freeRanges = 0
    this.squaresHi = 0
    this.squaresLo = 0
    this.squaresSmall = 0
  }

  stats (size: number, largestFree: number): HeapStats {
    const free = this.free
    return {
      size,
      used: this.used,
      free,
      largestFree,
      liveBlocks: this.liveBlocks,
      freeRanges: this.freeRanges,
      fragmentation: fragmentationOf(largestFree, free),
      sawicki: sawickiOf(this.sumOfSquares(), free),
      peakUsed: this.peakUsed,
      peakLiveBlocks: this.peakLiveBlocks,
      allocs: this.allocs,
      frees: this.frees,
      reallocs: this.reallocs,
      failedAllocs: this.failedAllocs
    }
  }

  /** sum += a * b for integers a, b below 2^53 in magnitude, exactly. */
  private addProduct (a: number, b: number): void {
    const p = a * b
    if (p < TWO_POW_52 && p > -TWO_POW_52) {
      // p is exact (the true product is below 2^53), and so is small + p.
      const small = this.squaresSmall + p
      if (small < TWO_POW_52 && small > -TWO_POW_52) {
        this.squaresSmall = small
      } else {
        this.squaresSmall = 0
        this.addTerm(small, 0)
      }
      return
    }
    // a * b = p + e exactly: e = 0 while |p| < 2^53 (an exact integer), else Dekker's two-product.
    let e = 0
    if (p >= TWO_POW_53 || p <= -TWO_POW_53) {
      let c = SPLITTER * a
      const ah = c - (c - a)
      const al = a - ah
      c = SPLITTER * b
      const bh = c - (c - b)
      const bl = b - bh
      e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    }
    this.addTerm(p, e)
  }

  /** (hi, lo) += (p, e) where p + e is exact: two-sum on the high parts, then fold in the low parts. */
  private addTerm (p: number, e: number): void {
    const a = this.squaresHi
    const s = a + p
    const bb = s - a
    const err = (a - (s - bb)) + (p - bb)
    const lo = err + this.squaresLo + e
    const hi = s + lo
    this.squaresLo = lo - (hi - s)
    this.squaresHi = hi
  }
}
