/**
 * The `compact` goal: evacuate the window of consecutive segments whose blocks all fit in the free
 * space below it, so that the window becomes one free range, as long as the limits allow.
 *
 * A window [i, j] (segment indices) is worth checking when it holds no reservation, moves at most
 * maxBytes in at most maxMoves blocks, its blocks' bytes fit in the free bytes before segment i
 * (a necessary condition; the packing decides), and its span, which is all free once the plan is
 * committed, exceeds the current largest free range. For a fixed end j the condition holds for
 * every start from some i_min(j) on, and i_min never decreases as j grows, so one two-pointer
 * sweep finds the widest window ending at each j: O(segments). A window ending just before a free
 * segment is never the widest (the free segment joins it for nothing), so those are skipped.
 *
 * The candidates are taken widest first (fewest bytes moved among equals) and packed into the
 * holes below them (defrag-pack.ts): every move goes to a lower address. When a window's blocks
 * do not all find a hole, its start is moved up by binary search to the lowest start that packs
 * (fewer blocks, more holes below). The search stops when no remaining candidate can beat the
 * best window packed. Packings and packed blocks are bounded (MAX_TRIES, and a work budget of a
 * few times the segment count), so a plan costs O(n log n) whatever the layout; when nothing
 * packs, the plan is empty.
 */
import { endOf, FIXED_SEGMENT, FREE_SEGMENT, type Layout } from './defrag-layout.js'
import { bestCandidates, HolePacker, NO_PLACEMENTS, packBlocks, type Placements } from './defrag-pack.js'

/** Candidate windows packed at most, per plan. */
export const MAX_TRIES = 64

export interface Limits {
  maxBytes: number
  maxMoves: number
}

interface Window {
  first: number
  last: number
  span: number
  moved: number
}

export function planCompact (layout: Layout, limits: Limits): Placements {
  const candidates = widestWindows(layout, limits)
  if (candidates.length === 0) return NO_PLACEMENTS
  const packer = new HolePacker(layout)
  const budget = { tries: MAX_TRIES, work: 4 * layout.count + 4096 }
  const pack = (first: number, last: number): Placements | undefined => {
    budget.tries--
    budget.work -= last - first + 1
    const packed = packBlocks(layout, packer, first, last, layout.freeIndexBefore[first]!)
    return typeof packed === 'number' ? undefined : packed
  }
  let best: Placements = NO_PLACEMENTS
  let bestSpan = layout.largestFree
  for (const window of candidates) {
    if (window.span <= bestSpan || budget.tries <= 0 || budget.work <= 0) break
    const packed = pack(window.first, window.last)
    if (packed !== undefined) {
      best = packed
      bestSpan = window.span
      continue
    }
    // The lowest start that packs: starts past `useful` leave too short a window or no block.
    let failed = window.first
    let useful = usefulStart(layout, window.last, bestSpan)
    while (failed < useful && budget.tries > 0 && budget.work > 0) {
      const mid = (failed + useful + 1) >>> 1
      const shorter = pack(mid, window.last)
      if (shorter === undefined) {
        failed = mid
      } else {
        best = shorter
        bestSpan = endOf(layout, window.last) - layout.offsets[mid]!
        useful = mid - 1
      }
    }
  }
  return best
}

/** The highest start of a window ending at `last` that still moves a block and spans more than `span` (-1 when none): two binary searches. */
function usefulStart (layout: Layout, last: number, span: number): number {
  const { offsets, blocksBefore } = layout
  const below = endOf(layout, last) - span
  const blocks = blocksBefore[last + 1]!
  return Math.min(
    highest(last, start => offsets[start]! < below),
    highest(last, start => blocksBefore[start]! < blocks)
  )
}

/** The highest index in [0, top] where `holds` (true up to some index, false after it), or -1. */
function highest (top: number, holds: (index: number) => boolean): number {
  let lo = -1
  let hi = top + 1
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1
    if (holds(mid)) lo = mid
    else hi = mid
  }
  return lo
}

/** The widest feasible window ending at each segment, best first (at most MAX_TRIES). */
function widestWindows (layout: Layout, limits: Limits): Window[] {
  const { count, kinds, offsets, freeBefore, blockBytesBefore, blocksBefore, fixedBefore } = layout
  const feasible = (i: number, j: number): boolean => {
    const moved = blockBytesBefore[j + 1]! - blockBytesBefore[i]!
    return fixedBefore[j + 1] === fixedBefore[i] &&
      moved <= freeBefore[i]! && moved <= limits.maxBytes &&
      blocksBefore[j + 1]! - blocksBefore[i]! <= limits.maxMoves
  }
  const windows: Window[] = []
  let i = 0
  for (let j = 0; j < count; j++) {
    if (kinds[j] === FIXED_SEGMENT) {
      i = j + 1
      continue
    }
    while (i <= j && !feasible(i, j)) i++
    if (i > j || (j + 1 < count && kinds[j + 1] === FREE_SEGMENT)) continue
    const moved = blockBytesBefore[j + 1]! - blockBytesBefore[i]!
    const span = endOf(layout, j) - offsets[i]!
    if (moved > 0 && span > layout.largestFree) windows.push({ first: i, last: j, span, moved })
  }
  const spans = Float64Array.from(windows, w => -w.span)
  const moved = Float64Array.from(windows, w => w.moved)
  return bestCandidates(spans, moved, MAX_TRIES).map(c => windows[c]!)
}
