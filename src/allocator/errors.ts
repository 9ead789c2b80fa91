/** Allocator errors: one class per stable `code`, carrying the figures a caller needs to react. */

export type AllocatorErrorCode = 'OUT_OF_MEMORY' | 'EXCEEDS_HEAP_SIZE' | 'INVALID_POINTER' | 'INVALID_ARGUMENT'

export abstract class AllocatorError extends Error {
  abstract readonly code: AllocatorErrorCode
}

export type OutOfMemoryReason = 'full' | 'fragmented'

/** No free range fits. `full`: total free space is short; `fragmented`: enough in total, not contiguous. */
export class OutOfMemoryError extends AllocatorError {
  readonly code = 'OUT_OF_MEMORY'
  readonly reason: OutOfMemoryReason
  constructor (
    readonly requested: number,
    readonly free: number,
    readonly largestFree: number,
    readonly align = 1
  ) {
    const reason: OutOfMemoryReason = free < requested ? 'full' : 'fragmented'
    super(reason === 'full'
      ? `out of memory: ${requested} bytes requested, ${free} free`
      : `out of memory: ${requested} bytes requested, ${free} free but the largest free range is ${largestFree} bytes`)
    this.name = 'OutOfMemoryError'
    this.reason = reason
  }
}

/** A request larger than the whole heap: it can never succeed. */
export class ExceedsHeapSizeError extends AllocatorError {
  readonly code = 'EXCEEDS_HEAP_SIZE'
  constructor (readonly requested: number, readonly heapSize: number) {
    super(`${requested} bytes requested, the heap holds ${heapSize}`)
    this.name = 'ExceedsHeapSizeError'
  }
}

export type InvalidPointerReason = 'out-of-bounds' | 'free' | 'interior'

/** `ptr` is not the start of a live block: outside the heap, in free space (e.g. a double free), or inside a block. */
export class InvalidPointerError extends AllocatorError {
  readonly code = 'INVALID_POINTER'
  constructor (readonly ptr: number, readonly reason: InvalidPointerReason, readonly blockPtr?: number) {
    super(reason === 'out-of-bounds'
      ? `pointer ${ptr} is outside the heap`
      : reason === 'free'
        ? `pointer ${ptr} is in free space (already freed, or never allocated)`
        : `pointer ${ptr} is inside the block at ${blockPtr ?? '?'}, not at its start`)
    this.name = 'InvalidPointerError'
  }
}

/** An argument that is not a valid size, alignment, pointer or option. */
export class InvalidArgumentError extends AllocatorError {
  readonly code = 'INVALID_ARGUMENT'
  constructor (readonly argument: string, message: string) {
    super(`${argument}: ${message}`)
    this.name = 'InvalidArgumentError'
  }
}
