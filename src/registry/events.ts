/**
 * The one place where every successful change to the registry is announced.
 *
 * Heaps change only through Registry and Heap methods, and each of them reports what it did here,
 * after the change succeeded, with the data needed to replay it exactly (pointers included, so a
 * replay can use allocAt and rebuild the identical layout). Durability (a SQLite journal) and
 * metrics hang off this interface instead of being threaded through every route.
 *
 * The hook is synchronous on purpose: it runs before the HTTP response is sent and before any other
 * request can touch the heap, so a journal commits changes in the order they happened and nothing
 * is acknowledged before it is recorded. If the hook throws, the heap's change is rolled back
 * (allocator.atomically) and the error propagates, so memory never gets ahead of the journal.
 */
import type { Strategy } from '../allocator/types.js'

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
}

export type Change =
  /** `seq` is the heap's place in the registry's creation order (the heap list's cursor key). */
  | { kind: 'heap-created', heap: HeapDescription, seq: number }
  | { kind: 'heap-deleted', heapId: string }
  /** One request's worth of block changes (a single op, or the successful ops of a batch), in order. */
  | { kind: 'mutations', heapId: string, mutations: Mutation[] }
  | { kind: 'heap-reset', heapId: string }
  /**
   * An atomic batch failed after applying `mutations`, and they were undone. The layout is as
   * before, but the undo may leave a tlsf heap's free lists in another order, which decides later
   * pointers: a journal that replays history records this to replay the same undo.
   */
  | { kind: 'rolled-back', heapId: string, mutations: Mutation[] }
  /**
   * The heap's history counters changed with no block changing: refused allocs count in
   * failedAllocs. A journal keeps the counters with the blocks, so it records them again.
   */
  | { kind: 'counted', heapId: string }

export interface RegistryEvents {
  changed (change: Change): void
}

/** The default: an in-memory registry with nothing listening. */
export const noEvents: RegistryEvents = { changed () {} }
