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
