/**
 * The `compact` goal: evacuate a window of consecutive segments into the free space below it, so
 * that the window becomes one free range, as wide as the limits allow.
 *
 * Bound. A window [i, j] (segment indices) can be evacuated only when it holds no reservation,
 * moves at most maxBytes in at most maxMoves blocks, and its blocks' bytes fit in the free bytes
 * before segment i. For a fixed end j that holds for every start from some i_min(j) on, and i_min
 * never decreases as j grows, so one two-pointer sweep finds the widest window ending at each j:
 * O(segments). Its span bounds what any plan ending at j can free. A window ending just before a
 * free segment is never the widest (the free segment joins it for nothing), nor is one whose start
 * the next window shares, so only the others are offered; the MAX_TRIES widest that beat the
 * current largest free range are kept (defrag-select.ts).
 *
 * Sweep. From a candidate end j downwards, each block goes to the lowest hole below it that takes
 * it (defrag-pack.ts), the classic two-finger compaction: the window grows down until a block
 * finds no hole, a limit or a reservation is met, or the window reaches a hole already used. Then
 * it grows up from j while the blocks above find holes below the window. Every move goes to a
 * lower address, and every destination lies below the window. O(k log h) for k blocks moved and
 * h holes, never a failed packing to redo.
 *
 * Candidates are swept widest bound first, skipping an end inside a window already swept (it would
 * sweep much the same blocks); the search stops as soon as no bound beats the widest window swept,
 * after MAX_TRIES candidates, or once the sweeps have crossed twice the segment count. The plan is
 * the widest window swept; none beats the largest free range: an empty plan.
 */
import { endOf, FIXED_SEGMENT, FREE_SEGMENT, type Layout } from './defrag-layout.js'
import { HolePacker, NO_PLACEMENTS, type Placements } from './defrag-pack.js'
import { BestCandidates } from './defrag-select.js'

/** Candidate windows examined at most, per plan. */
export const MAX_TRIES = 64

export interface Limits {
  maxBytes: number
  maxMoves: number
}

export function planCompact (layout: Layout, limits: Limits): Placements {
  const candidates = widestWindows(layout, limits)
  if (candidates.length === 0) return NO_PLACEMENTS
  const packer = new HolePacker(layout)
  let work = 2 * layout.count + 4096
  let best = NO_PLACEMENTS
  let bestSpan = layout.largestFree
  /** Windows swept so far, as [first, last] pairs: an end inside one would sweep much the same blocks again. */
  const swept: number[] = []
  for (const [negativeSpan, , , end] of candidates) {
    if (-negativeSpan <= bestSpan || work <= 0) break
    if (insideSwept(swept, end)) continue
    const window = sweep(layout, packer, end, limits)
    swept.push(window.first, window.last)
    work -= window.last - window.first + 1
    const span = endOf(layout, window.last) - layout.offsets[window.first]!
    if (span > bestSpan && window.placements.segments.length > 0) {
      best = window.placements
      bestSpan = span
    }
  }
  return best
}

function insideSwept (swept: readonly number[], s: number): boolean {
  for (let k = 0; k < swept.length; k += 2) if (s >= swept[k]! && s <= swept[k + 1]!) return true
  return false
}

/**
 * Two-finger compaction down from segment `end`, then up from it while the blocks above still find
 * room below the window: the window's first and last segments and the placements. Growing up
 * spares the sweep of a nearby end that would move much the same blocks. The packer is rolled back.
 */
function sweep (layout: Layout, packer: HolePacker, end: number, limits: Limits): { first: number, last: number, placements: Placements } {
  const { count, kinds, sizes, aligns, freeIndexBefore, freeSegments } = layout
  const placements: Placements = { segments: [], destinations: [] }
  let moved = 0
  /** Places block segment s in a hole among the first `limit`; false when a limit or the holes refuse it. */
  const place = (s: number, limit: number): boolean => {
    const size = sizes[s]!
    if (moved + size > limits.maxBytes || placements.segments.length + 1 > limits.maxMoves) return false
    const dest = packer.take(size, aligns[s]!, limit)
    if (dest < 0) return false
    placements.segments.push(s)
    placements.destinations.push(dest)
    moved += size
    return true
  }
  /** The highest segment used as a hole: the window must stay above it. */
  let reached = -1
  let first = end
  for (; first > reached; first--) {
    const kind = kinds[first]
    if (kind === FIXED_SEGMENT || (kind !== FREE_SEGMENT && !place(first, freeIndexBefore[first]!))) break
    if (kind !== FREE_SEGMENT) reached = Math.max(reached, freeSegments[packer.lastHole]!)
  }
  first++
  let last = end
  while (last + 1 < count && kinds[last + 1] !== FIXED_SEGMENT && (kinds[last + 1] === FREE_SEGMENT || place(last + 1, freeIndexBefore[first]!))) last++
  packer.rollback()
  return { first, last, placements }
}

/** The widest feasible window ending at each segment, by span (widest first, fewest bytes moved among equals): [-span, moved, first, last]. */
function widestWindows (layout: Layout, limits: Limits): Array<[number, number, number, number]> {
  const { count, kinds, offsets, freeBefore, blockBytesBefore, blocksBefore, fixedBefore } = layout
  const feasible = (i: number, j: number): boolean => {
    const moved = blockBytesBefore[j + 1]! - blockBytesBefore[i]!
    return fixedBefore[j + 1] === fixedBefore[i] &&
      moved <= freeBefore[i]! && moved <= limits.maxBytes &&
      blocksBefore[j + 1]! - blocksBefore[i]! <= limits.maxMoves
  }
  const best = new BestCandidates(MAX_TRIES)
  const offer = (first: number, last: number): void => {
    const moved = blockBytesBefore[last + 1]! - blockBytesBefore[first]!
    const span = endOf(layout, last) - offsets[first]!
    if (moved > 0 && span > layout.largestFree) best.offer(-span, moved, first, last)
  }
  // Of the windows sharing a start, the one ending last is the widest: only it is offered.
  let pendingFirst = -1
  let pendingLast = -1
  let i = 0
  for (let j = 0; j < count; j++) {
    if (kinds[j] === FIXED_SEGMENT) {
      i = j + 1
      continue
    }
    while (i <= j && !feasible(i, j)) i++
    if (i > j || (j + 1 < count && kinds[j + 1] === FREE_SEGMENT)) continue
    if (pendingFirst >= 0 && pendingFirst !== i) offer(pendingFirst, pendingLast)
    pendingFirst = i
    pendingLast = j
  }
  if (pendingFirst >= 0) offer(pendingFirst, pendingLast)
  return best.sorted()
}
