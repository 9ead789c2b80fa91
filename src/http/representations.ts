/** How registry objects appear in responses. */
import type { Heap } from '../registry/heap.js'
import { encodeCursor } from '../registry/cursor.js'

export function heapJson (heap: Heap) {
  const json: {
    id: string, size: number, strategy: Heap['strategy'], alignment: number, name?: string, createdAt: string, stats: ReturnType<Heap['stats']>
  } = { id: heap.id, size: heap.size, strategy: heap.strategy, alignment: heap.alignment, createdAt: heap.createdAt, stats: heap.stats() }
  if (heap.name !== undefined) json.name = heap.name
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
