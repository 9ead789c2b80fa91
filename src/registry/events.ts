/**
 * The one place where every successful change to the registry is announced.
 *
 * Heaps change only through Registry and Heap methods, and each of them reports what it did here
 * with the data needed to record it: pointers included (so that a journal can replay them), and a
 * HeapState through which a store reads the heap's counters or takes its snapshot. A store never
 * looks a heap up in the registry: what an event carries is all it gets.
 *
 * The hook is synchronous on purpose: it runs before the HTTP response is sent and before any other
 * request can touch the heap, so a journal commits changes in the order they happened and nothing
 * is acknowledged before it is recorded. If the hook throws, the heap's change is rolled back
 * (allocator.atomically) and the error propagates, so memory never gets ahead of the journal.
 */
import type { AllocatorSnapshot, DefragMove, HeapStats, Strategy } from '../allocator/types.js'
import type { CommitResult, Plan } from './defrag.js'
import type { IdempotencyRecord } from './idempotency.js'
import type { Recording } from './recording.js'

export type Mutation =
  | { op: 'alloc', ptr: number, size: number, align?: number, tag?: string }
  | { op: 'free', ptr: number }
  /** `from` is the block's old pointer, `ptr` its pointer after the resize (equal when in place). */
  | { op: 'realloc', from: number, ptr: number, size: number }

export interface HeapDescription {
  id: string
  size: number
  strategy: Strategy
  alignment: number
  name?: string
  /** The owning tenant, when API keys are configured. */
  tenant?: string
  createdAt: string
  /** The heap records its history (recording.ts). */
  record?: boolean
}

/** A heap as a store may read it while recording a change, in the state the change left (but see heap-reset). */
export interface HeapState {
  /** O(1). */
  stats: () => HeapStats
  /** The heap as data (blocks with alignment and tag, free order, counters). Cold: O(live blocks). */
  snapshot: () => AllocatorSnapshot
  /** A recording heap's history, to keep with each change (its new ops are the change's). */
  recording?: Recording | undefined
}

/**
 * `answered`: the Idempotency-Key record of the request this change answers (idempotency.ts), to
 * commit in the same transaction, so that after a crash the change and its answer both exist or
 * neither does.
 */
export type Change = (
  /** `seq` is the heap's place in the registry's creation order (the heap list's cursor key). */
  | { kind: 'heap-created', heap: HeapDescription, seq: number, state: HeapState }
  | { kind: 'heap-deleted', heapId: string }
  /** One request's worth of block changes (a single op, or the successful ops of a batch), in order. */
  | { kind: 'mutations', heapId: string, mutations: Mutation[], state: HeapState }
  /**
   * Announced just before the reset, which cannot fail: `state` is the heap before it. A reset
   * keeps the history counters and leaves no block, no reservation and no defragmentation plan
   * (as a delete does).
   */
  | { kind: 'heap-reset', heapId: string, state: HeapState }
  /**
   * An atomic batch failed after applying `mutations`, and they were undone (this is announced
   * after the undo). The layout is as before, but the undo may leave a tlsf heap's free lists in
   * another order, which decides later pointers: a store records the undo, or the heap's snapshot.
   */
  | { kind: 'rolled-back', heapId: string, mutations: Mutation[], state: HeapState }
  /**
   * The heap's history counters changed with no block changing: refused allocs count in
   * failedAllocs. A journal keeps the counters with the blocks, so it records them again.
   */
  | { kind: 'counted', heapId: string, state: HeapState }
  /**
   * A heap was rebuilt from its blocks on load because its recorded history did not replay to
   * them: the store records it whole (a snapshot), so that the next load rebuilds it exactly.
   */
  | { kind: 'rebuilt', heapId: string, state: HeapState }
  /**
   * A defragmentation plan was made (defrag.ts): its destinations are reserved in the heap, its
   * sources pinned, until it is committed or ends. `plan` is all a store keeps to give it back.
   */
  | { kind: 'defrag-planned', heapId: string, plan: Plan, state: HeapState }
  /**
   * The plan's blocks moved: every move but those whose source is in `skipped` (their reservations
   * released). `result` is what every commit of the plan answers until it expires.
   */
  | { kind: 'defrag-committed', heapId: string, planId: string, moves: DefragMove[], skipped: number[], result: CommitResult, state: HeapState }
  /** The open plan was aborted by its client or expired: its reservations are released, nothing moved. */
  | { kind: 'defrag-ended', heapId: string, planId: string, moves: DefragMove[], reason: 'aborted' | 'expired', state: HeapState }
) & { answered?: IdempotencyRecord }
  /** A keyed request's answer alone: a refusal that changed nothing, or a reset, announced after it happened. */
  | { kind: 'answered', record: IdempotencyRecord }

export interface RegistryEvents {
  changed: (change: Change) => void
}

/** The default: an in-memory registry with nothing listening. */
export const noEvents: RegistryEvents = { changed () {} }
