/**
 * Defragmentation plans of one heap: the protocol around the allocator's planDefrag, reserve,
 * commitMoves and releaseReservations (docs/defrag.md).
 *
 * A heap has at most one open plan. While it is open its destinations are reserved in the
 * allocator (no alloc, realloc or other plan can take them) and its sources are pinned here: a free
 * or realloc of a moving block throws BlockMovingError. The client copies the bytes, then commits
 * (the blocks move) or aborts (the reservations go); a plan not committed by its `expiresAt` is
 * aborted on its own, when a timer fires or when the heap is next touched, whichever comes first, so
 * that a pinned clock in tests decides as well as the wall clock does. A committed plan keeps its
 * result until `expiresAt`, so that a retried commit answers the same.
 *
 * Every change is announced on RegistryEvents inside allocator.atomically, like the heap's own
 * changes: a store that refuses it undoes it.
 */
import { randomBytes } from 'node:crypto'
import type { Allocator, DefragGoal, DefragMove, HeapStats, LayoutStats } from '../allocator/types.js'
import {
  BlockMovingError, DefragInProgressError, PlanCommittedError, PlanExpiredError, PlanNotFoundError, UnknownMoveError
} from './errors.js'
import type { HeapState, RegistryEvents } from './events.js'
import type { IdempotencyRecord, Outcome } from './idempotency.js'
import { StoreUnavailableError } from './store/errors.js'

/** The default `ttl` of a plan, in milliseconds. */
export const DEFAULT_PLAN_TTL_MS = 60_000

export interface PlanRequest {
  goal?: DefragGoal
  size?: number
  align?: number
  maxBytes?: number
  maxMoves?: number
  /** Seconds the plan stays open; DEFAULT_PLAN_TTL_MS by default, at most DefragSettings.maxTtlMs. */
  ttl?: number
}

/** A move as a commit answers it. */
export interface MoveResult {
  ptr: number
  newPtr: number
  size: number
}

export interface CommitResult {
  moved: MoveResult[]
  skipped: MoveResult[]
  stats: HeapStats
}

/** A plan as the heap keeps it and a store records it: plain data. */
export interface Plan {
  id: string
  goal: DefragGoal
  /** Milliseconds since the epoch. */
  expiresAt: number
  moves: DefragMove[]
  bytesMoved: number
  before: LayoutStats
  after: LayoutStats
  /** Set once committed: the answer of every commit of the plan until it expires. */
  committed?: CommitResult
}

export type PlanOutcome = 'created' | 'committed' | 'aborted' | 'expired'

/** Totals of one registry's plans, read by the metrics when scraped. */
export interface DefragCounters {
  plans: Record<PlanOutcome, number>
  bytesMoved: number
}

export function newDefragCounters (): DefragCounters {
  return { plans: { created: 0, committed: 0, aborted: 0, expired: 0 }, bytesMoved: 0 }
}

export interface PlanTimers {
  setTimeout: (callback: () => void, ms: number) => { unref?: () => unknown }
  clearTimeout: (timer: ReturnType<PlanTimers['setTimeout']>) => void
}

const realTimers: PlanTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>)
}

/** What the heaps of one registry share. */
export interface DefragSettings {
  nowMs: () => number
  /** Longest ttl, in milliseconds. */
  maxTtlMs: number
  counters: DefragCounters
  timers?: PlanTimers
}

export function defaultDefragSettings (): DefragSettings {
  return { nowMs: () => Date.now(), maxTtlMs: 3_600_000, counters: newDefragCounters() }
}

/** The heap a plan belongs to, as the plan sees it. */
export interface DefragHost {
  readonly heapId: string
  readonly allocator: Allocator
  readonly state: HeapState
  readonly events: RegistryEvents
  readonly answering: (outcome: Outcome<unknown>) => IdempotencyRecord | undefined
}

/** A plan ID: 128 random bits in base64url, unguessable. */
export function newPlanId (): string {
  return randomBytes(16).toString('base64url')
}

/** A retry of a failed expiry (the store could not record it): soon, but not in a loop. */
const EXPIRY_RETRY_MS = 1_000

export class HeapPlans {
  /** The last plan, open or committed; undefined once aborted or expired. */
  private plan: Plan | undefined
  /** The ID of the last plan that expired, so that its commit answers plan-expired rather than not found. */
  private expiredId: string | undefined
  /** Sources of the open plan's moves. */
  private pinned = new Set<number>()
  private timer: ReturnType<PlanTimers['setTimeout']> | undefined
  private readonly timers: PlanTimers

  constructor (private readonly host: DefragHost, private readonly settings: DefragSettings, restored?: Plan) {
    this.timers = settings.timers ?? realTimers
    if (restored !== undefined) this.adopt(restored)
  }

  /** The open plan's ID, if one is open. */
  get openId (): string | undefined {
    return this.plan !== undefined && this.plan.committed === undefined ? this.plan.id : undefined
  }

  /** Expires the last plan if its time has come. Cheap when there is none. */
  settle (): void {
    if (this.plan !== undefined && this.settings.nowMs() >= this.plan.expiresAt) this.expire()
  }

  /** Throws BlockMovingError when the block at `ptr` is the source of an open plan's move. */
  guard (ptr: number): void {
    if (this.pinned.size > 0 && this.pinned.has(ptr)) throw new BlockMovingError(ptr, this.plan!.id)
  }

  /** Plans, reserves the destinations and pins the sources; throws DefragInProgressError when a plan is open. */
  create (request: PlanRequest): Plan {
    this.settle()
    const open = this.openId
    if (open !== undefined) throw new DefragInProgressError(this.host.heapId, open)
    const { allocator } = this.host
    const { ttl, ...options } = request
    const planned = allocator.planDefrag(options)
    const ttlMs = ttl === undefined ? Math.min(DEFAULT_PLAN_TTL_MS, this.settings.maxTtlMs) : ttl * 1000
    const plan: Plan = {
      id: newPlanId(),
      goal: planned.goal,
      expiresAt: this.settings.nowMs() + ttlMs,
      moves: planned.moves,
      bytesMoved: planned.bytesMoved,
      before: planned.before,
      after: planned.after
    }
    allocator.atomically(() => {
      allocator.reserve(plan.moves)
      const answered = this.host.answering({ ok: true, result: plan })
      this.host.events.changed({ kind: 'defrag-planned', heapId: this.host.heapId, plan, state: this.host.state, ...(answered !== undefined ? { answered } : {}) })
    })
    this.adopt(plan)
    this.settings.counters.plans.created++
    return plan
  }

  /** The plan with this ID: open, or committed and not yet expired. */
  get (planId: string): Plan {
    this.settle()
    return this.find(planId)
  }

  /**
   * Moves every block of the plan but those whose source is in `skipped`; a plan committed before
   * answers its first result again.
   */
  commit (planId: string, skipped: readonly number[] = []): CommitResult {
    this.settle()
    const plan = this.find(planId)
    if (plan.committed !== undefined) return plan.committed
    const sources = new Set(plan.moves.map((move) => move.ptr))
    skipped.forEach((ptr, index) => { if (!sources.has(ptr)) throw new UnknownMoveError(ptr, index, planId) })
    const skip = new Set(skipped)
    const { allocator } = this.host
    const result = allocator.atomically(() => {
      allocator.commitMoves(plan.moves, skip)
      const result: CommitResult = { moved: [], skipped: [], stats: allocator.stats() }
      for (const { ptr, newPtr, size } of plan.moves) (skip.has(ptr) ? result.skipped : result.moved).push({ ptr, newPtr, size })
      const answered = this.host.answering({ ok: true, result })
      this.host.events.changed({
        kind: 'defrag-committed',
        heapId: this.host.heapId,
        planId,
        moves: plan.moves,
        skipped: [...skip],
        result,
        state: this.host.state,
        ...(answered !== undefined ? { answered } : {})
      })
      return result
    })
    plan.committed = result
    this.pinned = new Set()
    this.settings.counters.plans.committed++
    for (const move of result.moved) this.settings.counters.bytesMoved += move.size
    return result
  }

  /** Aborts the open plan: its reservations are released, nothing moves. */
  abort (planId: string): void {
    this.settle()
    const plan = this.find(planId)
    if (plan.committed !== undefined) throw new PlanCommittedError(planId)
    this.end(plan, 'aborted', true)
  }

  /**
   * Forgets the plan of a heap being reset or deleted, without announcing it: the reset or the
   * delete, already announced, ends the plan in a store too. The caller resets the allocator.
   */
  drop (): void {
    if (this.plan !== undefined && this.plan.committed === undefined) this.settings.counters.plans.aborted++
    this.forget()
    this.expiredId = undefined
  }

  private expire (): void {
    const plan = this.plan!
    if (plan.committed !== undefined) {
      this.forget()
    } else {
      this.end(plan, 'expired', false)
    }
    this.expiredId = plan.id
  }

  private end (plan: Plan, reason: 'aborted' | 'expired', answers: boolean): void {
    const { allocator } = this.host
    allocator.atomically(() => {
      allocator.releaseReservations(plan.moves)
      const answered = answers ? this.host.answering({ ok: true, result: undefined }) : undefined
      this.host.events.changed({
        kind: 'defrag-ended',
        heapId: this.host.heapId,
        planId: plan.id,
        moves: plan.moves,
        reason,
        state: this.host.state,
        ...(answered !== undefined ? { answered } : {})
      })
    })
    this.forget()
    this.settings.counters.plans[reason]++
  }

  private find (planId: string): Plan {
    if (this.plan !== undefined && this.plan.id === planId) return this.plan
    if (planId === this.expiredId) throw new PlanExpiredError(planId)
    throw new PlanNotFoundError(this.host.heapId, planId)
  }

  /** Takes `plan` as the heap's last plan (new, or restored from a store with its reservations in the allocator). */
  private adopt (plan: Plan): void {
    this.forget()
    this.plan = plan
    this.expiredId = undefined
    if (plan.committed === undefined) this.pinned = new Set(plan.moves.map((move) => move.ptr))
    this.arm(plan.expiresAt - this.settings.nowMs())
  }

  private forget (): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
    this.plan = undefined
    this.pinned = new Set()
  }

  /** Settles the plan when its time comes by the settings' clock (checked again when the timer fires). */
  private arm (delayMs: number): void {
    const timer = this.timers.setTimeout(() => {
      if (this.timer !== timer) return
      this.timer = undefined
      try {
        this.settle()
      } catch (error) {
        // The store could not record the expiry: the plan stays open and the next touch or timer
        // tries again. Any other failure (a store closed with its app) is left to the next touch.
        if (!(error instanceof StoreUnavailableError)) return
      }
      const plan = this.plan
      if (plan !== undefined && this.timer === undefined) this.arm(Math.max(EXPIRY_RETRY_MS, plan.expiresAt - this.settings.nowMs()))
    }, Math.max(0, delayMs))
    // A plan's timer alone never keeps the process alive.
    timer.unref?.()
    this.timer = timer
  }
}
