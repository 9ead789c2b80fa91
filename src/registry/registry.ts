/**
 * The heaps of this process, keyed by unguessable ID. Heaps are independent: each has its own
 * allocator. The registry enforces the heap-level limits and lists heaps in creation order with a
 * cursor that survives deletes.
 *
 * Tenants: every method that finds a heap takes the caller's tenant, and a heap of another tenant
 * is reported exactly like a missing one (HeapNotFoundError), so IDs leak nothing across tenants.
 * `tenant` undefined is the open service, where heaps have no owner.
 *
 * Idle expiry: `get` records the time of every access; expireIdle() deletes the heaps not
 * accessed for `heapTtl` milliseconds, through delete() so that listeners (a journal) see it.
 *
 * Loading: load() rebuilds the heaps a store gave back (store.ts, rebuild.ts), before serving.
 *
 * Idempotency keys: idempotently() answers a keyed change once and its retries with the same
 * answer (idempotency.ts); loadKeys() takes back the keys a store kept.
 */
import { createAllocator } from '../allocator/index.js'
import type { Allocator, Strategy } from '../allocator/types.js'
import type { Page } from './cursor.js'
import { HeapNotFoundError, QuotaExceededError } from './errors.js'
import { noEvents, type RegistryEvents } from './events.js'
import { Heap, type BlockBudget } from './heap.js'
import { IdempotencyKeys, type AnswerOf, type IdempotencyRecord, type KeyedRequest, type StoredAnswer } from './idempotency.js'
import { newHeapId } from './ids.js'
import { rebuildAllocator, rebuildShared } from './rebuild.js'
import { newDefragCounters, type DefragSettings, type PlanTimers } from './defrag.js'
import { Recording } from './recording.js'
import type { StoredHeap } from './store/store.js'
import type { SharedHeapRecord } from './store/postgres/store.js'

export interface RegistryLimits {
  maxHeaps: number
  maxHeapSize: number
  maxBlocksPerHeap: number
  /** Heaps per tenant; unlimited when omitted. Heaps without a tenant count only towards maxHeaps. */
  maxHeapsPerTenant?: number
  /** Live blocks across all heaps; unlimited when omitted. */
  maxBlocksTotal?: number
  /** Live blocks across one tenant's heaps; unlimited when omitted. Heaps without a tenant count only towards maxBlocksTotal. */
  maxBlocksPerTenant?: number
  /** Ops a recording heap keeps (recording.ts); 1,000,000 when omitted. */
  maxRecordedOps?: number
}

/** What load() rebuilt. */
export interface LoadReport {
  heaps: number
  blocks: number
  /** tlsf ops replayed. */
  replayed: number
  /** tlsf heaps whose replay began from a snapshot. */
  snapshots: number
  /**
   * Heaps whose history did not replay to their recorded blocks and were laid out from the blocks
   * instead (every block kept); a snapshot of that layout is recorded, so the next load is exact.
   */
  fellBack: string[]
}

export interface RegistryOptions {
  limits: RegistryLimits
  /** Builds a heap's allocator; the allocator library's createAllocator unless a test swaps it. */
  createAllocator?: (options: { size: number, strategy?: Strategy, alignment?: number }) => Allocator
  events?: RegistryEvents
  /** The clock for `createdAt`, access times and expiry; tests may pin it. */
  now?: () => Date
  /** Milliseconds a heap may go unaccessed before expireIdle() deletes it; 0 or omitted: never. */
  heapTtl?: number
  /** Milliseconds an Idempotency-Key's answer is remembered; a day when omitted. */
  idempotencyTtl?: number
  /** Defragmentation plans: the longest ttl in milliseconds (an hour when omitted), and their expiry timers (defrag.ts). */
  defrag?: { maxTtlMs?: number, timers?: PlanTimers }
}

export interface CreateHeap {
  size: number
  strategy?: Strategy
  alignment?: number
  name?: string
  /** The owner; omit in an open service. */
  tenant?: string
  /** Keep the heap's history as a trace (recording.ts). */
  record?: boolean
}

export class Registry {
  private readonly heapsById = new Map<string, Heap>()
  // Heaps in creation order for paging; deleted heaps linger until the next compaction.
  private order: Heap[] = []
  private nextSeq = 1
  private readonly limits: RegistryLimits
  private readonly createAllocator: NonNullable<RegistryOptions['createAllocator']>
  private readonly events: RegistryEvents
  private readonly now: () => Date
  /** Milliseconds since the epoch by `now`: Date.now itself unless a test pins the clock (no Date per request). */
  private readonly nowMs: () => number
  private readonly heapTtl: number
  private readonly heapsPerTenant = new Map<string, number>()
  private readonly budget: BlockBudget
  private readonly tenantBudgets = new Map<string, BlockBudget>()
  private readonly keys: IdempotencyKeys
  private readonly answering: (outcome: Parameters<IdempotencyKeys['answering']>[0]) => IdempotencyRecord | undefined
  /** What every heap's defragmentation plans share; `defrag.counters` feed the metrics. */
  readonly defrag: DefragSettings

  constructor (options: RegistryOptions) {
    this.limits = options.limits
    this.createAllocator = options.createAllocator ?? createAllocator
    this.events = options.events ?? noEvents
    const now = options.now
    this.now = now ?? (() => new Date())
    // Date.now looked up per call, so that fake timers installed later still drive it.
    this.nowMs = now === undefined ? () => Date.now() : () => now().getTime()
    this.heapTtl = options.heapTtl ?? 0
    this.budget = { live: 0, max: this.limits.maxBlocksTotal ?? Infinity, limit: 'maxBlocksTotal', holder: 'the service' }
    this.keys = new IdempotencyKeys({
      ttl: options.idempotencyTtl ?? 86_400_000,
      nowMs: this.nowMs,
      announce: (record) => this.events.changed({ kind: 'answered', record })
    })
    this.answering = (outcome) => this.keys.answering(outcome)
    this.defrag = { nowMs: this.nowMs, maxTtlMs: options.defrag?.maxTtlMs ?? 3_600_000, counters: newDefragCounters(), ...(options.defrag?.timers !== undefined ? { timers: options.defrag.timers } : {}) }
  }

  /** Live blocks across all heaps. */
  get liveBlocks (): number {
    return this.budget.live
  }

  /** Heaps alive, all tenants together. */
  heaps (): IterableIterator<Heap> {
    return this.heapsById.values()
  }

  get count (): number {
    return this.heapsById.size
  }

  create (spec: CreateHeap): Heap {
    const { maxHeaps, maxHeapSize, maxBlocksPerHeap } = this.limits
    if (this.heapsById.size >= maxHeaps) {
      throw new QuotaExceededError('maxHeaps', maxHeaps, `${maxHeaps} heaps exist already`)
    }
    const perTenant = this.limits.maxHeapsPerTenant
    if (spec.tenant !== undefined && perTenant !== undefined && (this.heapsPerTenant.get(spec.tenant) ?? 0) >= perTenant) {
      throw new QuotaExceededError('maxHeapsPerTenant', perTenant, `tenant ${spec.tenant} has ${perTenant} heaps already`)
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
      ...(spec.tenant !== undefined ? { tenant: spec.tenant } : {}),
      createdAt: this.now().toISOString(),
      maxBlocks: maxBlocksPerHeap,
      budgets: this.budgetsOf(spec.tenant),
      events: this.events,
      answering: this.answering,
      defrag: this.defrag,
      ...(spec.record === true ? { recording: new Recording(this.limits.maxRecordedOps ?? 1_000_000) } : {})
    })
    this.heapsById.set(heap.id, heap)
    this.order.push(heap)
    try {
      const answered = this.events === noEvents ? undefined : this.keys.answering({ ok: true, result: heap })
      this.events.changed({ kind: 'heap-created', heap: heap.describe(), seq: heap.seq, state: heap.state, ...(answered !== undefined ? { answered } : {}) })
    } catch (error) {
      this.heapsById.delete(heap.id)
      this.order.pop()
      throw error
    }
    this.countTenant(heap.tenant, 1)
    return heap
  }

  /**
   * Rebuilds the heaps a store loaded (in creation order, before any other heap exists), under
   * their old IDs and sequence numbers, without the creation limits (they were admitted once) and
   * without announcing them (they are recorded already), except the heaps whose history did not
   * replay: each is announced as 'rebuilt', so that the store records it whole.
   */
  load (stored: Iterable<StoredHeap>): LoadReport {
    const report: LoadReport = { heaps: 0, blocks: 0, replayed: 0, snapshots: 0, fellBack: [] }
    const rebuilt: Heap[] = []
    for (const record of stored) {
      const { description } = record
      if (this.heapsById.has(description.id)) throw new Error(`heap ${description.id} is recorded twice`)
      const { allocator, replayed, fromSnapshot, exact } = rebuildAllocator(record)
      const heap = this.install(record, allocator)
      report.heaps++
      report.blocks += record.blocks.length
      report.replayed += replayed
      if (fromSnapshot) report.snapshots++
      if (!exact) rebuilt.push(heap)
    }
    for (const heap of rebuilt) {
      this.events.changed({ kind: 'rebuilt', heapId: heap.id, state: heap.state })
      report.fellBack.push(heap.id)
    }
    return report
  }

  /**
   * Installs a heap as the shared store records it (SharedHeaps), replacing this process's copy,
   * without announcing it: another instance changed it, or this one's change was not committed.
   */
  adopt (record: SharedHeapRecord): Heap {
    this.forget(record.description.id)
    return this.install(record, rebuildShared(record))
  }

  /**
   * A heap a store gave back, with its allocator rebuilt, made one of this registry's. Its access
   * time is now: a restart or a reload counts as an access, so an idle heap gets a full TTL after
   * downtime, not zero.
   */
  private install (record: Pick<StoredHeap, 'description' | 'seq' | 'plan' | 'recording'>, allocator: Allocator): Heap {
    const { description, seq } = record
    const heap = new Heap({
      id: description.id,
      seq,
      allocator,
      ...(description.name !== undefined ? { name: description.name } : {}),
      ...(description.tenant !== undefined ? { tenant: description.tenant } : {}),
      createdAt: description.createdAt,
      touchedAt: this.nowMs(),
      maxBlocks: this.limits.maxBlocksPerHeap,
      budgets: this.budgetsOf(description.tenant),
      events: this.events,
      answering: this.answering,
      defrag: this.defrag,
      ...(record.plan !== undefined ? { plan: record.plan } : {}),
      ...(description.record === true
        ? { recording: Recording.restore(this.limits.maxRecordedOps ?? 1_000_000, record.recording ?? { entries: [], complete: true }) }
        : {})
    })
    this.heapsById.set(heap.id, heap)
    this.countTenant(heap.tenant, 1)
    this.order.splice(firstAtOrAfter(this.order, seq), 0, heap)
    this.nextSeq = Math.max(this.nextSeq, seq + 1)
    return heap
  }

  /** Drops this process's copy of a heap without announcing it (deleted elsewhere, or not committed). */
  forget (id: string): void {
    const heap = this.heapsById.get(id)
    if (heap === undefined) return
    this.heapsById.delete(id)
    this.countTenant(heap.tenant, -1)
    heap.release()
  }

  /** Whether this process holds a copy of the heap (any tenant's). */
  holds (id: string): boolean {
    return this.heapsById.has(id)
  }

  /** The tenant owning a heap this process holds (SharedHeaps). */
  tenantOf (id: string): string | undefined {
    return this.heapsById.get(id)?.tenant
  }

  /** Live blocks of a heap this process holds; 0 when it holds none. */
  heapBlocks (id: string): number {
    return this.heapsById.get(id)?.liveBlocks ?? 0
  }

  /**
   * Sets the block budgets to usage counted elsewhere (the shared store's, over every instance),
   * so that the next changes are refused exactly where one process holding every heap would refuse.
   */
  assumeBlockUsage (tenant: string | undefined, usage: { total: number, tenant: number }): void {
    this.budget.live = usage.total
    const budgets = this.budgetsOf(tenant)
    if (budgets.length > 1) budgets[1]!.live = usage.tenant
  }

  /** Forgets the remembered answer of a key whose change was not committed (SharedHeaps). */
  dropIdempotencyKey (tenant: string | undefined, key: string): void {
    this.keys.drop(tenant, key)
  }

  /** Takes back the Idempotency-Keys a store kept (Store.loadKeys), before serving; answers how many are still valid. */
  loadKeys (records: Iterable<IdempotencyRecord>): number {
    return this.keys.load(records)
  }

  /**
   * Runs a change under an Idempotency-Key (IdempotencyKeys.run): `perform` calls the registry,
   * `answerOf` says what its outcome answers. A retry with the same key and request answers the
   * first answer without running `perform`; keys are per tenant.
   */
  idempotently<T> (request: KeyedRequest, perform: () => T, answerOf: AnswerOf<T>): StoredAnswer {
    return this.keys.run(request, perform, answerOf)
  }

  /** Marks a key in flight for a request whose body is still coming (IdempotencyKeys.hold). */
  holdIdempotencyKey (tenant: string | undefined, key: string, holder: object): boolean {
    return this.keys.hold(tenant, key, holder)
  }

  releaseIdempotencyKey (tenant: string | undefined, key: string, holder: object): void {
    this.keys.release(tenant, key, holder)
  }

  /** Idempotency-Keys remembered or in flight. */
  get idempotencyKeys (): number {
    return this.keys.size
  }

  /**
   * The heap with this ID, if `tenant` owns it; throws HeapNotFoundError otherwise, the same for a
   * missing heap and another tenant's. Counts as an access: it postpones the heap's expiry.
   */
  get (id: string, tenant?: string): Heap {
    const heap = this.find(id, tenant)
    heap.touchedAt = this.nowMs()
    return heap
  }

  delete (id: string, tenant?: string): void {
    const heap = this.find(id, tenant)
    this.events.changed({ kind: 'heap-deleted', heapId: id })
    this.heapsById.delete(id)
    this.countTenant(heap.tenant, -1)
    heap.release()
    if (this.order.length > 2 * this.heapsById.size + 64) this.order = this.order.filter((heap) => this.isLive(heap))
  }

  /** When the heap expires if nobody touches it; undefined when heaps never expire. */
  expiresAt (heap: Heap): Date | undefined {
    return this.heapTtl > 0 ? new Date(heap.touchedAt + this.heapTtl) : undefined
  }

  /** Deletes every heap not accessed for the TTL; answers their IDs. */
  expireIdle (): string[] {
    if (this.heapTtl <= 0) return []
    const deadline = this.nowMs() - this.heapTtl
    const expired = [...this.heapsById.values()].filter((heap) => heap.touchedAt <= deadline)
    for (const heap of expired) this.delete(heap.id, heap.tenant)
    return expired.map((heap) => heap.id)
  }

  /** The tenant's heaps in creation order, from the first created at or after sequence number `from`. */
  list (from: number, limit: number, tenant?: string): Page<Heap> {
    const items: Heap[] = []
    for (let i = firstAtOrAfter(this.order, from); i < this.order.length; i++) {
      const heap = this.order[i]!
      if (!this.isLive(heap) || heap.tenant !== tenant) continue
      if (items.length === limit) return { items, next: heap.seq }
      items.push(heap)
    }
    return { items, next: null }
  }

  private find (id: string, tenant: string | undefined): Heap {
    const heap = this.heapsById.get(id)
    if (heap === undefined || heap.tenant !== tenant) throw new HeapNotFoundError(id)
    return heap
  }

  /** The budgets a heap of `tenant` counts its blocks in: the service's, and the tenant's. */
  private budgetsOf (tenant: string | undefined): BlockBudget[] {
    const max = this.limits.maxBlocksPerTenant
    if (tenant === undefined || max === undefined) return [this.budget]
    let budget = this.tenantBudgets.get(tenant)
    if (budget === undefined) {
      budget = { live: 0, max, limit: 'maxBlocksPerTenant', holder: `tenant ${tenant}` }
      this.tenantBudgets.set(tenant, budget)
    }
    return [this.budget, budget]
  }

  private countTenant (tenant: string | undefined, by: number): void {
    if (tenant === undefined) return
    const count = (this.heapsPerTenant.get(tenant) ?? 0) + by
    if (count === 0) this.heapsPerTenant.delete(tenant)
    else this.heapsPerTenant.set(tenant, count)
  }

  private isLive (heap: Heap): boolean {
    return this.heapsById.get(heap.id) === heap
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
