/**
 * Rebuilding a heap's allocator from what the store recorded, so that later pointers are exactly
 * those the process would have answered had it never stopped.
 *
 * first-fit and best-fit: the choice depends only on the layout (free ranges ordered by address,
 * or by size then address), so the live blocks suffice: `layOut` (allocator/snapshot.ts) claims
 * them in address order, each with its alignment. Cost O(live blocks).
 *
 * tlsf: the pick inside a bin is the head of its free list, and list order depends on the order
 * ranges were freed, split and merged (history), not on the layout alone. So the store keeps a
 * snapshot (blocks with their alignment + the free order, allocator/snapshot.ts) taken at some
 * moment, and the ops since then; `rebuildTlsf` restores the snapshot, then `replay` runs the ops
 * through the allocator again, checking every ptr against the recorded one. A failed atomic batch
 * is replayed too (applied, then undone), because its undo reorders lists. With no snapshot (the
 * heap emptied or was reset since, or a file written before snapshots existed) the replay starts
 * from the empty heap. The store takes a new snapshot when the ops outgrow the live blocks (see
 * store.ts), so the cost is O(live blocks + ops since the snapshot) = O(live blocks) amortised.
 *
 * Counters (allocs, frees, peaks, ...) are set from the recorded values afterwards.
 */
import { HeapAllocator } from '../../allocator/allocator.js'
import { restoreSnapshot, type AllocatorSnapshot } from '../../allocator/snapshot.js'
import type { Allocator } from '../../allocator/types.js'
import type { Mutation } from '../events.js'

export interface StoredBlock {
  ptr: number
  size: number
  align?: number
  tag?: string
}

/** One replayable step of a tlsf heap's history. */
export type StoredOp = Mutation | { op: 'rolled-back', mutations: Mutation[] }

export interface StoredCounters {
  allocs: number
  frees: number
  reallocs: number
  failedAllocs: number
  peakUsed: number
  peakLiveBlocks: number
}

export class RestoreMismatchError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'RestoreMismatchError'
  }
}

/** Restores `snapshot` (when there is one) in an empty tlsf allocator, then replays `ops`; throws on any divergence. */
export function rebuildTlsf (allocator: Allocator, snapshot: AllocatorSnapshot | undefined, ops: Iterable<StoredOp>): void {
  if (snapshot !== undefined) restoreSnapshot(allocator, snapshot)
  replay(allocator, ops)
}

/** How many allocator steps replaying `op` costs: the measure of a journal's length. */
export function replaySteps (op: StoredOp): number {
  return op.op === 'rolled-back' ? Math.max(1, op.mutations.length) : 1
}

const UNDO = Symbol('undo the replayed batch')

/** Runs the recorded history through an empty allocator; throws RestoreMismatchError on any divergence. */
export function replay (allocator: Allocator, ops: Iterable<StoredOp>): void {
  for (const op of ops) {
    if (op.op === 'rolled-back') {
      try {
        allocator.atomically(() => {
          for (const mutation of op.mutations) apply(allocator, mutation)
          throw UNDO
        })
      } catch (error) {
        if (error !== UNDO) throw error
      }
    } else {
      apply(allocator, op)
    }
  }
}

function apply (allocator: Allocator, mutation: Mutation): void {
  switch (mutation.op) {
    case 'alloc': {
      const ptr = allocator.alloc(mutation.size, mutation.align)
      if (ptr !== mutation.ptr) throw new RestoreMismatchError(`alloc(${mutation.size}) replayed at ${ptr}, recorded at ${mutation.ptr}`)
      return
    }
    case 'free':
      allocator.free(mutation.ptr)
      return
    case 'realloc': {
      const ptr = allocator.realloc(mutation.from, mutation.size)
      if (ptr !== mutation.ptr) throw new RestoreMismatchError(`realloc(${mutation.from}, ${mutation.size}) replayed at ${ptr}, recorded at ${mutation.ptr}`)
    }
  }
}

/** True when the allocator's live blocks are exactly `blocks` (sorted by ptr). */
export function sameLayout (allocator: Allocator, blocks: readonly StoredBlock[]): boolean {
  let i = 0
  for (const block of allocator.blocks()) {
    const stored = blocks[i++]
    if (stored === undefined || stored.ptr !== block.ptr || stored.size !== block.size) return false
  }
  return i === blocks.length
}

/**
 * Sets the history counters to the recorded values (a rebuild counts its own allocs and frees).
 * Only the library's own allocator exposes them; another one (a test double) keeps its counts.
 */
export function restoreCounters (allocator: Allocator, counters: StoredCounters): void {
  if (!(allocator instanceof HeapAllocator)) return
  allocator.counters.restore({ ...allocator.counters.snapshot(), ...counters })
}
