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
 * The candidates are tried widest first (fewest bytes moved among equals), each packed into the
 * holes below it (defrag-pack.ts): every move goes to a lower address. When a block finds no hole,
 * the two windows on either side of it are queued as candidates too. Tries and packed blocks are
 * bounded (MAX_TRIES, a work budget of a few times the block count), so a plan costs
 * O(n log n) whatever the layout; when no candidate packs, the plan is empty.
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
  const retries: Window[] = []
  let next = 0
  let work = 4 * layout.blocksBefore[layout.count]! + 4096
  for (let tries = 0; tries < MAX_TRIES && work > 0; tries++) {
    const window = takeBest(candidates, next, retries)
    if (window === undefined) break
    if (window === candidates[next]) next++
    work -= window.last - window.first + 1
    const packed = packBlocks(layout, packer, window.first, window.last, layout.freeIndexBefore[window.first]!)
    if (typeof packed !== 'number') return packed
    // The block at segment `packed` found no hole: the windows beside it may still pack.
    for (const [first, last] of [[packed + 1, window.last], [window.first, packed - 1]] as const) {
      const smaller = windowOf(layout, first, last)
      if (smaller !== undefined) retries.push(smaller)
    }
  }
  return NO_PLACEMENTS
}

/** The best of the next sorted candidate and the queued retries (removed from the queue), or undefined. */
function takeBest (candidates: Window[], next: number, retries: Window[]): Window | undefined {
  let best = candidates[next]
  let pick = -1
  for (const [r, retry] of retries.entries()) {
    if (best === undefined || retry.span > best.span || (retry.span === best.span && retry.moved < best.moved)) {
      best = retry
      pick = r
    }
  }
  if (pick >= 0) retries.splice(pick, 1)
  return best
}

/** Window [first, last] when it moves at least one block and would beat the largest free range; its limits were met by the wider one. */
function windowOf (layout: Layout, first: number, last: number): Window | undefined {
  if (first > last) return undefined
  const moved = layout.blockBytesBefore[last + 1]! - layout.blockBytesBefore[first]!
  const span = endOf(layout, last) - layout.offsets[first]!
  if (moved === 0 || span <= layout.largestFree) return undefined
  return { first, last, span, moved }
}

/** The widest feasible window ending at each segment, best first (at most MAX_TRIES). */
function widestWindows (layout: Layout, limits: Limits): Window[] {
  const { count, kinds, freeBefore, blockBytesBefore, blocksBefore, fixedBefore } = layout
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
    const window = windowOf(layout, i, j)
    if (window !== undefined) windows.push(window)
  }
  const spans = Float64Array.from(windows, w => -w.span)
  const moved = Float64Array.from(windows, w => w.moved)
  return bestCandidates(spans, moved, MAX_TRIES).map(c => windows[c]!)
}
