/**
 * Rebuilding a heap's allocator from what the store recorded, so that later pointers are exactly
 * those the process would have answered had it never stopped.
 *
 * first-fit and best-fit: the choice depends only on the layout (free ranges ordered by address,
 * or by size then address), so the live blocks suffice. `layFromBlocks` rebuilds them in address
 * order while every lower address is claimed (gaps by temporary fillers), so the only free range
 * is the tail starting at the block: allocAt for a plain block, and alloc(size, align) for a block
 * that asked for a larger alignment, which lands on the same ptr and, unlike allocAt, keeps that
 * alignment for a later moving realloc. Then the fillers are freed. Cost O(live blocks).
 *
 * tlsf: the pick inside a bin is the head of its free list, and list order depends on the order
 * ranges were freed, split and merged (history), not on the layout alone. So the store keeps the
 * ops since the heap was last empty (an empty heap is one free range: nothing to order) and
 * `replay` runs them through the allocator again, checking every ptr against the recorded one.
 * A failed atomic batch is replayed too (applied, then undone), because its undo reorders lists.
 * Cost O(ops since the heap was last empty or reset).
 *
 * Counters (allocs, frees, peaks, ...) are set from the recorded values afterwards.
 */
import { HeapAllocator } from '../../allocator/allocator.js'
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

/** Claims every block of `blocks` (sorted by ptr) in an empty allocator, at its recorded place. */
export function layFromBlocks (allocator: Allocator, blocks: readonly StoredBlock[]): void {
  const fillers: number[] = []
  let end = 0
  for (const block of blocks) {
    if (block.ptr > end) {
      allocator.allocAt(end, block.ptr - end)
      fillers.push(end)
    }
    if (block.align !== undefined && block.align > allocator.alignment) {
      const ptr = allocator.alloc(block.size, block.align)
      if (ptr !== block.ptr) throw new RestoreMismatchError(`block ${block.ptr} came back at ${ptr}`)
    } else {
      allocator.allocAt(block.ptr, block.size)
    }
    end = block.ptr + block.size
  }
  for (const ptr of fillers) allocator.free(ptr)
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
