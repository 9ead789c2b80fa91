/**
 * A store keeps the registry's heaps somewhere (memory, a SQLite file) and gives them back when the
 * service starts. One interface, one file per engine: the routes and the registry's logic never
 * know which engine holds the heaps.
 *
 * Writing: the store hears every change through `events` (events.ts). Each change is committed
 * before the hook returns, so before it is answered, and one change (a whole batch included) is
 * one transaction. A store that cannot commit throws StoreUnavailableError: the heap rolls the
 * change back and the client is answered 503.
 *
 * Reading: `load()` answers what the store holds as data; the registry rebuilds its heaps from it
 * (registry.load, rebuild.ts). A store never calls into the registry.
 */
import type { Block, HistoryCounters } from '../../allocator/types.js'
import type { HeapDescription, Mutation, RegistryEvents } from '../events.js'
import type { IdempotencyRecord } from '../idempotency.js'
import type { Plan } from '../defrag.js'
import type { RecordedEntry } from '../recording.js'

/** The history counters of a heap, as recorded with its last change. */
export type StoredCounters = HistoryCounters

/** One replayable step of a tlsf heap's history: a change, or an atomic batch that was undone. */
export type StoredOp = Mutation | { op: 'rolled-back', mutations: Mutation[] }

/** A heap's layout at some moment: blocks in address order (tags not needed) and the free order. */
export interface StoredSnapshot {
  blocks: Block[]
  freeOrder: number[]
}

/**
 * tlsf heaps: where their history starts and what happened since. Their free lists' order, which
 * decides later pointers, is history; the layout alone does not give it (rebuild.ts).
 */
export interface StoredHistory {
  /** The heap at the start of `ops`; the empty heap when undefined. */
  snapshot?: StoredSnapshot
  /** Read lazily (a journal may be long); consumed before the next heap is read. */
  ops: Iterable<StoredOp>
}

export interface StoredHeap {
  description: HeapDescription
  seq: number
  /** Every live block in address order, with its requested alignment and tag: the authority on layout. */
  blocks: Block[]
  counters: StoredCounters
  history?: StoredHistory
  /** The heap's defragmentation plan, open (its reservations to restore) or committed and not yet expired. */
  plan?: Plan
  /** A recording heap's history (recording.ts), read before the next heap is. */
  recording?: StoredRecording
}

export interface StoredRecording {
  entries: Iterable<RecordedEntry>
  /** False when the recording stopped at its limit. */
  complete: boolean
}

export interface Store {
  /** Where the heaps are kept, for log lines and messages ("memory", a file name). */
  readonly location: string
  /** The hook the registry announces its changes to. */
  readonly events: RegistryEvents
  /** Every heap the store holds, in creation order. Called once, before any change. */
  load: () => Iterable<StoredHeap>
  /** The Idempotency-Keys the store kept with their answers, not yet expired (Registry.loadKeys). */
  loadKeys: () => Iterable<IdempotencyRecord>
  /**
   * False while the store cannot commit (readiness answers 503). A store that failed tries again
   * here, at most about once a second, and answers true once it commits again.
   */
  ready: () => boolean
  close: () => void
}
