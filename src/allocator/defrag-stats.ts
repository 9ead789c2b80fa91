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

export function statsAfter (layout: Layout, placements: Placements): LayoutStats {
  const { count, offsets, sizes, kinds } = layout
  const moving = new Uint8Array(count)
  for (const s of placements.segments) moving[s] = 1
  const order = placements.destinations.map((_, m) => m).sort((a, b) => placements.destinations[a]! - placements.destinations[b]!)
  const ranges = new HeapCounters()
  let largest = 0
  let run = 0
  const close = (): void => {
    if (run === 0) return
    ranges.addFree(run)
    if (run > largest) largest = run
    run = 0
  }
  let d = 0
  for (let s = 0; s < count; s++) {
    const kind = kinds[s]!
    if (kind === FREE_SEGMENT) {
      const end = offsets[s]! + sizes[s]!
      let at = offsets[s]!
      for (; d < order.length && placements.destinations[order[d]!]! < end; d++) {
        const m = order[d]!
        const dest = placements.destinations[m]!
        run += dest - at
        close()
        at = dest + sizes[placements.segments[m]!]!
      }
      run += end - at
    } else if (kind === BLOCK_SEGMENT && moving[s] === 1) {
      run += sizes[s]!
    } else {
      close()
    }
  }
  close()
  return {
    largestFree: largest,
    freeRanges: ranges.freeRanges,
    fragmentation: fragmentationOf(largest, ranges.free),
    sawicki: sawickiOf(ranges.sumOfSquares(), ranges.free)
  }
}
