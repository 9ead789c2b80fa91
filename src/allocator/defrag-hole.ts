/**
 * The `hole` goal: one free range of `size` bytes starting at a multiple of `align`, moving as few
 * bytes as possible.
 *
 * A window [s, s + size) is made free by moving every block that overlaps it into free space
 * outside it (below or above). The set of overlapped segments only changes where the window's
 * left edge leaves a segment or its right edge enters one, so among the aligned starts of each
 * stretch between such changes, one of three is always present: the first aligned start in a
 * segment, the last one whose window ends inside a segment, and the last aligned start inside a
 * segment. Those 3 per segment are scanned in three sweeps (each in increasing order, so the
 * segments overlapped are tracked by two pointers): O(segments). A window qualifies when it holds
 * no reservation, its blocks fit the limits, and their bytes fit the free bytes outside it; one
 * that overlaps no block means the range is already free, and the plan is empty.
 *
 * Qualifying windows are packed fewest bytes first (defrag-pack.ts, with the free segments
 * inside the window withdrawn and the ones across its edges cut to what lies outside), at most
 * MAX_TRIES of them within a work budget; the first that packs is the plan. None: OutOfMemoryError.
 */
import { alignUp } from './align.js'
import { MAX_TRIES, type Limits } from './defrag-compact.js'
import { endOf, FREE_SEGMENT, type Layout } from './defrag-layout.js'
import { HolePacker, NO_PLACEMENTS, packBlocks, type Placements } from './defrag-pack.js'
import { BestCandidates } from './defrag-select.js'
import { OutOfMemoryError } from './errors.js'

interface Window {
  start: number
  /** First and last segment the window overlaps. */
  first: number
  last: number
}

export function planHole (layout: Layout, size: number, align: number, limits: Limits): Placements {
  if (layout.totalFree < size) throw new OutOfMemoryError(size, layout.totalFree, layout.largestFree, align)
  const windows = qualifyingWindows(layout, size, align, limits)
  if (windows === 'free') return NO_PLACEMENTS
  const packer = new HolePacker(layout)
  let work = 4 * layout.count + 4096
  for (const [, start, first, last] of windows) {
    if (work <= 0) break
    const window = { start, first, last }
    work -= window.last - window.first + 1
    withdraw(layout, packer, window, size)
    const packed = packBlocks(layout, packer, window.first, window.last, packer.holes)
    if (typeof packed !== 'number') return packed
  }
  throw new OutOfMemoryError(size, layout.totalFree, layout.largestFree, align)
}

/** Takes the window's free space out of the packer's holes: the parts of edge segments outside it stay. */
function withdraw (layout: Layout, packer: HolePacker, window: Window, size: number): void {
  const { freeIndexBefore, freeSegments, offsets } = layout
  const end = window.start + size
  for (let h = freeIndexBefore[window.first]!; h < freeIndexBefore[window.last + 1]!; h++) {
    const s = freeSegments[h]!
    if (s === window.first) packer.set(h, offsets[s]!, window.start)
    else if (s === window.last) packer.set(h, end, endOf(layout, s))
    else packer.set(h, 0, 0)
  }
}

/** The qualifying windows, fewest bytes moved first (then lowest start), at most MAX_TRIES, as [moved, start, first, last]; 'free' when one needs no move. */
function qualifyingWindows (layout: Layout, size: number, align: number, limits: Limits): Array<[number, number, number, number]> | 'free' {
  const { count, offsets, heapSize } = layout
  const best = new BestCandidates(MAX_TRIES)
  const starts = [
    (t: number) => alignUp(offsets[t]!, align),
    (t: number) => alignDown(endOf(layout, t) - size, align),
    (t: number) => alignDown(endOf(layout, t) - 1, align)
  ]
  for (const startIn of starts) {
    let first = 0
    let last = 0
    let previous = -1
    for (let t = 0; t < count; t++) {
      const start = startIn(t)
      if (start < 0 || start + size > heapSize || start === previous) continue
      previous = start
      while (endOf(layout, first) <= start) first++
      if (last < first) last = first
      while (endOf(layout, last) < start + size) last++
      const moved = bytesToMove(layout, start, first, last, size, limits)
      if (moved === 0) return 'free'
      if (moved > 0) best.offer(moved, start, first, last)
    }
  }
  return best.sorted()
}

/** Bytes of the blocks window [start, start + size) overlaps (segments first to last) when it qualifies; 0: already free; -1: it does not qualify. */
function bytesToMove (layout: Layout, start: number, first: number, last: number, size: number, limits: Limits): number {
  const { kinds, offsets, freeBefore, blockBytesBefore, blocksBefore, fixedBefore } = layout
  if (fixedBefore[last + 1] !== fixedBefore[first]) return -1
  const moved = blockBytesBefore[last + 1]! - blockBytesBefore[first]!
  if (moved === 0) return 0
  let freeInside = freeBefore[last + 1]! - freeBefore[first]!
  if (kinds[first] === FREE_SEGMENT) freeInside -= start - offsets[first]!
  if (kinds[last] === FREE_SEGMENT) freeInside -= endOf(layout, last) - (start + size)
  if (moved > layout.totalFree - freeInside || moved > limits.maxBytes) return -1
  if (blocksBefore[last + 1]! - blocksBefore[first]! > limits.maxMoves) return -1
  return moved
}

function alignDown (offset: number, align: number): number {
  return align === 1 ? offset : Math.floor(offset / align) * align
}
