/**
 * The floor: the least footprint a non-moving allocator could reach on a trace, bounded from both
 * sides. Below: the peak of live bytes (no placement holds more bytes in less space). Above: an
 * offline placement that knows every block's lifetime in advance, as ML compilers plan tensor
 * arenas: greedy by size, largest block first, each at the lowest aligned offset clear of every
 * block already placed whose lifetime intersects its own. Any such placement is achievable, so
 * its footprint bounds the floor from above.
 *
 * Two bounds keep it O(n log n) on millions of ops, at some cost in tightness. Lifetimes are
 * rounded out to whole slots of time (at most TIME_SLOTS), which only adds conflicts, so the
 * placement stays valid. The search for the lowest clear offset jumps over the ranges in the way
 * at most MAX_JUMPS times; a block that finds no room by then goes above every block living during
 * its lifetime, which is clear by construction. On recorded programs' traces this lands within a
 * percent of peak live; on synthetic churn with sizes spread evenly, whose free space is many
 * small holes, blocks run out of jumps and the reference is loose (docs/traces.md).
 *
 * The search runs on a segment tree over the slots whose nodes hold offsets in use as sorted,
 * merged ranges: a lifetime is O(log n) nodes, and a range is clear when it misses the ranges of
 * those nodes' subtrees and of their ancestors' own blocks.
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

export const FLOOR_METHOD = 'bytes: peak live bytes (a lower bound); offline: greedy by size knowing every lifetime (largest block first, each at the lowest aligned offset clear of every placed block whose lifetime intersects it; lifetimes rounded out to 4096 time slots, at most 64 jumps per search, else above every block of its lifetime), an achievable placement'

/** The pieces of a trace: each a size, an alignment and a lifetime [start, end) in op indices. */
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
      end[open[b]!] = i
      open[b] = -1
      continue
    }
    let pieceAlign = kind === ALLOC ? trace.align[i]! : align[open[b]!]!
    if (kind !== ALLOC) end[open[b]!] = i + 1
    if (pieceAlign < heapAlignment) pieceAlign = heapAlignment
    size[count] = trace.size[i]!
    align[count] = pieceAlign
    start[count] = i
    end[count] = n
    open[b] = count++
  }
  return { count, size, align, start, end }
}

/** The offline placement: the pieces of the trace and the offset each is placed at. */
export interface Placement {
  pieces: Pieces
  offset: Float64Array
}

export function offlinePlacement (trace: Trace, heapAlignment = 1): Placement {
  const pieces = piecesOf(trace, heapAlignment)
  const order = Array.from({ length: pieces.count }, (_, k) => k)
  // Largest first; among equals the earlier first, so that the placement is one order.
  order.sort((a, b) => (pieces.size[b]! - pieces.size[a]!) || (a - b))
  const width = Math.max(1, Math.ceil(trace.length / TIME_SLOTS))
  const tree = new TimeTree(Math.ceil(trace.length / width))
  const offset = new Float64Array(pieces.count)
  for (const k of order) {
    const start = Math.floor(pieces.start[k]! / width)
    const end = Math.ceil(pieces.end[k]! / width)
    offset[k] = tree.place(start, end, pieces.size[k]!, pieces.align[k]!)
  }
  return { pieces, offset }
}

/** Footprint of the offline placement. */
export function offlineFootprint (trace: Trace, heapAlignment = 1): number {
  const { pieces, offset } = offlinePlacement(trace, heapAlignment)
  let footprint = 0
  for (let k = 0; k < pieces.count; k++) footprint = Math.max(footprint, offset[k]! + pieces.size[k]!)
  return footprint
}

/**
 * Disjoint ranges [lo, hi) of offsets, merged as they are added, kept sorted in two parallel
 * arrays, searched by binary search.
 */
class RangeSet {
  lo: number[] = []
  hi: number[] = []

  /** Index of the first range with hi > y. */
  firstEndingAfter (y: number): number {
    const hi = this.hi
    let a = 0
    let b = hi.length
    while (a < b) {
      const m = (a + b) >>> 1
      if (hi[m]! > y) b = m
      else a = m + 1
    }
    return a
  }

  add (lo: number, hi: number): void {
    // Ranges touching [lo, hi) (ending at or after lo, starting at or before hi) merge with it.
    const first = this.firstEndingAfter(lo - 1)
    let last = first
    while (last < this.lo.length && this.lo[last]! <= hi) last++
    if (last === first + 1) {
      // One neighbour to merge with: widen it in place.
      if (lo < this.lo[first]!) this.lo[first] = lo
      if (hi > this.hi[first]!) this.hi[first] = hi
      return
    }
    if (last > first) {
      lo = Math.min(lo, this.lo[first]!)
      hi = Math.max(hi, this.hi[last - 1]!)
    }
    if (first === this.lo.length) {
      this.lo.push(lo)
      this.hi.push(hi)
      return
    }
    this.lo.splice(first, last - first, lo)
    this.hi.splice(first, last - first, hi)
  }
}

/**
 * A segment tree over op indices [0, length). Per node: `own`, the ranges of the blocks whose
 * lifetimes cover the node's span (and not its parent's); `all`, the ranges of every block living
 * at some op of the span, ancestors' own excepted; `top`, the highest end among them, and `raised`
 * the highest end among the node's own.
 */
class TimeTree {
  private readonly leaves: number
  private readonly own: Array<RangeSet | undefined>
  private readonly all: Array<RangeSet | undefined>
  private readonly top: Float64Array
  private readonly raised: Float64Array

  constructor (length: number) {
    let leaves = 1
    while (leaves < Math.max(1, length)) leaves *= 2
    this.leaves = leaves
    this.own = new Array<RangeSet | undefined>(2 * leaves)
    this.all = new Array<RangeSet | undefined>(2 * leaves)
    this.top = new Float64Array(2 * leaves)
    this.raised = new Float64Array(2 * leaves)
  }

  /**
   * Lowest offset, a multiple of align, where [offset, offset + size) is clear at every op of
   * [start, end), when found within MAX_JUMPS jumps; else the lowest aligned offset above every
   * block living during [start, end), which is clear too.
   */
  place (start: number, end: number, size: number, align: number): number {
    const sets: RangeSet[] = []
    const highest = this.collect(1, 0, this.leaves, start, end, sets)
    let y = 0
    let clear = 0
    let k = 0
    let jumps = 0
    while (clear < sets.length) {
      const set = sets[k]!
      const i = set.firstEndingAfter(y)
      if (i < set.lo.length && set.lo[i]! < y + size) {
        // Past this range and every following gap of the set too small for the block.
        let j = i
        y = alignUp(set.hi[j]!, align)
        while (j + 1 < set.lo.length && set.lo[j + 1]! < y + size) y = alignUp(set.hi[++j]!, align)
        clear = 0
        if (++jumps > MAX_JUMPS || y >= highest) {
          y = alignUp(highest, align)
          break
        }
      } else {
        clear++
        k = (k + 1) % sets.length
      }
    }
    this.add(1, 0, this.leaves, start, end, y, y + size)
    return y
  }

  /** Pushes the sets a block living over [start, end) must avoid; answers the highest end among them. */
  private collect (node: number, from: number, to: number, start: number, end: number, sets: RangeSet[]): number {
    if (start <= from && to <= end) {
      const all = this.all[node]
      if (all !== undefined) sets.push(all)
      return this.top[node]!
    }
    const own = this.own[node]
    if (own !== undefined) sets.push(own)
    let highest = this.raised[node]!
    const mid = (from + to) >>> 1
    if (start < mid) highest = Math.max(highest, this.collect(2 * node, from, mid, start, end, sets))
    if (end > mid) highest = Math.max(highest, this.collect(2 * node + 1, mid, to, start, end, sets))
    return highest
  }

  private add (node: number, from: number, to: number, start: number, end: number, lo: number, hi: number): void {
    setAt(this.all, node).add(lo, hi)
    if (hi > this.top[node]!) this.top[node] = hi
    if (start <= from && to <= end) {
      setAt(this.own, node).add(lo, hi)
      if (hi > this.raised[node]!) this.raised[node] = hi
      return
    }
    const mid = (from + to) >>> 1
    if (start < mid) this.add(2 * node, from, mid, start, end, lo, hi)
    if (end > mid) this.add(2 * node + 1, mid, to, start, end, lo, hi)
  }
}

/** Time is cut in at most this many slots, each block held for whole slots: the tree stays small. */
const TIME_SLOTS = 4096

/** Jumps over ranges in the way before a block goes above everything living during its lifetime. */
const MAX_JUMPS = 64

function setAt (sets: Array<RangeSet | undefined>, node: number): RangeSet {
  let set = sets[node]
  if (set === undefined) {
    set = new RangeSet()
    sets[node] = set
  }
  return set
}

function alignUp (offset: number, align: number): number {
  return Math.ceil(offset / align) * align
}
