/**
 * One heap: an Allocator plus what the service adds on top (name, creation time, each block's tag
 * and requested alignment). Every mutation of a heap is a method here, and each one reports its
 * change to RegistryEvents (see events.ts) and keeps the tag maps consistent on failure.
 */
import type { Allocator, Block, HeapStats, Occupancy, Segment } from '../allocator/types.js'
import { AllocatorError, InvalidPointerError } from '../allocator/errors.js'
import { snapshotOf, type AllocatorSnapshot } from '../allocator/snapshot.js'
import type { Page } from './cursor.js'
import { BatchOpError, QuotaExceededError } from './errors.js'
import { noEvents, type Change, type HeapDescription, type Mutation, type RegistryEvents } from './events.js'

export interface BlockView {
  ptr: number
  size: number
  /** The alignment the client asked for, when it asked for one. */
  align?: number
  tag?: string
}

export interface SegmentView extends Segment {
  ptr?: number
  tag?: string
}

export type BatchOp =
  | { op: 'alloc', size: number, align?: number, tag?: string }
  | { op: 'free', ptr: number }
  | { op: 'realloc', ptr: number, size: number }

export type BatchResult =
  | ({ ok: true, op: 'alloc' | 'free' } & BlockView)
  | ({ ok: true, op: 'realloc', moved: boolean } & BlockView)
  | { ok: false, op: BatchOp['op'], error: AllocatorError | QuotaExceededError }

/** Live blocks across every heap of a registry, against its limit; heaps share one. */
export interface BlockBudget {
  live: number
  readonly max: number
}

/**
 * Undo steps for the tag and alignment maps, run in reverse when a change is rolled back; undefined
 * when nothing can be rolled back (a single op with nobody listening), so that no step is built.
 */
type UndoLog = Array<() => void> | undefined

export interface HeapInit {
  id: string
  seq: number
  allocator: Allocator
  name?: string
  /** The tenant owning the heap; undefined in an open service. */
  tenant?: string
  createdAt: string
  maxBlocks: number
  /** Shared with the other heaps of the registry; a private, unlimited one when omitted. */
  budget?: BlockBudget
  /** Milliseconds since the epoch of the last request that read or changed the heap (idle expiry). */
  touchedAt?: number
  events?: RegistryEvents
  /** Tags and requested alignments of blocks already in the allocator (a heap restored from a store). */
  meta?: Iterable<BlockView>
}

export class Heap {
  readonly id: string
  /** Creation order within the registry: the key of the heap list's cursor. */
  readonly seq: number
  readonly name: string | undefined
  readonly tenant: string | undefined
  readonly createdAt: string
  /** See HeapInit.touchedAt; the registry moves it on every access. */
  touchedAt: number
  private readonly allocator: Allocator
  private readonly maxBlocks: number
  private readonly budget: BlockBudget
  private readonly events: RegistryEvents
  // Only blocks that have a tag or a requested alignment appear here: most blocks cost nothing extra.
  private readonly tags = new Map<number, string>()
  private readonly aligns = new Map<number, number>()

  constructor (init: HeapInit) {
    this.id = init.id
    this.seq = init.seq
    this.name = init.name
    this.tenant = init.tenant
    this.createdAt = init.createdAt
    this.touchedAt = init.touchedAt ?? Date.parse(init.createdAt)
    this.allocator = init.allocator
    this.maxBlocks = init.maxBlocks
    this.budget = init.budget ?? { live: 0, max: Infinity }
    this.events = init.events ?? noEvents
    for (const block of init.meta ?? []) this.setMeta(block.ptr, block)
    this.budget.live += this.liveBlocks
  }

  get size (): number { return this.allocator.size }
  get strategy (): Allocator['strategy'] { return this.allocator.strategy }
  get alignment (): number { return this.allocator.alignment }
  get liveBlocks (): number { return this.allocator.stats().liveBlocks }

  describe (): HeapDescription {
    const description: HeapDescription = {
      id: this.id, size: this.size, strategy: this.strategy, alignment: this.alignment, createdAt: this.createdAt
    }
    if (this.name !== undefined) description.name = this.name
    if (this.tenant !== undefined) description.tenant = this.tenant
    return description
  }

  stats (): HeapStats {
    return this.allocator.stats()
  }

  /** The live block starting at `ptr`; throws InvalidPointerError saying why `ptr` is not one. */
  block (ptr: number): BlockView {
    const size = this.allocator.sizeOf(ptr)
    if (size === undefined) throw this.whyNotABlock(ptr)
    return this.view(ptr, size)
  }

  /** Live blocks in address order from the first with ptr >= `from`. */
  blocks (from: number, limit: number): Page<BlockView> {
    return page(this.allocator.blocks(from), limit, (b: Block) => b.ptr, (b) => this.view(b.ptr, b.size))
  }

  /** Used and free segments in address order, from the one containing `from`. */
  segments (from: number, limit: number): Page<SegmentView> {
    return page(this.allocator.segments(from), limit, (s: Segment) => s.offset, (s) => {
      if (s.state === 'free') return { offset: s.offset, size: s.size, state: s.state }
      const segment: SegmentView = { offset: s.offset, size: s.size, state: s.state, ptr: s.offset }
      const tag = this.tags.get(s.offset)
      if (tag !== undefined) segment.tag = tag
      return segment
    })
  }

  /**
   * The allocator as data (allocator/snapshot.ts), for a durable store to rebuild this heap exactly.
   * Cold: O(live blocks). Undefined for an allocator that is not the library's own (a test double).
   */
  snapshot (): AllocatorSnapshot | undefined {
    return snapshotOf(this.allocator)
  }

  occupancy (buckets: number, from = 0, to = this.size): Occupancy {
    return this.allocator.occupancy(buckets, from, to)
  }

  alloc (size: number, align?: number, tag?: string): BlockView {
    // The hot path with nobody listening: no undo log, no mutation record (see apply).
    if (this.events === noEvents) return this.allocOne(size, align, tag, undefined)
    return this.apply(false, (undo) => {
      const block = this.allocOne(size, align, tag, undo)
      return { result: block, mutations: [allocMutation(block)] }
    })
  }

  /** Frees the block at `ptr` and answers what it was. */
  free (ptr: number): BlockView {
    if (this.events === noEvents) return this.freeOne(ptr, undefined)
    return this.apply(false, (undo) => {
      const block = this.freeOne(ptr, undo)
      return { result: block, mutations: [{ op: 'free', ptr }] }
    })
  }

  realloc (ptr: number, size: number): BlockView & { moved: boolean } {
    if (this.events === noEvents) return this.reallocOne(ptr, size, undefined)
    return this.apply(false, (undo) => {
      const block = this.reallocOne(ptr, size, undo)
      return { result: block, mutations: [{ op: 'realloc', from: ptr, ptr: block.ptr, size }] }
    })
  }

  /**
   * Runs `ops` in order. Not atomic: every op is tried and answers its own result. Atomic: the first
   * failing op throws BatchOpError with its index, and every earlier op is undone.
   */
  batch (ops: readonly BatchOp[], atomic: boolean): BatchResult[] {
    return this.apply(atomic, (undo) => {
      const results: BatchResult[] = []
      const mutations: Mutation[] = []
      for (let index = 0; index < ops.length; index++) {
        const op = ops[index]!
        try {
          results.push(this.runOp(op, undo, mutations))
        } catch (error) {
          if (!(error instanceof AllocatorError || error instanceof QuotaExceededError)) throw error
          if (atomic) {
            if (mutations.length > 0) this.events.changed({ kind: 'rolled-back', heapId: this.id, mutations })
            throw new BatchOpError(index, error)
          }
          results.push({ ok: false, op: op.op, error })
        }
      }
      return { result: results, mutations }
    })
  }

  /** Frees every block. */
  reset (): void {
    this.apply(false, (undo) => {
      const tags = new Map(this.tags)
      const aligns = new Map(this.aligns)
      const live = this.liveBlocks
      this.allocator.reset()
      this.budget.live -= live
      undo?.push(() => { this.budget.live += live })
      this.tags.clear()
      this.aligns.clear()
      undo?.push(() => { restore(this.tags, tags); restore(this.aligns, aligns) })
      return { result: undefined, change: { kind: 'heap-reset', heapId: this.id } }
    })
  }

  private runOp (op: BatchOp, undo: UndoLog, mutations: Mutation[]): BatchResult {
    switch (op.op) {
      case 'alloc': {
        const block = this.allocOne(op.size, op.align, op.tag, undo)
        mutations.push(allocMutation(block))
        return { ok: true, op: 'alloc', ...block }
      }
      case 'free': {
        const block = this.freeOne(op.ptr, undo)
        mutations.push({ op: 'free', ptr: op.ptr })
        return { ok: true, op: 'free', ...block }
      }
      case 'realloc': {
        const block = this.reallocOne(op.ptr, op.size, undo)
        mutations.push({ op: 'realloc', from: op.ptr, ptr: block.ptr, size: op.size })
        return { ok: true, op: 'realloc', ...block }
      }
    }
  }

  private allocOne (size: number, align: number | undefined, tag: string | undefined, undo: UndoLog): BlockView {
    if (this.allocator.stats().liveBlocks >= this.maxBlocks) {
      throw new QuotaExceededError('maxBlocksPerHeap', this.maxBlocks, `heap ${this.id} already holds ${this.maxBlocks} live blocks`)
    }
    if (this.budget.live >= this.budget.max) {
      throw new QuotaExceededError('maxBlocksTotal', this.budget.max, `the service already holds ${this.budget.max} live blocks`)
    }
    const ptr = this.allocator.alloc(size, align)
    // The shared count moves with every block made or freed, and back when the change is undone.
    this.budget.live++
    undo?.push(() => { this.budget.live-- })
    const block: BlockView = { ptr, size }
    if (align !== undefined) {
      this.aligns.set(ptr, align)
      block.align = align
    }
    if (tag !== undefined) {
      this.tags.set(ptr, tag)
      block.tag = tag
    }
    if (align !== undefined || tag !== undefined) {
      undo?.push(() => { this.aligns.delete(ptr); this.tags.delete(ptr) })
    }
    return block
  }

  private freeOne (ptr: number, undo: UndoLog): BlockView {
    const size = this.allocator.sizeOf(ptr)
    if (size === undefined) throw this.whyNotABlock(ptr)
    const block = this.view(ptr, size)
    this.allocator.free(ptr)
    this.budget.live--
    undo?.push(() => { this.budget.live++ })
    if (block.align !== undefined || block.tag !== undefined) {
      this.aligns.delete(ptr)
      this.tags.delete(ptr)
      undo?.push(() => this.setMeta(ptr, block))
    }
    return block
  }

  private reallocOne (ptr: number, size: number, undo: UndoLog): BlockView & { moved: boolean } {
    const newPtr = this.allocator.realloc(ptr, size)
    const moved = newPtr !== ptr
    const meta = this.view(ptr, size)
    if (moved && (meta.align !== undefined || meta.tag !== undefined)) {
      this.aligns.delete(ptr)
      this.tags.delete(ptr)
      this.setMeta(newPtr, meta)
      undo?.push(() => {
        this.aligns.delete(newPtr)
        this.tags.delete(newPtr)
        this.setMeta(ptr, meta)
      })
    }
    return { ...meta, ptr: newPtr, moved }
  }

  /**
   * Runs one change. When it must be all-or-nothing (an atomic batch) or someone records changes
   * (a journal that may fail), it runs inside allocator.atomically and the tag maps are restored
   * from the undo log on failure. Otherwise it runs directly, with no undo log: single allocator
   * calls either succeed or leave the allocator untouched, and the maps are written only after they
   * succeed. (alloc, free and realloc skip this method altogether in that case.)
   */
  private apply<T> (
    atomic: boolean,
    work: (undo: UndoLog) => { result: T, mutations?: Mutation[], change?: Change }
  ): T {
    if (!atomic && this.events === noEvents) return work(undefined).result
    // Refused allocs still count (failedAllocs): a change of that count alone is announced too.
    const failedBefore = this.allocator.stats().failedAllocs
    const announceCounted = (): void => {
      if (this.allocator.stats().failedAllocs !== failedBefore) this.events.changed({ kind: 'counted', heapId: this.id })
    }
    const announce = (done: ReturnType<typeof work>): T => {
      if (done.change !== undefined) this.events.changed(done.change)
      else if (done.mutations !== undefined && done.mutations.length > 0) {
        this.events.changed({ kind: 'mutations', heapId: this.id, mutations: done.mutations })
      } else announceCounted()
      return done.result
    }
    const undo: Array<() => void> = []
    let refused: { error: unknown } | undefined
    try {
      const result = this.allocator.atomically(() => {
        try {
          return announce(work(undo))
        } catch (error) {
          // A refused single op changed nothing but the failure count (failedAllocs): leave
          // atomically normally so that count stays, as it does without listeners.
          if (atomic || !(error instanceof AllocatorError || error instanceof QuotaExceededError)) throw error
          refused = { error }
          return undefined
        }
      })
      if (refused !== undefined) {
        announceCounted()
        throw refused.error
      }
      return result as T
    } catch (error) {
      for (let i = undo.length - 1; i >= 0; i--) undo[i]!()
      throw error
    }
  }

  private view (ptr: number, size: number): BlockView {
    const block: BlockView = { ptr, size }
    const align = this.aligns.get(ptr)
    if (align !== undefined) block.align = align
    const tag = this.tags.get(ptr)
    if (tag !== undefined) block.tag = tag
    return block
  }

  private setMeta (ptr: number, meta: BlockView): void {
    if (meta.align !== undefined) this.aligns.set(ptr, meta.align)
    if (meta.tag !== undefined) this.tags.set(ptr, meta.tag)
  }

  private whyNotABlock (ptr: number): InvalidPointerError {
    if (ptr < 0 || ptr >= this.size) return new InvalidPointerError(ptr, 'out-of-bounds')
    const containing = this.allocator.segments(ptr).next()
    if (containing.done === true || containing.value.state === 'free') return new InvalidPointerError(ptr, 'free')
    return new InvalidPointerError(ptr, 'interior', containing.value.offset)
  }
}

function allocMutation (block: BlockView): Mutation {
  const mutation: Mutation = { op: 'alloc', ptr: block.ptr, size: block.size }
  if (block.align !== undefined) mutation.align = block.align
  if (block.tag !== undefined) mutation.tag = block.tag
  return mutation
}

function restore<K, V> (target: Map<K, V>, saved: Map<K, V>): void {
  target.clear()
  for (const [key, value] of saved) target.set(key, value)
}

/** Takes `limit` items and peeks one more to learn where the next page starts. */
function page<S, T> (source: Iterator<S>, limit: number, keyOf: (item: S) => number, toView: (item: S) => T): Page<T> {
  const items: T[] = []
  for (let next = source.next(); next.done !== true; next = source.next()) {
    if (items.length === limit) return { items, next: keyOf(next.value) }
    items.push(toView(next.value))
  }
  return { items, next: null }
}
