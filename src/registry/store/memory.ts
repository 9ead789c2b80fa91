/** The default store: heaps live in this process only and are gone when it stops. */
import { noEvents } from '../events.js'
import type { IdempotencyRecord } from '../idempotency.js'
import type { Store, StoredHeap } from './store.js'

export class MemoryStore implements Store {
  readonly location = 'memory'
  // noEvents itself, so that heaps keep their fast path when nobody records changes (heap.ts).
  readonly events = noEvents
  load (): Iterable<StoredHeap> { return [] }
  // Keys live in the registry's table alone.
  loadKeys (): Iterable<IdempotencyRecord> { return [] }
  ready (): boolean { return true }
  close (): void {}
}
