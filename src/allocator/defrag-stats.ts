/**
 * The layout figures of a heap (LayoutStats) now, and as they will be once a plan is committed:
 * every source block freed, every destination used, free neighbours merged. The prediction walks
 * the layout once with the destinations in address order, O(segments + k log k) for k moves, and
 * computes the figures with the same code as stats() (counters.ts), from an exact sum of squares.
 */
import { fragmentationOf, HeapCounters, sawickiOf } from './counters.js'
import { BLOCK_SEGMENT, FREE_SEGMENT, type Layout } from './defrag-layout.js'
import type { Placements } from './defrag-pack.js'
import type { HeapStats, LayoutStats } from './types.js'

export function layoutStatsOf (stats: HeapStats): LayoutStats {
  const { largestFree, freeRanges, fragmentation, sawicki } = stats
  return { largestFree, freeRanges, fragmentation, sawicki }
}

/** Free ranges as they are found in address order: bytes join the open range until something ends it. */
class FreeRuns {
  readonly ranges = new HeapCounters()
  largest = 0
  private run = 0

  extend (bytes: number): void {
    this.run += bytes
  }

  close (): void {
    if (this.run === 0) return
    this.ranges.addFree(this.run)
    if (this.run > this.largest) this.largest = this.run
    this.run = 0
  }
}

export function statsAfter (layout: Layout, placements: Placements): LayoutStats {
  const { count, offsets, sizes, kinds } = layout
  const moving = new Uint8Array(count)
  for (const s of placements.segments) moving[s] = 1
  // Destinations are disjoint: sorted apart, the k-th start and the k-th end are one range's.
  const starts = Float64Array.from(placements.destinations).sort()
  const ends = new Float64Array(starts.length)
  for (const [m, dest] of placements.destinations.entries()) ends[m] = dest + sizes[placements.segments[m]!]!
  ends.sort()
  const runs = new FreeRuns()
  let d = 0
  for (let s = 0; s < count; s++) {
    const kind = kinds[s]!
    if (kind === FREE_SEGMENT) {
      const end = offsets[s]! + sizes[s]!
      let at = offsets[s]!
      for (; d < starts.length && starts[d]! < end; d++) {
        runs.extend(starts[d]! - at)
        runs.close()
        at = ends[d]!
      }
      runs.extend(end - at)
    } else if (kind === BLOCK_SEGMENT && moving[s] === 1) {
      runs.extend(sizes[s]!)
    } else {
      runs.close()
    }
  }
  runs.close()
  const { free, freeRanges } = runs.ranges
  return {
    largestFree: runs.largest,
    freeRanges,
    fragmentation: fragmentationOf(runs.largest, free),
    sawicki: sawickiOf(runs.ranges.sumOfSquares(), free)
  }
}
