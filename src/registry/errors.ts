/** Registry errors: what went wrong in terms of heaps and limits, with no HTTP in them. */

export class HeapNotFoundError extends Error {
  readonly code = 'HEAP_NOT_FOUND'
  constructor (readonly heapId: string) {
    super(`no heap with ID ${heapId}`)
    this.name = 'HeapNotFoundError'
  }
}

export type LimitName = 'maxHeaps' | 'maxHeapsPerTenant' | 'maxHeapSize' | 'maxBlocksPerHeap' | 'maxBlocksTotal' | 'maxBlocksPerTenant' | 'maxBatchOps' | 'maxPageSize'

/** A configured limit would be exceeded; `limit` names it and `value` is its setting. */
export class QuotaExceededError extends Error {
  readonly code = 'QUOTA_EXCEEDED'
  constructor (readonly limit: LimitName, readonly value: number, detail: string) {
    super(`${detail} (${limit} is ${value})`)
    this.name = 'QuotaExceededError'
  }
}

/** An atomic batch stopped at op `index`; `cause` is that op's error. The heap is unchanged. */
export class BatchOpError extends Error {
  readonly code = 'BATCH_OP_FAILED'
  constructor (readonly index: number, override readonly cause: Error) {
    super(`op ${index} failed: ${cause.message}`)
    this.name = 'BatchOpError'
  }
}

/** The Idempotency-Key was used before, with another request (method, path or body). */
export class IdempotencyKeyReusedError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_REUSED'
  constructor (readonly key: string) {
    super(`the Idempotency-Key ${key} was used before with a different request`)
    this.name = 'IdempotencyKeyReusedError'
  }
}

/** The first request with this Idempotency-Key has not finished yet. */
export class IdempotencyKeyInFlightError extends Error {
  readonly code = 'IDEMPOTENCY_KEY_IN_FLIGHT'
  constructor (readonly key: string) {
    super(`the first request with the Idempotency-Key ${key} has not finished; retry once it has`)
    this.name = 'IdempotencyKeyInFlightError'
  }
}

/** The block at `ptr` is the source of a move of the open defragmentation plan `planId`: it cannot be freed or resized now. */
export class BlockMovingError extends Error {
  readonly code = 'BLOCK_MOVING'
  constructor (readonly ptr: number, readonly planId: string) {
    super(`the block at ${ptr} is moving in defragmentation plan ${planId}; commit or abort the plan first`)
    this.name = 'BlockMovingError'
  }
}

/** The heap already has an open defragmentation plan, `planId`. */
export class DefragInProgressError extends Error {
  readonly code = 'DEFRAG_IN_PROGRESS'
  constructor (readonly heapId: string, readonly planId: string) {
    super(`heap ${heapId} already has an open defragmentation plan, ${planId}; commit or abort it first`)
    this.name = 'DefragInProgressError'
  }
}

/** No plan of the heap has this ID (never made, aborted, or replaced by a newer plan). */
export class PlanNotFoundError extends Error {
  readonly code = 'PLAN_NOT_FOUND'
  constructor (readonly heapId: string, readonly planId: string) {
    super(`heap ${heapId} has no defragmentation plan ${planId}`)
    this.name = 'PlanNotFoundError'
  }
}

/** The plan passed its expiresAt: it was aborted, or its committed result forgotten. */
export class PlanExpiredError extends Error {
  readonly code = 'PLAN_EXPIRED'
  constructor (readonly planId: string) {
    super(`defragmentation plan ${planId} passed its expiresAt and was aborted: nothing moved after that; make a new plan`)
    this.name = 'PlanExpiredError'
  }
}

/** An abort of a plan that is committed already: its blocks have moved. */
export class PlanCommittedError extends Error {
  readonly code = 'PLAN_COMMITTED'
  constructor (readonly planId: string) {
    super(`defragmentation plan ${planId} is committed: its blocks have moved and cannot be put back by an abort`)
    this.name = 'PlanCommittedError'
  }
}

/** A commit's `skipped[index]` names no source of the plan's moves. */
export class UnknownMoveError extends Error {
  readonly code = 'UNKNOWN_MOVE'
  constructor (readonly ptr: number, readonly index: number, readonly planId: string) {
    super(`skipped[${index}]: ${ptr} is not the source of a move of plan ${planId}`)
    this.name = 'UnknownMoveError'
  }
}
