/**
 * Heaps shared by several instances through the PostgreSQL store: the order of work on a heap,
 * and what happens when another instance got there first.
 *
 * Every request on a heap is a job in that heap's queue. A worker takes the jobs waiting (a batch),
 * brings the heap up to date (its version read from the database when the batch reads, or when
 * this process holds no copy), runs them one after the other on the registry in memory, and
 * commits what they announced in one transaction that moves the heap's version only if it is
 * still the one the batch was computed on (PostgresStore.commit). Then it answers them all: so
 * requests that arrive together share a commit (group commit), and nothing is answered before it
 * is in the database.
 *
 * When the compare-and-set fails, another instance changed the heap: this process's copy is
 * dropped, the heap reloaded (snapshot plus changes since) and the batch computed again, up to
 * MAX_ATTEMPTS times. An instance that was paused and resumes therefore computes on its old copy
 * once, loses the compare-and-set and reloads: it can never fork a heap. No lease is involved.
 *
 * When the commit fails for another reason (the database is down), the copy is dropped too (the
 * next job reloads it) and the batch answers 503: nothing was committed, so nothing is lost.
 */
import { StoreUnavailableError } from './store/errors.js'
import { BlockQuotaConflictError, HeapConflictError, SharedQuotaError, type BlockUsage, type PostgresStore } from './store/postgres/store.js'
import { QuotaExceededError } from './errors.js'
import type { Registry } from './registry.js'

/** Attempts of a batch that keeps losing the compare-and-set before it answers 503. */
const MAX_ATTEMPTS = 5
/** Jobs computed and committed together at most. */
const MAX_BATCH = 256
/** The queue of work that names no heap yet (creations). */
const NO_HEAP = ''
/** The usage scope of every heap (tenants' names are the others). */
const ALL = '\u0000all'

export interface Job<T> {
  /** Runs the request on the registry: synchronous, may throw (its error is the answer). */
  compute: () => T
  /** Reads must see every change committed before they arrived: the batch checks the version first. */
  reads?: boolean
  /** The Idempotency-Key the request runs under, looked up in the database first (a retry may come from elsewhere). */
  key?: { tenant: string | undefined, key: string }
}

interface Queued {
  job: Job<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true, value: unknown } | { ok: false, error: unknown }

/** What the queues did, for metrics: reloads and conflicts should be rare when routing keeps heaps on one instance. */
export interface SharedCounters {
  /** Batches computed (each attempt counts). */
  batches: number
  /** Requests whose batch committed, or needed no commit. */
  jobs: number
  /** Transactions committed. */
  commits: number
  /** Commits refused because another instance moved a heap (or took a key or the last blocks of a quota). */
  conflicts: number
  /** Heaps loaded from the database: first use, or behind another instance. */
  reloads: number
}

export class SharedHeaps {
  readonly counters: SharedCounters = { batches: 0, jobs: 0, commits: 0, conflicts: 0, reloads: 0 }
  private readonly queues = new Map<string, Queued[]>()
  /** The version of each heap this process holds a copy of, as last read or committed. */
  private readonly versions = new Map<string, number>()
  /** Live blocks per scope (ALL, or a tenant) as last seen: what block quotas are computed against. */
  private readonly usage = new Map<string, number>()

  constructor (private readonly registry: Registry, readonly store: PostgresStore) {}

  /** Runs `job` on heap `heapId` (undefined: a creation) in its turn; resolves once its effect is committed. */
  async run<T> (heapId: string | undefined, job: Job<T>): Promise<T> {
    const queueId = heapId ?? NO_HEAP
    return await new Promise<T>((resolve, reject) => {
      const queued: Queued = { job: job as Job<unknown>, resolve: resolve as (value: unknown) => void, reject }
      const queue = this.queues.get(queueId)
      if (queue !== undefined) {
        queue.push(queued)
        return
      }
      this.queues.set(queueId, [queued])
      this.work(queueId).catch(() => {})
    })
  }

  /** Waits until this process's copy of the heap is the database's (a read's turn). */
  async fresh (heapId: string): Promise<void> {
    await this.run(heapId, { compute: () => undefined, reads: true })
  }

  /** Deletes in the database the heaps unchanged for `ttlMs`, and this process's copies of them. */
  async expireIdle (ttlMs: number): Promise<string[]> {
    const ids = await this.store.expireIdle(ttlMs)
    for (const id of ids) this.drop(id)
    return ids
  }

  /** A page of the tenant's heaps, from the database: every instance's. */
  async list (tenant: string | undefined, from: number, limit: number): ReturnType<PostgresStore['list']> {
    return await this.store.list(tenant, from, limit)
  }

  private async work (queueId: string): Promise<void> {
    const queue = this.queues.get(queueId)!
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH)
      let outcomes: Outcome[]
      try {
        outcomes = await this.settle(queueId, batch)
      } catch (error) {
        outcomes = batch.map(() => ({ ok: false, error }))
      }
      batch.forEach((queued, i) => {
        const outcome = outcomes[i]!
        if (outcome.ok) queued.resolve(outcome.value)
        else queued.reject(outcome.error)
      })
    }
    this.queues.delete(queueId)
  }

  /** Brings the heap up to date, computes the batch, commits it; again on a lost compare-and-set. */
  private async settle (queueId: string, batch: Queued[]): Promise<Outcome[]> {
    const heapId = queueId === NO_HEAP ? undefined : queueId
    const reads = batch.some((queued) => queued.job.reads === true)
    let usageRead = false
    for (let attempt = 1; ; attempt++) {
      const checked = heapId === undefined || await this.update(heapId, reads || attempt > 1)
      // A key answered on another instance makes the first commit fail (the key's row exists):
      // only then are the batch's keys read, so a keyed request costs no extra round trip.
      if (attempt > 1) await this.lookUpKeys(batch)
      const held = heapId !== undefined && this.registry.holds(heapId)
      const tenant = held ? this.registry.tenantOf(heapId) : undefined
      const before = held ? this.registry.heapBlocks(heapId) : 0
      if (held) this.registry.assumeBlockUsage(tenant, this.usageOf(tenant))
      // Anything announced outside a batch (nothing should be) is not this batch's to commit.
      this.store.drain()
      this.counters.batches++
      const outcomes = batch.map((queued): Outcome => {
        try {
          return { ok: true, value: queued.job.compute() }
        } catch (error) {
          return { ok: false, error }
        }
      })
      const work = this.store.drain()
      try {
        // A keyed request answered with nothing to remember (a 429) cannot learn from a commit that
        // its key was answered elsewhere: look the keys up and compute again.
        if (attempt === 1 && work.keys.length < batch.filter((queued) => queued.job.key !== undefined).length) {
          throw new HeapConflictError(heapId, 'keys to look up')
        }
        // A block quota refused on the usage last seen: read it and compute again, once.
        if (!usageRead && outcomes.some((outcome) => !outcome.ok && isBlockQuota(outcome.error))) {
          usageRead = true
          this.rememberUsage(tenant, await this.store.blockUsage(tenant))
          throw new HeapConflictError(heapId, 'the block usage moved')
        }
        const delta = (heapId !== undefined && this.registry.holds(heapId) ? this.registry.heapBlocks(heapId) : 0) - before
        const version = heapId !== undefined ? this.versions.get(heapId) : undefined
        // Answers computed on a copy nobody checked, that change nothing (refusals): the copy must still be current.
        const guard = !checked && heapId !== undefined && version !== undefined && !work.heaps.has(heapId) ? { heapId, version } : undefined
        if (work.heaps.size === 0 && work.keys.length === 0 && guard === undefined) {
          this.counters.jobs += batch.length
          return outcomes
        }
        const committed = await this.store.commit(work, (id) => this.versions.get(id), {
          ...(guard !== undefined ? { guard } : {}),
          ...(delta !== 0 ? { deltas: [{ tenant, delta }] } : {})
        })
        for (const [id, committedVersion] of committed.versions) this.versions.set(id, committedVersion)
        for (const [id, heap] of work.heaps) {
          if (heap.deleted === true) this.versions.delete(id)
        }
        if (committed.usage !== undefined) this.rememberUsage(tenant, committed.usage)
        this.counters.commits++
        this.counters.jobs += batch.length
        return outcomes
      } catch (error) {
        // Nothing was committed: this process's copies and remembered answers go back to the database's.
        for (const id of work.heaps.keys()) this.drop(id)
        if (heapId !== undefined) this.drop(heapId)
        for (const queued of batch) {
          if (queued.job.key !== undefined) this.registry.dropIdempotencyKey(queued.job.key.tenant, queued.job.key.key)
        }
        if (error instanceof SharedQuotaError) return batch.map(() => ({ ok: false, error: new QuotaExceededError(error.limit, error.max, error.message) }))
        if (!(error instanceof HeapConflictError)) throw error
        this.counters.conflicts++
        if (error instanceof BlockQuotaConflictError) {
          usageRead = true
          this.rememberUsage(tenant, await this.store.blockUsage(tenant))
        }
        if (attempt === MAX_ATTEMPTS) {
          throw new StoreUnavailableError(this.store.location, new Error(`heap ${heapId ?? ''} kept changing on other instances`))
        }
      }
    }
  }

  /** The block usage last seen (by a commit, or read after a refusal); 0 for what was never seen. */
  private usageOf (tenant: string | undefined): BlockUsage {
    return { total: this.usage.get(ALL) ?? 0, tenant: tenant === undefined ? 0 : this.usage.get(tenant) ?? 0 }
  }

  private rememberUsage (tenant: string | undefined, usage: BlockUsage): void {
    this.usage.set(ALL, usage.total)
    if (tenant !== undefined) this.usage.set(tenant, usage.tenant)
  }

  /**
   * Makes this process's copy of the heap the database's: reloads it when missing, or when `check`
   * finds it behind. Answers whether the copy was checked (false: used as it was).
   */
  private async update (heapId: string, check: boolean): Promise<boolean> {
    const known = this.versions.get(heapId)
    if (known !== undefined && this.registry.holds(heapId) && !check) return false
    if (known !== undefined && this.registry.holds(heapId)) {
      const version = await this.store.version(heapId)
      if (version === known) return true
      if (version === undefined) {
        this.drop(heapId)
        return true
      }
    }
    const record = await this.store.fetch(heapId)
    if (record === undefined) {
      this.drop(heapId)
      return true
    }
    this.registry.adopt(record)
    this.versions.set(heapId, record.version)
    this.counters.reloads++
    return true
  }

  /** Keys answered on any instance are taken into this process's table first, so that the retry replays them. */
  private async lookUpKeys (batch: Queued[]): Promise<void> {
    for (const queued of batch) {
      const key = queued.job.key
      if (key === undefined) continue
      const record = await this.store.findKey(key.tenant ?? '', key.key)
      if (record !== undefined) this.registry.loadKeys([record])
    }
  }

  private drop (heapId: string): void {
    this.registry.forget(heapId)
    this.versions.delete(heapId)
  }
}

function isBlockQuota (error: unknown): boolean {
  return error instanceof QuotaExceededError && (error.limit === 'maxBlocksTotal' || error.limit === 'maxBlocksPerTenant')
}
