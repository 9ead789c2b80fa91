/**
 * Snapshots: a heap as data (its blocks with their alignments and tags, its free order, its
 * history counters), and the rebuild of an identical heap from it: same layout, same stats, and
 * the same later placements. Allocator.snapshot() takes one; restoreAllocator() rebuilds it.
 *
 * Placement depends on the layout, on each block's alignment (a moving realloc keeps it) and, for
 * tlsf, on the order of each bin's free list, which is history. freeOrder() exports that order and
 * restoreFreeOrder() files the ranges back in it, so the snapshot is O(live blocks + free ranges)
 * whatever the heap's history. Cold code: the hot paths (alloc, free, realloc) know nothing of it.
 *
 * The rebuild lays blocks in address order while every lower address is claimed (gaps by
 * temporary fillers), so the only free range is the tail starting at the block: allocAt for a
 * block with the heap's alignment, alloc(size, align) for one that asked for more, which lands on
 * the same ptr and, unlike allocAt, records that alignment. Then the fillers are freed and the
 * free order restored. Counters count the rebuild's own allocs and frees: callers that keep
 * history counters set them afterwards.
 */
import { HeapAllocator } from './allocator.js'
import { createAllocator } from './create.js'
import { InvalidArgumentError } from './errors.js'
import { FREE, HEAD, NIL } from './segments.js'
import type { Allocator, AllocatorSnapshot as FullSnapshot, HistoryCounters } from './types.js'

const HISTORY_COUNTERS = ['allocs', 'frees', 'reallocs', 'failedAllocs', 'peakUsed', 'peakLiveBlocks'] as const

/**
 * A new allocator identical to the one `snapshot` was taken from (Allocator.snapshot): same
 * blocks, tags, requested alignments, stats and later placements. Throws InvalidArgumentError
 * when the snapshot is malformed or inconsistent (overlapping blocks, a free order that does not
 * name every free range once). O((live blocks + free ranges) log n).
 */
export function restoreAllocator (snapshot: FullSnapshot): Allocator {
  if (typeof snapshot !== 'object' || snapshot === null) throw new InvalidArgumentError('snapshot', 'must be an object')
  const { size, strategy, alignment, blocks, freeOrder, counters } = snapshot
  if (!Array.isArray(blocks)) throw new InvalidArgumentError('blocks', 'must be an array')
  if (!Array.isArray(freeOrder)) throw new InvalidArgumentError('freeOrder', 'must be an array')
  const history = checkHistory(counters)
  const heap = createAllocator({ size, strategy, alignment }) as HeapAllocator
  heap.restoreLayout(blocks)
  heap.restoreFreeOrder(freeOrder)
  const current = heap.counters.snapshot()
  heap.counters.restore({
    ...current,
    ...history,
    peakUsed: Math.max(history.peakUsed, current.used),
    peakLiveBlocks: Math.max(history.peakLiveBlocks, current.liveBlocks)
  })
  return heap
}

function checkHistory (counters: unknown): HistoryCounters {
  if (typeof counters !== 'object' || counters === null) throw new InvalidArgumentError('counters', 'must be an object')
  const values = counters as Record<string, unknown>
  for (const name of HISTORY_COUNTERS) {
    const value = values[name]
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new InvalidArgumentError(`counters.${name}`, `must be a safe integer >= 0, got ${String(value)}`)
    }
  }
  return values as unknown as HistoryCounters
}

export interface SnapshotBlock {
  ptr: number
  size: number
  /** The block's alignment when larger than the heap's. */
  align?: number
}

export interface AllocatorSnapshot {
  /** Live blocks in address order. */
  blocks: SnapshotBlock[]
  /** Free range offsets in the strategy's order (Allocator.freeOrder). */
  freeOrder: number[]
}

export class SnapshotMismatchError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'SnapshotMismatchError'
  }
}

/** The heap as data: O(live blocks + free ranges). */
export function takeSnapshot (heap: HeapAllocator): AllocatorSnapshot {
  const { store } = heap
  const blocks: SnapshotBlock[] = []
  for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!) {
    const state = store.state[x]!
    if (state === FREE) continue
    const align = heap.alignmentOf(state)
    blocks.push(align > heap.alignment ? { ptr: store.offsets[x]!, size: store.sizes[x]!, align } : { ptr: store.offsets[x]!, size: store.sizes[x]! })
  }
  return { blocks, freeOrder: heap.freeOrder() }
}

/** takeSnapshot of an allocator that is this library's own; undefined for any other (a test double). */
export function snapshotOf (allocator: Allocator): AllocatorSnapshot | undefined {
  return allocator instanceof HeapAllocator ? takeSnapshot(allocator) : undefined
}

/** Claims every block of `blocks` (sorted by ptr) in an empty allocator, at its recorded place and alignment. */
export function layOut (allocator: Allocator, blocks: readonly SnapshotBlock[]): void {
  const fillers: number[] = []
  let end = 0
  for (const block of blocks) {
    if (block.ptr > end) {
      allocator.allocAt(end, block.ptr - end)
      fillers.push(end)
    }
    if (block.align !== undefined && block.align > allocator.alignment) {
      const ptr = allocator.alloc(block.size, block.align)
      if (ptr !== block.ptr) throw new SnapshotMismatchError(`block ${block.ptr} came back at ${ptr}`)
    } else {
      allocator.allocAt(block.ptr, block.size)
    }
    end = block.ptr + block.size
  }
  for (const ptr of fillers) allocator.free(ptr)
}

/** Rebuilds `snapshot` in an empty allocator of the same size, strategy and alignment. */
export function restoreSnapshot (allocator: Allocator, snapshot: AllocatorSnapshot): void {
  layOut(allocator, snapshot.blocks)
  allocator.restoreFreeOrder(snapshot.freeOrder)
}
