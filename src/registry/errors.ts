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
