/**
 * Rebuilding a heap's allocator from what a store loaded, so that later pointers are exactly those
 * the process would have answered had it never stopped. Only the allocator's public API is used:
 * createAllocator, restoreAllocator (a heap from data) and replay through alloc/free/realloc.
 *
 * first-fit and best-fit: the choice depends only on the layout (free ranges ordered by address,
 * or by size then address), so the live blocks suffice: they are restored with the free ranges in
 * address order. Cost O(live blocks).
 *
 * tlsf: the pick inside a bin is the head of its free list, and list order depends on the order
 * ranges were freed, split and merged (history), not on the layout alone. So a store keeps a
 * snapshot (blocks + free order) taken at some moment, and the ops since then: the snapshot is
 * restored, the ops replayed (each pointer checked against the recorded one, a failed atomic batch
 * applied then undone, as its undo reorders lists), and the result must hold exactly the recorded
 * blocks. The final heap takes its free order from that replay, its blocks (tags, alignments) and
 * counters from the record. A history that does not replay to the recorded blocks is set aside:
 * the blocks are the authority, laid out with their free ranges in address order (`exact` false;
 * the store records a snapshot of that heap so the next load is exact again).
 *
 * An open defragmentation plan's destinations are reserved in the rebuilt heap (they are neither
 * blocks nor free). A store records a tlsf heap's snapshot afresh at every plan change, so a
 * snapshot taken while a plan is open holds that plan's reservations, and one taken otherwise none.
 */
import { createAllocator, restoreAllocator } from '../allocator/index.js'
import type { Allocator, AllocatorOptions, Block, Reservation } from '../allocator/types.js'
import type { Mutation } from './events.js'
import type { StoredHeap, StoredHistory, StoredOp } from './store/store.js'
import type { SharedHeapRecord } from './store/postgres/store.js'

export interface Rebuilt {
  allocator: Allocator
  /** tlsf ops replayed. */
  replayed: number
  /** Whether the replay began from a snapshot. */
  fromSnapshot: boolean
  /** False when the history did not replay and the heap was laid out from its blocks. */
  exact: boolean
}

export class ReplayMismatchError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'ReplayMismatchError'
  }
}

const NO_COUNTS = { allocs: 0, frees: 0, reallocs: 0, failedAllocs: 0, peakUsed: 0, peakLiveBlocks: 0 }

export function rebuildAllocator (stored: StoredHeap): Rebuilt {
  const { size, strategy, alignment } = stored.description
  const options = { size, strategy, alignment }
  const reservations = reservationsOf(stored)
  if (stored.history !== undefined) {
    const tally = { ops: 0 }
    try {
      const replayed = replayHistory(options, stored.history, reservations, tally)
      if (!sameLayout(replayed, stored.blocks)) throw new ReplayMismatchError('the replayed layout differs from the recorded blocks')
      const allocator = restoreAllocator({ ...options, blocks: stored.blocks, reservations, freeOrder: replayed.freeOrder(), counters: stored.counters })
      return { allocator, replayed: tally.ops, fromSnapshot: stored.history.snapshot !== undefined, exact: true }
    } catch {
      // Fall through: the blocks alone, below.
    }
  }
  const allocator = restoreAllocator({ ...options, blocks: stored.blocks, reservations, freeOrder: freeRangesOf(size, stored.blocks, reservations), counters: stored.counters })
  return { allocator, replayed: 0, fromSnapshot: false, exact: stored.history === undefined }
}

function replayHistory (options: Required<AllocatorOptions>, history: StoredHistory, reservations: Reservation[], tally: { ops: number }): Allocator {
  const { snapshot } = history
  const allocator = snapshot === undefined || snapshot.blocks.length === 0
    ? createAllocator(options)
    : restoreAllocator({ ...options, ...snapshot, reservations, counters: NO_COUNTS })
  replay(allocator, history.ops, tally)
  return allocator
}

/**
 * A heap of the shared store (PostgreSQL): its snapshot (none: empty) and every change since,
 * replayed in order; the counters are those recorded with the last change. Every strategy replays,
 * since the record holds no separate layout to check against: each pointer is checked instead.
 */
export function rebuildShared (record: SharedHeapRecord): Allocator {
  const { size, strategy, alignment } = record.description
  const allocator = record.snapshot === undefined ? createAllocator({ size, strategy, alignment }) : restoreAllocator(record.snapshot)
  let counters
  for (const change of record.changes) {
    if (change.kind === 'mutations') replay(allocator, change.mutations)
    else if (change.kind === 'rolled-back') replay(allocator, [{ op: 'rolled-back', mutations: change.mutations }])
    else if (change.kind === 'reset') allocator.reset()
    counters = change.counters
  }
  return counters === undefined ? allocator : restoreAllocator({ ...allocator.snapshot(), counters })
}

const UNDO = Symbol('undo the replayed batch')

/** Runs recorded history through `allocator`; throws ReplayMismatchError on any divergence. */
export function replay (allocator: Allocator, ops: Iterable<StoredOp>, tally = { ops: 0 }): void {
  for (const op of ops) {
    tally.ops++
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
      const ptr = allocator.alloc(mutation.size, mutation.align, mutation.tag)
      if (ptr !== mutation.ptr) throw new ReplayMismatchError(`alloc(${mutation.size}) replayed at ${ptr}, recorded at ${mutation.ptr}`)
      return
    }
    case 'free':
      allocator.free(mutation.ptr)
      return
    case 'realloc': {
      const ptr = allocator.realloc(mutation.from, mutation.size)
      if (ptr !== mutation.ptr) throw new ReplayMismatchError(`realloc(${mutation.from}, ${mutation.size}) replayed at ${ptr}, recorded at ${mutation.ptr}`)
    }
  }
}

/** True when the allocator's live blocks are exactly `blocks` (address order), ptr and size. */
function sameLayout (allocator: Allocator, blocks: readonly Block[]): boolean {
  let i = 0
  for (const block of allocator.blocks()) {
    const stored = blocks[i++]
    if (stored === undefined || stored.ptr !== block.ptr || stored.size !== block.size) return false
  }
  return i === blocks.length
}

/** The destinations of the heap's open defragmentation plan, in address order; none when no plan is open. */
function reservationsOf (stored: StoredHeap): Reservation[] {
  const plan = stored.plan
  if (plan === undefined || plan.committed !== undefined) return []
  return plan.moves.map((move) => ({ offset: move.newPtr, size: move.size })).sort((a, b) => a.offset - b.offset)
}

/** Offsets of the free ranges between `blocks` and `reservations` (each in address order) in a heap of `size` bytes. */
function freeRangesOf (size: number, blocks: readonly Block[], reservations: readonly Reservation[]): number[] {
  const taken = [...blocks.map((block) => ({ offset: block.ptr, size: block.size })), ...reservations]
  if (reservations.length > 0) taken.sort((a, b) => a.offset - b.offset)
  const offsets: number[] = []
  let end = 0
  for (const range of taken) {
    if (range.offset > end) offsets.push(end)
    end = range.offset + range.size
  }
  if (end < size) offsets.push(end)
  return offsets
}
