/** The public shapes of the allocator library (src/allocator). Pure data, no I/O. */

export const STRATEGIES = ['first-fit', 'best-fit', 'tlsf'] as const
export type Strategy = (typeof STRATEGIES)[number]

/** Largest alignment a block may ask for: 2^30. */
export const MAX_ALIGNMENT = 2 ** 30
/** Live blocks one heap can hold: its nodes (blocks, free ranges, a head) stay below 2^26 (segments.ts). */
export const MAX_LIVE_BLOCKS = 2 ** 25 - 2

export interface AllocatorOptions {
  /** Heap size in bytes: a safe integer >= 1. */
  size: number
  /** Placement policy; `first-fit` by default. */
  strategy?: Strategy
  /** Default alignment of every block: a power of two <= 2^30; 1 by default. */
  alignment?: number
}

/**
 * A live block. `align` is the alignment the client asked for (alloc's `align`), kept even when
 * the heap's own alignment is larger, absent when it asked for none; `tag` is alloc's `tag`,
 * absent when none was given. Both follow the block through a moving realloc.
 */
export interface Block {
  ptr: number
  size: number
  align?: number
  tag?: string
}

export interface FreeRange {
  offset: number
  size: number
}

export interface Segment {
  offset: number
  size: number
  /** `reserved`: a destination claimed by reserve() for a defragmentation move; not a block, not free. */
  state: 'used' | 'free' | 'reserved'
  /** Used segments: the block's requested alignment, as Block.align. */
  align?: number
  /** Used segments: the block's tag, as Block.tag. */
  tag?: string
}

/** The counters that are history, not layout: what stats() cannot recompute from the blocks. */
export interface HistoryCounters {
  allocs: number
  frees: number
  reallocs: number
  failedAllocs: number
  peakUsed: number
  peakLiveBlocks: number
}

/**
 * A heap as plain data (JSON-safe: numbers, strings, arrays), from Allocator.snapshot(); the
 * input of restoreAllocator(). Enough to rebuild a heap that answers every later call as this
 * one would, for every strategy: same blocks (with requested alignment and tag), same stats and
 * the same later placements.
 */
export interface AllocatorSnapshot {
  size: number
  strategy: Strategy
  alignment: number
  /** Live blocks in address order. */
  blocks: Block[]
  /**
   * Offsets of the free ranges in the order the strategy keeps them (Allocator.freeOrder): tlsf's
   * bin lists are history and decide its later picks; first-fit and best-fit: address order.
   */
  freeOrder: number[]
  counters: HistoryCounters
  /** Ranges claimed by reserve() and not yet committed or released, in address order; absent when none. */
  reservations?: Reservation[]
}

/** A range claimed by Allocator.reserve(): neither a block nor free space. */
export interface Reservation {
  offset: number
  size: number
}

/** What Allocator.planDefrag() aims for. */
export type DefragGoal = 'compact' | 'hole'

export interface DefragOptions {
  /** `compact` (default): one free range as large as the limits allow; `hole`: one free range of `size` bytes. */
  goal?: DefragGoal
  /** hole: bytes the free range must hold (required). */
  size?: number
  /** hole: alignment of the free range's start, a power of two; the heap's alignment by default (and at least). */
  align?: number
  /** Most bytes the plan may move (the sum of its moves' sizes); unlimited by default. */
  maxBytes?: number
  /** Most moves the plan may hold; unlimited by default. */
  maxMoves?: number
}

/**
 * One block to move: copy `size` bytes from `ptr` to `newPtr`. `align` and `tag` are the block's
 * (as Block), for the client's information: commitMoves() carries the block's own.
 */
export interface DefragMove {
  ptr: number
  newPtr: number
  size: number
  align?: number
  tag?: string
}

/** The layout figures of HeapStats that a plan changes (same definitions). */
export interface LayoutStats {
  largestFree: number
  freeRanges: number
  fragmentation: number
  sawicki: number
}

export interface DefragPlan {
  goal: DefragGoal
  /** In increasing `ptr` order. Destinations are free now, disjoint from every block and from each other. */
  moves: DefragMove[]
  bytesMoved: number
  before: LayoutStats
  /** The stats once every move is committed (no move skipped, nothing else changed in between). */
  after: LayoutStats
}

export interface HeapStats {
  size: number
  used: number
  free: number
  /** Size of the largest free range (exact). */
  largestFree: number
  liveBlocks: number
  freeRanges: number
  /** 1 - largestFree / free; 0 when nothing is free. */
  fragmentation: number
  /** Sawicki's metric: 1 - sqrt(sum f^2) / sum f over free ranges f; 0 when nothing is free. */
  sawicki: number
  peakUsed: number
  peakLiveBlocks: number
  allocs: number
  frees: number
  reallocs: number
  failedAllocs: number
}

/** Used bytes per equal-width bucket of [from, to). The last bucket may be narrower. */
export interface Occupancy {
  from: number
  to: number
  bucketSize: number
  buckets: { offset: number; size: number; used: number }[]
}

export interface Allocator {
  readonly size: number
  readonly strategy: Strategy
  readonly alignment: number
  /**
   * Pointer (offset) of a new block of exactly `size` bytes, aligned to max(align, heap alignment).
   * `align` (when given) and `tag` are kept with the block (see Block): a block without them costs
   * no more memory, a tagged one an entry in a Map. Throws AllocatorError.
   */
  alloc(size: number, align?: number, tag?: string): number
  /** Frees the block starting at `ptr`. Throws InvalidPointerError. */
  free(ptr: number): void
  /**
   * free() answering the block as it was (with align and tag), for a caller that reports it: one
   * lookup of `ptr`, where block() then free() would take two. A separate method, so that free()
   * builds no object its callers do not read.
   */
  freeBlock(ptr: number): Block
  /** Resizes a block: in place when it can, else moves it, with its requested alignment and tag. On failure the block is unchanged. */
  realloc(ptr: number, size: number): number
  /** Size of the live block starting at `ptr`, or undefined. */
  sizeOf(ptr: number): number | undefined
  /** The live block starting at `ptr` (with align and tag), or undefined. O(1) expected. */
  block(ptr: number): Block | undefined
  /** Tag of the live block starting at `ptr`, or undefined (no such block, or no tag). O(1) expected. */
  tagOf(ptr: number): string | undefined
  /** O(1). */
  stats(): HeapStats
  /** Live blocks in address order (with align and tag), starting with the first block whose ptr >= `from` (O(log n) seek). */
  blocks(from?: number): IterableIterator<Block>
  /** Free ranges in address order, starting with the first range whose offset >= `from`. */
  freeRanges(from?: number): IterableIterator<FreeRange>
  /** Used and free segments in address order, tiling [0, size), starting with the segment that contains `from`; used ones carry their block's align and tag. */
  segments(from?: number): IterableIterator<Segment>
  /** Used bytes per bucket over [from, to) (default the whole heap); cost O(segments in range + buckets). */
  occupancy(buckets: number, from?: number, to?: number): Occupancy
  /**
   * occupancy() as work in slices of at most `segmentsPerSlice` segments (16,384 by default): each
   * next() runs one slice and the last answers the occupancy, so a caller can let other work run
   * between slices. The heap may change between them: each byte of [from, to) is counted as the
   * heap was when its slice ran.
   */
  occupancyInSlices(buckets: number, from?: number, to?: number, segmentsPerSlice?: number): Generator<void, Occupancy, void>
  /**
   * Claims exactly [ptr, ptr + size) when it lies inside one free range (padding around it stays
   * free); throws otherwise. For restoring a known layout (durability, undo), not for placement policy.
   */
  allocAt(ptr: number, size: number): void
  /**
   * Offsets of the free ranges in the order the strategy keeps them. tlsf: bins by increasing
   * size, each bin's list from its head; this order is history (which range was freed or split
   * when), and it decides later picks. first-fit and best-fit: address order, since their picks
   * follow from the layout alone. Cold code, for snapshots: O(free ranges).
   */
  freeOrder(): number[]
  /**
   * Re-files the free ranges in `offsets` order, which must name every free range once (as
   * freeOrder() answers); throws InvalidArgumentError otherwise, changing nothing. A heap with the
   * same blocks (same alignments) and the same free order makes the same later placements as the
   * heap the order was taken from (see snapshot.ts). Not undone by atomically(). O(free ranges).
   */
  restoreFreeOrder(offsets: readonly number[]): void
  /**
   * The heap as data: blocks, free order and history counters. restoreAllocator(snapshot) builds
   * a heap that makes the same later placements, whatever the strategy. Cold: O(live blocks +
   * free ranges); the snapshot shares nothing with the heap.
   */
  snapshot(): AllocatorSnapshot
  /**
   * Runs `fn`; if it throws, every change it made (layout, tags and counters) is undone before the error
   * propagates, so the heap is exactly as before. Cost of the undo: O(changes made by fn).
   */
  atomically<T>(fn: () => T): T
  /**
   * A plan of block moves that defragments the heap (see docs/defrag.md); pure: reads the layout,
   * changes nothing. `hole` throws OutOfMemoryError when no plan within the limits makes the
   * range, InvalidArgumentError for bad options. O(n log n) in segments.
   */
  planDefrag(options?: DefragOptions): DefragPlan
  /**
   * Claims every move's destination [newPtr, newPtr + size) exactly, so that no alloc, realloc or
   * other reserve takes any part of it. Each source must be a live block of `size` bytes whose
   * alignment newPtr respects; each destination must lie inside one free range, disjoint from the
   * others. Throws InvalidArgumentError, changing nothing, otherwise. Reserved bytes count as used
   * in stats (not free, no live block) and show in segments() as `reserved`.
   */
  reserve(moves: readonly DefragMove[]): void
  /**
   * Applies reserved moves: each block at `ptr` (not in `skipped`, a set of source ptrs) becomes a
   * block at `newPtr` with its size, requested alignment and tag, its old range freed; skipped
   * moves' reservations are released. Throws InvalidArgumentError, changing nothing, when a source
   * is not that live block or a destination is not exactly reserved. Counts no alloc nor free.
   */
  commitMoves(moves: readonly DefragMove[], skipped?: ReadonlySet<number>): void
  /** Releases every move's reservation (an aborted plan). Throws InvalidArgumentError, changing nothing, when one is not reserved. */
  releaseReservations(moves: readonly DefragMove[]): void
  /** Frees every block and releases every reservation (and forgets their tags); counters (allocs, frees, peaks) are kept. */
  reset(): void
  /**
   * Bytes of bookkeeping in typed arrays: node storage, pointer map and the strategy's index
   * (capacity, not just what is in use). Divide by liveBlocks for the per-block cost.
   */
  bookkeepingBytes(): number
  /** Verifies every invariant; throws an Error describing the first violation. O(n), for tests. */
  check(): void
}
