/**
 * The heaps of this process, keyed by unguessable ID. Heaps are independent: each has its own
 * allocator. The registry enforces the heap-level limits and lists heaps in creation order with a
 * cursor that survives deletes.
 */
import { createAllocator } from '../allocator/index.js'
import type { Allocator, Strategy } from '../allocator/types.js'
import type { Page } from './cursor.js'
import { HeapNotFoundError, QuotaExceededError } from './errors.js'
import { noEvents, type HeapDescription, type RegistryEvents } from './events.js'
import { Heap, type BlockView } from './heap.js'
import { newHeapId } from './ids.js'

export interface RegistryLimits {
  maxHeaps: number
  maxHeapSize: number
  maxBlocksPerHeap: number
}

export interface RegistryOptions {
  limits: RegistryLimits
  /** Builds a heap's allocator; the allocator library's createAllocator unless a test swaps it. */
  createAllocator?: (options: { size: number, strategy?: Strategy, alignment?: number }) => Allocator
  events?: RegistryEvents
  /** The clock for `createdAt`; tests may pin it. */
  now?: () => Date
}

export interface CreateHeap {
  size: number
  strategy?: Strategy
  alignment?: number
  name?: string
}

export class Registry {
  private readonly heaps = new Map<string, Heap>()
  // Heaps in creation order for paging; deleted heaps linger until the next compaction.
  private order: Heap[] = []
  private nextSeq = 1
  private readonly limits: RegistryLimits
  private readonly createAllocator: NonNullable<RegistryOptions['createAllocator']>
  private readonly events: RegistryEvents
  private readonly now: () => Date

  constructor (options: RegistryOptions) {
    this.limits = options.limits
    this.createAllocator = options.createAllocator ?? createAllocator
    this.events = options.events ?? noEvents
    this.now = options.now ?? (() => new Date())
  }

  get count (): number {
    return this.heaps.size
  }

  create (spec: CreateHeap): Heap {
    const { maxHeaps, maxHeapSize, maxBlocksPerHeap } = this.limits
    if (this.heaps.size >= maxHeaps) {
      throw new QuotaExceededError('maxHeaps', maxHeaps, `${maxHeaps} heaps exist already`)
    }
    if (spec.size > maxHeapSize) {
      throw new QuotaExceededError('maxHeapSize', maxHeapSize, `a heap of ${spec.size} bytes is larger than allowed`)
    }
    const allocatorOptions: { size: number, strategy?: Strategy, alignment?: number } = { size: spec.size }
    if (spec.strategy !== undefined) allocatorOptions.strategy = spec.strategy
    if (spec.alignment !== undefined) allocatorOptions.alignment = spec.alignment
    const allocator = this.createAllocator(allocatorOptions)
    const heap = new Heap({
      id: newHeapId(),
      seq: this.nextSeq++,
      allocator,
      ...(spec.name !== undefined ? { name: spec.name } : {}),
      createdAt: this.now().toISOString(),
      maxBlocks: maxBlocksPerHeap,
      events: this.events
    })
    this.heaps.set(heap.id, heap)
    this.order.push(heap)
    try {
      this.events.changed({ kind: 'heap-created', heap: heap.describe(), seq: heap.seq })
    } catch (error) {
      this.heaps.delete(heap.id)
      this.order.pop()
      throw error
    }
    return heap
  }

  /**
   * Re-creates a heap that a durable store recorded, under its old ID and sequence number, without
   * announcing it (it is recorded already) and without the creation limits (it was admitted once).
   * `rebuild` gets the fresh allocator, rebuilds the layout in it and returns the blocks' tags and
   * requested alignments. Restore heaps in sequence order, before new ones are created.
   */
  restore (description: HeapDescription, seq: number, rebuild: (allocator: Allocator) => Iterable<BlockView>): Heap {
    if (this.heaps.has(description.id)) throw new Error(`heap ${description.id} exists already`)
    const allocator = this.createAllocator({ size: description.size, strategy: description.strategy, alignment: description.alignment })
    const heap = new Heap({
      id: description.id,
      seq,
      allocator,
      ...(description.name !== undefined ? { name: description.name } : {}),
      createdAt: description.createdAt,
      maxBlocks: this.limits.maxBlocksPerHeap,
      events: this.events,
      meta: rebuild(allocator)
    })
    this.heaps.set(heap.id, heap)
    this.order.splice(firstAtOrAfter(this.order, seq), 0, heap)
    this.nextSeq = Math.max(this.nextSeq, seq + 1)
    return heap
  }

  /** The heap with this ID; throws HeapNotFoundError. */
  get (id: string): Heap {
    const heap = this.heaps.get(id)
    if (heap === undefined) throw new HeapNotFoundError(id)
    return heap
  }

  delete (id: string): void {
    this.get(id)
    this.events.changed({ kind: 'heap-deleted', heapId: id })
    this.heaps.delete(id)
    if (this.order.length > 2 * this.heaps.size + 64) this.order = this.order.filter((heap) => this.isLive(heap))
  }

  /** Heaps in creation order, from the first created at or after sequence number `from`. */
  list (from: number, limit: number): Page<Heap> {
    const items: Heap[] = []
    for (let i = firstAtOrAfter(this.order, from); i < this.order.length; i++) {
      const heap = this.order[i]!
      if (!this.isLive(heap)) continue
      if (items.length === limit) return { items, next: heap.seq }
      items.push(heap)
    }
    return { items, next: null }
  }

  private isLive (heap: Heap): boolean {
    return this.heaps.get(heap.id) === heap
  }
}

/** Index of the first heap whose seq >= `seq` in a list sorted by seq (binary search). */
function firstAtOrAfter (heaps: readonly Heap[], seq: number): number {
  let low = 0
  let high = heaps.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if (heaps[mid]!.seq < seq) low = mid + 1
    else high = mid
  }
  return low
}
