/**
 * Snapshots: a heap as plain data (Allocator.snapshot(): its blocks with their requested
 * alignments and tags, its free order, its history counters), and restoreAllocator(), which
 * builds an identical heap from one: same layout, same stats, and the same later placements.
 *
 * Placement depends on the layout, on each block's alignment (a moving realloc keeps it) and, for
 * tlsf, on the order of each bin's free list, which is history. freeOrder() exports that order and
 * restoreFreeOrder() files the ranges back in it, so a snapshot is O(live blocks + free ranges)
 * whatever the heap's history. Cold code: the hot paths (alloc, free, realloc) know nothing of it.
 *
 * The rebuild claims every block at its ptr in a new heap, in address order
 * (HeapAllocator.restoreLayout), then every reservation of an open defragmentation plan, files the free ranges in the recorded order and sets the
 * history counters; the layout's counters (used, free, sums) follow from the blocks.
 */
import type { HeapAllocator } from './allocator.js'
import { createAllocatorWithIndex } from './create.js'
import { InvalidArgumentError } from './errors.js'
import { FREE_INDEXES } from './strategies.js'
import type { Allocator, AllocatorSnapshot, HistoryCounters } from './types.js'

const HISTORY_COUNTERS = ['allocs', 'frees', 'reallocs', 'failedAllocs', 'peakUsed', 'peakLiveBlocks'] as const

/**
 * A new allocator identical to the one `snapshot` was taken from (Allocator.snapshot): same
 * blocks, tags, requested alignments, stats and later placements. Throws InvalidArgumentError
 * when the snapshot is malformed or inconsistent (overlapping blocks, a free order that does not
 * name every free range once). O((live blocks + free ranges) log n).
 */
export function restoreAllocator (snapshot: AllocatorSnapshot): Allocator {
  if (typeof snapshot !== 'object' || snapshot === null) throw new InvalidArgumentError('snapshot', 'must be an object')
  const { size, strategy, alignment, blocks, freeOrder, counters, reservations = [] } = snapshot
  if (!Array.isArray(blocks)) throw new InvalidArgumentError('blocks', 'must be an array')
  if (!Array.isArray(freeOrder)) throw new InvalidArgumentError('freeOrder', 'must be an array')
  if (!Array.isArray(reservations)) throw new InvalidArgumentError('reservations', 'must be an array')
  if (!Object.hasOwn(FREE_INDEXES, strategy)) throw new InvalidArgumentError('strategy', `must be one of ${Object.keys(FREE_INDEXES).join(', ')}, got ${String(strategy)}`)
  const history = checkHistory(counters)
  const heap: HeapAllocator = createAllocatorWithIndex({ size, alignment }, FREE_INDEXES[strategy], strategy)
  heap.restoreLayout(blocks)
  heap.restoreReservations(reservations)
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
