/**
 * One heap: an Allocator (which keeps each block's tag and requested alignment beside it) plus what
 * the service adds on top: name, owner, creation time, and the block quotas it shares with other
 * heaps. Every mutation of a heap is a method here, and each one reports its change to
 * RegistryEvents (see events.ts).
 */
import { setImmediate } from 'node:timers/promises'
import type { Allocator, AllocatorSnapshot, Block, HeapStats, Occupancy, Segment } from '../allocator/types.js'
import { AllocatorError, InvalidPointerError } from '../allocator/errors.js'
import type { Page } from './cursor.js'
import { BatchOpError, BlockMovingError, QuotaExceededError, type LimitName } from './errors.js'
import { defaultDefragSettings, HeapPlans, type CommitResult, type DefragSettings, type Plan, type PlanRequest } from './defrag.js'
import { noEvents, type HeapDescription, type HeapState, type Mutation, type RegistryEvents } from './events.js'
import type { IdempotencyRecord, Outcome } from './idempotency.js'
import type { Recording } from './recording.js'

/** A live block: `align` is the alignment the client asked for, when it asked for one. */
export type BlockView = Block

export interface SegmentView extends Segment {
  ptr?: number
}

export type BatchOp =
  | { op: 'alloc', size: number, align?: number, tag?: string }
  | { op: 'free', ptr: number }
  | { op: 'realloc', ptr: number, size: number }

export type BatchResult =
  | ({ ok: true, op: 'alloc' | 'free' } & BlockView)
  | ({ ok: true, op: 'realloc', moved: boolean } & BlockView)
  | { ok: false, op: BatchOp['op'], error: AllocatorError | QuotaExceededError | BlockMovingError }

/** Live blocks of a group of heaps (the whole service, or one tenant's) against a limit. */
export interface BlockBudget {
  live: number
  readonly max: number
  readonly limit: LimitName
  /** Who holds the blocks, for the refusal's message: "the service", "tenant acme". */
  readonly holder: string
}

export interface HeapInit {
  id: string
  seq: number
  allocator: Allocator
  name?: string
  /** The tenant owning the heap; undefined in an open service. */
  tenant?: string
  createdAt: string
  maxBlocks: number
  /** Shared with other heaps (the service's, the tenant's); the heap's blocks count in each. */
  budgets?: BlockBudget[]
  /** Milliseconds since the epoch of the last request that read or changed the heap (idle expiry). */
  touchedAt?: number
  events?: RegistryEvents
  /** The Idempotency-Key record a change answering a keyed request carries (IdempotencyKeys.answering). */
  answering?: (outcome: Outcome<unknown>) => IdempotencyRecord | undefined
  /** What the registry's defragmentation plans share (clock, longest ttl, counters); defrag.ts. */
  defrag?: DefragSettings
  /** The heap's plan as a store kept it, its reservations already in `allocator`. */
  plan?: Plan
  /** The heap's history as a trace, for a heap created with `record: true` (recording.ts). */
  recording?: Recording
}

interface Done<T> {
  result: T
  mutations?: Mutation[]
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
  /** What a store may read of this heap when it records a change (events.ts). */
  readonly state: HeapState
  private readonly allocator: Allocator
  private readonly maxBlocks: number
  private readonly budgets: BlockBudget[]
  /** How many of this heap's blocks the budgets count: the allocator's live blocks after the last change. */
  private counted = 0
  private readonly events: RegistryEvents
  private readonly answering: (outcome: Outcome<unknown>) => IdempotencyRecord | undefined
  /** The heap's defragmentation plan, its pins and reservations (defrag.ts). */
  private readonly plans: HeapPlans
  /** See HeapInit.recording. */
  readonly recording: Recording | undefined
  /** Nobody listens and nothing records: single ops skip the change bookkeeping. */
  private readonly direct: boolean

  constructor (init: HeapInit) {
    this.id = init.id
    this.seq = init.seq
    this.name = init.name
    this.tenant = init.tenant
    this.createdAt = init.createdAt
    this.touchedAt = init.touchedAt ?? Date.parse(init.createdAt)
    this.allocator = init.allocator
    this.maxBlocks = init.maxBlocks
    this.budgets = init.budgets ?? []
    this.events = init.events ?? noEvents
    this.answering = init.answering ?? (() => undefined)
    this.recording = init.recording
    this.direct = this.events === noEvents && this.recording === undefined
    this.state = { stats: () => this.allocator.stats(), snapshot: () => this.allocator.snapshot(), recording: this.recording }
    this.countBlocks()
    const host = { heapId: this.id, allocator: this.allocator, state: this.state, events: this.events, answering: this.answering }
    this.plans = new HeapPlans(host, init.defrag ?? defaultDefragSettings(), init.plan)
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
    if (this.recording !== undefined) description.record = true
    return description
  }

  stats (): HeapStats {
    return this.allocator.stats()
  }

  /** The live block starting at `ptr`; throws InvalidPointerError saying why `ptr` is not one. */
  block (ptr: number): BlockView {
    const block = this.allocator.block(ptr)
    if (block === undefined) throw this.whyNotABlock(ptr)
    return block
  }

  /** Live blocks in address order from the first with ptr >= `from`. */
  blocks (from: number, limit: number): Page<BlockView> {
    return page(this.allocator.blocks(from), limit, (b: Block) => b.ptr, (b) => b)
  }

  /** Used and free segments in address order, from the one containing `from`. */
  segments (from: number, limit: number): Page<SegmentView> {
    return page(this.allocator.segments(from), limit, (s: Segment) => s.offset, (s) => {
      // A reserved range (a defragmentation plan's destination) is neither a block nor free.
      if (s.state !== 'used') return { offset: s.offset, size: s.size, state: s.state }
      const segment: SegmentView = { offset: s.offset, size: s.size, state: s.state, ptr: s.offset }
      if (s.align !== undefined) segment.align = s.align
      if (s.tag !== undefined) segment.tag = s.tag
      return segment
    })
  }

  /** The allocator as data (Allocator.snapshot). Cold: O(live blocks). */
  snapshot (): AllocatorSnapshot {
    return this.allocator.snapshot()
  }

  /** Used bytes per bucket; a large range is walked in slices, letting other requests run between them. */
  async occupancy (buckets: number, from = 0, to = this.size, segmentsPerSlice?: number): Promise<Occupancy> {
    const slices = this.allocator.occupancyInSlices(buckets, from, to, segmentsPerSlice)
    for (let step = slices.next(); ; step = slices.next()) {
      if (step.done === true) return step.value
      await setImmediate()
    }
  }

  alloc (size: number, align?: number, tag?: string): BlockView {
    this.plans.settle()
    // The hot path with nobody listening: no atomically, no mutation record.
    if (this.direct) {
      const block = this.allocOne(size, align, tag)
      this.recount(1)
      return block
    }
    return this.apply(false, () => {
      const block = this.allocOne(size, align, tag)
      return { result: block, mutations: [allocMutation(block)] }
    })
  }

  /** Frees the block at `ptr` and answers what it was. */
  free (ptr: number): BlockView {
    this.plans.settle()
    this.plans.guard(ptr)
    if (this.direct) {
      const block = this.allocator.freeBlock(ptr)
      this.recount(-1)
      return block
    }
    return this.apply(false, () => {
      const block = this.allocator.freeBlock(ptr)
      return { result: block, mutations: [{ op: 'free', ptr }] }
    })
  }

  realloc (ptr: number, size: number): BlockView & { moved: boolean } {
    this.plans.settle()
    this.plans.guard(ptr)
    if (this.direct) return this.reallocOne(ptr, size)
    return this.apply(false, () => {
      const block = this.reallocOne(ptr, size)
      return { result: block, mutations: [{ op: 'realloc', from: ptr, ptr: block.ptr, size }] }
    })
  }

  /**
   * Runs `ops` in order. Not atomic: every op is tried and answers its own result. Atomic: the first
   * failing op throws BatchOpError with its index, and every earlier op is undone.
   */
  batch (ops: readonly BatchOp[], atomic: boolean): BatchResult[] {
    this.plans.settle()
    const mutations: Mutation[] = []
    try {
      return this.apply(atomic, () => {
        const results: BatchResult[] = []
        for (let index = 0; index < ops.length; index++) {
          const op = ops[index]!
          try {
            results.push(this.runOp(op, mutations))
          } catch (error) {
            if (!(error instanceof AllocatorError || error instanceof QuotaExceededError || error instanceof BlockMovingError)) throw error
            if (atomic) throw new BatchOpError(index, error)
            results.push({ ok: false, op: op.op, error })
          }
        }
        return { result: results, mutations }
      })
    } catch (error) {
      // Announced once the heap is undone, so that a store may record the heap as it is now.
      if (error instanceof BatchOpError && mutations.length > 0) {
        const answered = this.answering({ ok: false, error })
        this.events.changed({ kind: 'rolled-back', heapId: this.id, mutations, state: this.state, ...(answered !== undefined ? { answered } : {}) })
      }
      throw error
    }
  }

  /**
   * Frees every block. Announced before it happens: a reset cannot fail, and undoing one inside
   * atomically would cost a log entry per block, where the reset itself costs next to nothing.
   */
  reset (): void {
    const mark = this.recording?.mark()
    this.recording?.recordReset(this.allocator.blocks())
    try {
      this.events.changed({ kind: 'heap-reset', heapId: this.id, state: this.state })
    } catch (error) {
      if (mark !== undefined) this.recording!.rollback(mark)
      throw error
    }
    this.plans.drop()
    this.allocator.reset()
    this.countBlocks()
  }

  /** Takes this heap's blocks out of the budgets it counts in (the heap is being deleted). */
  release (): void {
    this.plans.drop()
    for (const budget of this.budgets) budget.live -= this.counted
    this.counted = 0
  }

  /** Plans a defragmentation and opens the plan (defrag.ts); DefragInProgressError when one is open. */
  planDefrag (request: PlanRequest): Plan {
    return this.plans.create(request)
  }

  /** The plan with this ID, open or committed (PlanNotFoundError, PlanExpiredError). */
  defragPlan (planId: string): Plan {
    return this.plans.get(planId)
  }

  /** Moves the plan's blocks but the skipped ones; a second commit answers the first result. */
  commitDefrag (planId: string, skipped?: readonly number[]): CommitResult {
    const recording = this.recording
    if (recording === undefined) return this.plans.commit(planId, skipped)
    // Moved blocks keep their trace ids; recorded before the commit is announced, for a store to keep both.
    const plan = this.plans.get(planId)
    if (plan.committed !== undefined) return this.plans.commit(planId, skipped)
    const mark = recording.mark()
    const skip = new Set(skipped)
    recording.recordMoves(plan.moves.filter((move) => !skip.has(move.ptr)))
    try {
      return this.plans.commit(planId, skipped)
    } catch (error) {
      recording.rollback(mark)
      throw error
    }
  }

  /** Aborts the open plan: reservations released, nothing moves. */
  abortDefrag (planId: string): void {
    this.plans.abort(planId)
  }

  private runOp (op: BatchOp, mutations: Mutation[]): BatchResult {
    switch (op.op) {
      case 'alloc': {
        const block = this.allocOne(op.size, op.align, op.tag)
        mutations.push(allocMutation(block))
        return { ok: true, op: 'alloc', ...block }
      }
      case 'free': {
        this.plans.guard(op.ptr)
        const block = this.allocator.freeBlock(op.ptr)
        mutations.push({ op: 'free', ptr: op.ptr })
        return { ok: true, op: 'free', ...block }
      }
      case 'realloc': {
        this.plans.guard(op.ptr)
        const block = this.reallocOne(op.ptr, op.size)
        mutations.push({ op: 'realloc', from: op.ptr, ptr: block.ptr, size: op.size })
        return { ok: true, op: 'realloc', ...block }
      }
    }
  }

  private allocOne (size: number, align: number | undefined, tag: string | undefined): BlockView {
    const live = this.allocator.stats().liveBlocks
    if (live >= this.maxBlocks) {
      throw new QuotaExceededError('maxBlocksPerHeap', this.maxBlocks, `heap ${this.id} already holds ${this.maxBlocks} live blocks`)
    }
    // Blocks made since the last change are not yet in the budgets' counts.
    for (const budget of this.budgets) {
      if (budget.live + live - this.counted >= budget.max) {
        throw new QuotaExceededError(budget.limit, budget.max, `${budget.holder} already holds ${budget.max} live blocks`)
      }
    }
    const ptr = this.allocator.alloc(size, align, tag)
    const block: BlockView = { ptr, size }
    if (align !== undefined) block.align = align
    if (tag !== undefined) block.tag = tag
    return block
  }

  private reallocOne (ptr: number, size: number): BlockView & { moved: boolean } {
    const newPtr = this.allocator.realloc(ptr, size)
    return { ...this.allocator.block(newPtr)!, moved: newPtr !== ptr }
  }

  /**
   * Runs one change. When it must be all-or-nothing (an atomic batch) or someone records changes
   * (a journal that may fail), it runs inside allocator.atomically, and the change is announced
   * inside it, so that a refusal by the listener undoes it. Otherwise it runs directly: single
   * allocator calls either succeed or leave the allocator untouched. Either way the budgets follow
   * the live blocks once the change is done or undone.
   */
  private apply<T> (atomic: boolean, work: () => Done<T>): T {
    if (!atomic && this.events === noEvents) {
      try {
        return this.recorded(work()).result
      } finally {
        this.countBlocks()
      }
    }
    // Refused allocs still count (failedAllocs): a change of that count alone is announced too.
    const failedBefore = this.allocator.stats().failedAllocs
    let refused: { error: unknown } | undefined
    const mark = this.recording?.mark()
    try {
      const result = this.allocator.atomically(() => {
        try {
          return this.announce(this.recorded(work()), failedBefore)
        } catch (error) {
          // A refused single op changed nothing but the failure count (failedAllocs): leave
          // atomically normally so that count stays, as it does without listeners.
          if (atomic || !(error instanceof AllocatorError || error instanceof QuotaExceededError || error instanceof BlockMovingError)) throw error
          refused = { error }
          return undefined
        }
      })
      if (refused !== undefined) {
        this.announceCounted(failedBefore, { ok: false, error: refused.error })
        throw refused.error
      }
      return result as T
    } catch (error) {
      // Undone in the allocator (or never done): undone in the recording too.
      if (mark !== undefined) this.recording!.rollback(mark)
      throw error
    } finally {
      this.countBlocks()
    }
  }

  /** Adds a change's mutations to the recording, before it is announced (a store keeps both together). */
  private recorded<T> (done: Done<T>): Done<T> {
    if (this.recording !== undefined && done.mutations !== undefined) this.recording.record(done.mutations)
    return done
  }

  private announce<T> (done: Done<T>, failedBefore: number): T {
    const outcome = { ok: true as const, result: done.result }
    if (done.mutations !== undefined && done.mutations.length > 0) {
      const answered = this.answering(outcome)
      this.events.changed({ kind: 'mutations', heapId: this.id, mutations: done.mutations, state: this.state, ...(answered !== undefined ? { answered } : {}) })
    } else this.announceCounted(failedBefore, outcome)
    return done.result
  }

  /** `outcome`: what the request that changed the count answers, for its Idempotency-Key record. */
  private announceCounted (failedBefore: number, outcome: Outcome<unknown>): void {
    if (this.allocator.stats().failedAllocs === failedBefore) return
    const answered = this.answering(outcome)
    this.events.changed({ kind: 'counted', heapId: this.id, state: this.state, ...(answered !== undefined ? { answered } : {}) })
  }

  /** Brings the budgets' counts of this heap's blocks up to date. */
  private countBlocks (): void {
    const live = this.allocator.stats().liveBlocks
    if (live !== this.counted) this.recount(live - this.counted)
  }

  private recount (delta: number): void {
    for (const budget of this.budgets) budget.live += delta
    this.counted += delta
  }

  private whyNotABlock (ptr: number): InvalidPointerError {
    if (ptr < 0 || ptr >= this.size) return new InvalidPointerError(ptr, 'out-of-bounds')
    const containing = this.allocator.segments(ptr).next()
    // A reserved range (a defragmentation plan's destination) holds no block either.
    if (containing.done === true || containing.value.state !== 'used') return new InvalidPointerError(ptr, 'free')
    return new InvalidPointerError(ptr, 'interior', containing.value.offset)
  }
}

function allocMutation (block: BlockView): Mutation {
  const mutation: Mutation = { op: 'alloc', ptr: block.ptr, size: block.size }
  if (block.align !== undefined) mutation.align = block.align
  if (block.tag !== undefined) mutation.tag = block.tag
  return mutation
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
