/**
 * The floor: the least footprint a non-moving allocator could reach on a trace, bounded from both
 * sides. Below: the peak of live bytes (no placement holds more bytes in less space). Above: an
 * offline placement that knows every block's lifetime in advance, as ML compilers plan tensor
 * arenas: blocks are taken in one order, and each is placed just above the highest block already
 * placed whose lifetime intersects its own. Any such placement is achievable, so its footprint
 * bounds the floor from above. Two orders are tried and the better kept: largest first (greedy
 * by size), and longest-lived first, which does far better on recorded programs, whose few
 * long-lived blocks then form the base and the many short-lived ones stack only where they live.
 *
 * Placing each block at the lowest clear offset instead (reusing holes below that top, as
 * TFLite's greedy-by-size does) packs tighter, but finding that offset among hundreds of
 * thousands of lifetimes costs far more than O(log n) a block. Above the top is one range-max and
 * one range-assign on a segment tree over time: O(n log n) in all, within a replay's time on
 * millions of ops. The price is a loose reference where allocators live in the holes between
 * long-lived blocks (steady churn): docs/traces.md says how loose.
 *
 * A realloc ends the block's old piece one op after it starts the new one (old and new are live
 * together while a move copies), so each piece is a block of its own here.
 */
import type { Trace } from './format.js'
import { ALLOC, FREE } from './format.js'

export interface Floor {
  /** Peak live bytes: no placement does better. */
  bytes: number
  /** Footprint of the offline placement: achievable, so the floor is at most this. */
  offline: number
  method: string
}

/** floor.method, naming the order that gave the offline placement. */
export function floorMethod (order: Placement['order']): string {
  return 'bytes: peak live bytes, a lower bound; offline: an achievable placement knowing every lifetime, blocks taken ' +
    `${order} (the better of largest first and longest-lived first), each placed just above the highest block already placed whose lifetime intersects its own`
}

/**
 * The pieces of a trace: each a size, an alignment and a lifetime [start, end) counted in pieces
 * started: piece k starts at k, and ends at the number of pieces started before its end. Two
 * lifetimes intersect in these terms exactly when they do in ops, and the tree over time is as
 * long as the pieces, not the ops.
 */
export interface Pieces {
  count: number
  size: Float64Array
  align: Float64Array
  start: Int32Array
  end: Int32Array
}

export function piecesOf (trace: Trace, heapAlignment = 1): Pieces {
  const n = trace.length
  const size = new Float64Array(n)
  const align = new Float64Array(n)
  const start = new Int32Array(n)
  const end = new Int32Array(n)
  const open = new Int32Array(trace.blocks).fill(-1)
  let count = 0
  for (let i = 0; i < n; i++) {
    const b = trace.block[i]!
    const kind = trace.kind[i]
    if (kind === FREE) {
      end[open[b]!] = count
      open[b] = -1
      continue
    }
    let pieceAlign = kind === ALLOC ? trace.align[i]! : align[open[b]!]!
    // A realloc's old piece lives until just after the new one starts.
    if (kind !== ALLOC) end[open[b]!] = count + 1
    if (pieceAlign < heapAlignment) pieceAlign = heapAlignment
    size[count] = trace.size[i]!
    align[count] = pieceAlign
    start[count] = count
    end[count] = -1
    open[b] = count++
  }
  for (let k = 0; k < count; k++) if (end[k] === -1) end[k] = count
  return { count, size, align, start, end }
}

/** An offline placement: the pieces of the trace, the offset each is placed at, and the order that placed them. */
export interface Placement {
  pieces: Pieces
  offset: Float64Array
  footprint: number
  order: 'largest first' | 'longest-lived first'
}

/** The better (smaller footprint) of the two greedy placements, largest first and longest-lived first. */
export function offlinePlacement (trace: Trace, heapAlignment = 1): Placement {
  const pieces = piecesOf(trace, heapAlignment)
  const bySize = greedyPlacement(pieces.count, pieces, highestFirst(pieces, (k) => pieces.size[k]!))
  const byLifetime = greedyPlacement(pieces.count, pieces, highestFirst(pieces, (k) => pieces.end[k]! - pieces.start[k]!))
  return bySize.footprint <= byLifetime.footprint
    ? { pieces, ...bySize, order: 'largest first' }
    : { pieces, ...byLifetime, order: 'longest-lived first' }
}

/** Each piece in `order`, just above the highest piece already placed whose lifetime intersects its own. */
function greedyPlacement (length: number, pieces: Pieces, order: ArrayLike<number>): { offset: Float64Array, footprint: number } {
  const skyline = new Skyline(length)
  const offset = new Float64Array(pieces.count)
  let footprint = 0
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!
    const start = pieces.start[k]!
    const end = pieces.end[k]!
    offset[k] = alignUp(skyline.highest(start, end), pieces.align[k]!)
    const top = offset[k]! + pieces.size[k]!
    skyline.raise(start, end, top)
    if (top > footprint) footprint = top
  }
  return { offset, footprint }
}

/** Piece indices by `key` from the highest; among equals the earlier first, so that a placement is one order. */
function highestFirst (pieces: Pieces, key: (k: number) => number): ArrayLike<number> {
  const n = pieces.count
  let highest = 0
  for (let k = 0; k < n; k++) highest = Math.max(highest, key(k))
  if (highest * 2 ** INDEX_BITS < 2 ** 53 && n <= 2 ** INDEX_BITS) {
    // (highest - key, index) packed in one exact double: a typed array's own numeric sort, with
    // no comparator to call a million times.
    const keys = new Float64Array(n)
    for (let k = 0; k < n; k++) keys[k] = (highest - key(k)) * 2 ** INDEX_BITS + k
    keys.sort()
    const order = new Int32Array(n)
    for (let k = 0; k < n; k++) order[k] = keys[k]! % 2 ** INDEX_BITS
    return order
  }
  return Array.from({ length: n }, (_, k) => k).sort((a, b) => (key(b) - key(a)) || (a - b))
}

/** Bits of a piece index in a sort key. */
const INDEX_BITS = 23

/** Footprint of the offline placement. */
export function offlineFootprint (trace: Trace, heapAlignment = 1): number {
  return offlinePlacement(trace, heapAlignment).footprint
}

/**
 * A segment tree over time [0, length) holding, at each point, the highest end offset in use:
 * range max and range assignment, lazy, walked bottom-up without recursion (the layout of
 * AtCoder Library's lazy segment tree), each O(log n).
 */
class Skyline {
  private readonly leaves: number
  private readonly levels: number
  private readonly max: Float64Array
  /** A value assigned to the node's whole span and not yet pushed to its children; -1 when none. */
  private readonly pending: Float64Array

  constructor (length: number) {
    let levels = 0
    while (2 ** levels < Math.max(1, length)) levels++
    this.levels = levels
    this.leaves = 2 ** levels
    this.max = new Float64Array(2 * this.leaves)
    this.pending = new Float64Array(this.leaves).fill(-1)
  }

  /** The highest end in use at any point of [start, end). */
  highest (start: number, end: number): number {
    let l = start + this.leaves
    let r = end + this.leaves
    this.pushAbove(l, r)
    let result = 0
    while (l < r) {
      if ((l & 1) === 1) result = Math.max(result, this.max[l++]!)
      if ((r & 1) === 1) result = Math.max(result, this.max[--r]!)
      l >>>= 1
      r >>>= 1
    }
    return result
  }

  /** Every point of [start, end) now has `value` as its highest end (value is at least what is there). */
  raise (start: number, end: number, value: number): void {
    const first = start + this.leaves
    const last = end + this.leaves
    this.pushAbove(first, last)
    for (let l = first, r = last; l < r; l >>>= 1, r >>>= 1) {
      if ((l & 1) === 1) this.assign(l++, value)
      if ((r & 1) === 1) this.assign(--r, value)
    }
    for (let level = 1; level <= this.levels; level++) {
      if (((first >>> level) << level) !== first) this.pull(first >>> level)
      if (((last >>> level) << level) !== last) this.pull((last - 1) >>> level)
    }
  }

  /** Pushes pending assignments down the paths above the range [l, r) of leaves' nodes, top first. */
  private pushAbove (l: number, r: number): void {
    for (let level = this.levels; level >= 1; level--) {
      if (((l >>> level) << level) !== l) this.push(l >>> level)
      if (((r >>> level) << level) !== r) this.push((r - 1) >>> level)
    }
  }

  private assign (node: number, value: number): void {
    this.max[node] = value
    if (node < this.leaves) this.pending[node] = value
  }

  private push (node: number): void {
    const value = this.pending[node]!
    if (value < 0) return
    this.assign(2 * node, value)
    this.assign(2 * node + 1, value)
    this.pending[node] = -1
  }

  private pull (node: number): void {
    this.max[node] = Math.max(this.max[2 * node]!, this.max[2 * node + 1]!)
  }
}

function alignUp (offset: number, align: number): number {
  return Math.ceil(offset / align) * align
}
