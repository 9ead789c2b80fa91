/** How registry objects appear in responses. */
import type { Heap } from '../registry/heap.js'
import { encodeCursor } from '../registry/cursor.js'
import type { HeapSummary } from '../registry/store/postgres/store.js'

/** What a heap's representation reads: a Heap, or a heap listed from the shared store (summaryView). */
export type HeapView = Pick<Heap, 'id' | 'size' | 'strategy' | 'alignment' | 'createdAt' | 'name' | 'stats' | 'recording'>

/** A heap as the shared store lists it, without loading it. */
export function summaryView ({ description, stats }: HeapSummary): HeapView {
  return {
    id: description.id,
    size: description.size,
    strategy: description.strategy,
    alignment: description.alignment,
    createdAt: description.createdAt,
    name: description.name,
    stats: () => stats,
    recording: undefined
  }
}

/** A heap as clients see it; `expiresAt` when idle heaps expire (Registry.expiresAt). */
export function heapJson (heap: HeapView, expiresAt?: Date) {
  const json: {
    id: string,
    size: number,
    strategy: Heap['strategy'],
    alignment: number,
    name?: string,
    createdAt: string,
    expiresAt?: string,
    stats: ReturnType<Heap['stats']>,
    recording?: { ops: number, complete: boolean }
  } = { id: heap.id, size: heap.size, strategy: heap.strategy, alignment: heap.alignment, createdAt: heap.createdAt, stats: heap.stats() }
  if (heap.name !== undefined) json.name = heap.name
  if (expiresAt !== undefined) json.expiresAt = expiresAt.toISOString()
  if (heap.recording !== undefined) json.recording = { ops: heap.recording.length, complete: heap.recording.complete }
  return json
}

export function nextCursor (next: number | null): string | null {
  return next === null ? null : encodeCursor(next)
}

export function heapPath (heapId: string): string {
  return `/heaps/${heapId}`
}

export function blockPath (heapId: string, ptr: number): string {
  return `/heaps/${heapId}/blocks/${ptr}`
}
