/**
 * A simple reference model of a heap for property tests: the live blocks in an array sorted by
 * ptr, gaps derived by scanning it. O(n) everything, obviously right. It does not pick
 * placements (strategies differ) but says what is allowed: which gaps fit a request, whether a
 * realloc must stay in place, how a bad pointer is classified, and what stats() must read.
 */
import { alignUp } from '../../src/allocator/align.js'

export interface ModelBlock { ptr: number, size: number, align: number }
export interface Gap { offset: number, size: number }

export class HeapModel {
  blocks: ModelBlock[] = []
  peakUsed = 0
  peakLiveBlocks = 0
  allocs = 0
  frees = 0
  reallocs = 0
  failedAllocs = 0

  constructor (readonly size: number, readonly alignment = 1) {}

  get used (): number {
    return this.blocks.reduce((sum, b) => sum + b.size, 0)
  }

  gaps (): Gap[] {
    const gaps: Gap[] = []
    let at = 0
    for (const b of this.blocks) {
      if (b.ptr > at) gaps.push({ offset: at, size: b.ptr - at })
      at = b.ptr + b.size
    }
    if (at < this.size) gaps.push({ offset: at, size: this.size - at })
    return gaps
  }

  /** Gaps where `size` bytes aligned to `align` fit, lowest address first. */
  fitting (size: number, align: number): Gap[] {
    return this.gaps().filter(g => alignUp(g.offset, align) + size <= g.offset + g.size)
  }

  /** The first-fit (and naive design) pointer, or -1. */
  firstFit (size: number, align: number): number {
    const gap = this.fitting(size, align)[0]
    return gap === undefined ? -1 : alignUp(gap.offset, align)
  }

  find (ptr: number): ModelBlock | undefined {
    return this.blocks.find(b => b.ptr === ptr)
  }

  /** Why `ptr` is not a live block's start, or undefined when it is. */
  classify (ptr: number): { reason: 'out-of-bounds' | 'free' | 'interior', blockPtr?: number } | undefined {
    if (ptr < 0 || ptr >= this.size) return { reason: 'out-of-bounds' }
    const inside = this.blocks.find(b => b.ptr <= ptr && ptr < b.ptr + b.size)
    if (inside === undefined) return { reason: 'free' }
    return inside.ptr === ptr ? undefined : { reason: 'interior', blockPtr: inside.ptr }
  }

  /** Whether [ptr, ptr + size) lies inside one gap. */
  isFree (ptr: number, size: number): boolean {
    return this.gaps().some(g => g.offset <= ptr && ptr + size <= g.offset + g.size)
  }

  add (block: ModelBlock): void {
    this.blocks.push(block)
    this.blocks.sort((a, b) => a.ptr - b.ptr)
    this.notePeaks()
  }

  remove (ptr: number): ModelBlock {
    const i = this.blocks.findIndex(b => b.ptr === ptr)
    return this.blocks.splice(i, 1)[0]!
  }

  /** Bytes free right after the block at ptr (0 when a block follows it). */
  roomAfter (block: ModelBlock): number {
    const end = block.ptr + block.size
    const next = this.blocks.find(b => b.ptr >= end)
    return (next === undefined ? this.size : next.ptr) - end
  }

  notePeaks (): void {
    this.peakUsed = Math.max(this.peakUsed, this.used)
    this.peakLiveBlocks = Math.max(this.peakLiveBlocks, this.blocks.length)
  }

  /** What stats() must read, apart from the float metrics. */
  expectedStats (): Record<string, number> {
    const gaps = this.gaps()
    const used = this.used
    return {
      size: this.size,
      used,
      free: this.size - used,
      largestFree: gaps.reduce((max, g) => Math.max(max, g.size), 0),
      liveBlocks: this.blocks.length,
      freeRanges: gaps.length,
      peakUsed: this.peakUsed,
      peakLiveBlocks: this.peakLiveBlocks,
      allocs: this.allocs,
      frees: this.frees,
      reallocs: this.reallocs,
      failedAllocs: this.failedAllocs
    }
  }

  clone (): HeapModel {
    return Object.assign(new HeapModel(this.size, this.alignment), this, { blocks: this.blocks.map(b => ({ ...b })) })
  }
}
