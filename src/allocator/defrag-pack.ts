/**
 * Where the moved blocks go: the free segments of a layout as holes in address order, under a
 * max segment tree (each inner node keeps the largest hole below it), so that the lowest hole
 * among the first `limit` that can take a block is found in O(log h) for h holes.
 *
 * A block takes the lowest hole of at least its size; if its alignment does not fit there, the
 * lowest hole of size + align - 1 bytes, where it always fits. It is cut from the hole's front
 * (any alignment padding before it stays free in the heap, unused by this plan). Every hole
 * changed is listed, so an attempt is rolled back in O(holes changed) and the next candidate
 * window starts from the untouched layout.
 */
import { alignUp } from './align.js'
import { BLOCK_SEGMENT, type Layout } from './defrag-layout.js'

export class HolePacker {
  readonly holes: number
  private readonly width: number
  private readonly starts: Float64Array
  private readonly ends: Float64Array
  /** tree[1] is the root; leaves at width + hole; each node holds the largest hole below it. */
  private readonly tree: Float64Array
  /** Holes changed since the last rollback (their first `touchedCount` entries), each once: rollback gives them their free segment's extent again. */
  private readonly touched: Int32Array
  private touchedCount = 0
  private readonly isTouched: Uint8Array
  /** The hole the last successful take() cut from. */
  lastHole = -1

  constructor (private readonly layout: Layout) {
    const holes = layout.freeSegments.length
    let width = 1
    while (width < holes) width *= 2
    this.holes = holes
    this.width = width
    this.starts = new Float64Array(width)
    this.ends = new Float64Array(width)
    this.tree = new Float64Array(2 * width)
    this.touched = new Int32Array(holes)
    this.isTouched = new Uint8Array(holes)
    for (let h = 0; h < holes; h++) {
      const s = layout.freeSegments[h]!
      this.starts[h] = layout.offsets[s]!
      this.ends[h] = layout.offsets[s]! + layout.sizes[s]!
      this.tree[width + h] = layout.sizes[s]!
    }
    for (let node = width - 1; node >= 1; node--) this.tree[node] = Math.max(this.tree[2 * node]!, this.tree[2 * node + 1]!)
  }

  /** Gives hole h the extent [start, end) (empty when end <= start). */
  set (h: number, start: number, end: number): void {
    if (this.isTouched[h] === 0) {
      this.isTouched[h] = 1
      this.touched[this.touchedCount++] = h
    }
    this.write(h, start, end)
  }

  /** The destination of a block of `size` bytes aligned to `align` in the lowest fitting hole among the first `limit`, taken; -1 when none fits. */
  take (size: number, align: number, limit: number): number {
    let h = this.lowest(size, limit)
    if (h < 0) return -1
    let dest = alignUp(this.starts[h]!, align)
    if (dest + size > this.ends[h]!) {
      h = this.lowest(size + align - 1, limit)
      if (h < 0) return -1
      dest = alignUp(this.starts[h]!, align)
    }
    this.set(h, dest + size, this.ends[h]!)
    this.lastHole = h
    return dest
  }

  /** Undoes every change since the last rollback. */
  rollback (): void {
    const { offsets, sizes, freeSegments } = this.layout
    for (let k = 0; k < this.touchedCount; k++) {
      const h = this.touched[k]!
      const s = freeSegments[h]!
      this.write(h, offsets[s]!, offsets[s]! + sizes[s]!)
      this.isTouched[h] = 0
    }
    this.touchedCount = 0
  }

  private write (h: number, start: number, end: number): void {
    this.starts[h] = start
    this.ends[h] = end
    let node = this.width + h
    this.tree[node] = Math.max(0, end - start)
    // Up to the first ancestor whose largest hole stays the same: the ones above it do too.
    for (node >>= 1; node >= 1; node >>= 1) {
      const largest = Math.max(this.tree[2 * node]!, this.tree[2 * node + 1]!)
      if (this.tree[node] === largest) break
      this.tree[node] = largest
    }
  }

  /** The lowest hole among the first `limit` holding at least `need` bytes, or -1: the lowest of all, if it is among them. */
  private lowest (need: number, limit: number): number {
    const tree = this.tree
    if (tree[1]! < need) return -1
    let node = 1
    while (node < this.width) node = tree[2 * node]! >= need ? 2 * node : 2 * node + 1
    const h = node - this.width
    return h < limit ? h : -1
  }
}

/** Blocks of a plan (segment indices of a Layout) and where each goes, in the same order. */
export interface Placements {
  segments: number[]
  destinations: number[]
}

export const NO_PLACEMENTS: Placements = { segments: [], destinations: [] }

/**
 * Packs every block segment of [first, last] into the packer's first `limit` holes, largest
 * block first (the hardest to place while the most room is left). Answers the placements, or
 * the segment of the first block that found no hole. Either way the packer is rolled back, so
 * the next attempt starts from the layout as it is (with no withdrawn holes).
 * O(k log k + k log h) for k blocks.
 */
export function packBlocks (layout: Layout, packer: HolePacker, first: number, last: number, limit: number): Placements | number {
  const { kinds, sizes, aligns } = layout
  const segments: number[] = []
  for (let s = first; s <= last; s++) if (kinds[s] === BLOCK_SEGMENT) segments.push(s)
  segments.sort((a, b) => sizes[b]! - sizes[a]! || a - b)
  const destinations: number[] = []
  for (const s of segments) {
    const dest = packer.take(sizes[s]!, aligns[s]!, limit)
    if (dest < 0) {
      packer.rollback()
      return s
    }
    destinations.push(dest)
  }
  packer.rollback()
  return { segments, destinations }
}
