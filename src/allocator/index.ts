/** Public entry of the allocator library (package export "./allocator"). */
export { createAllocator } from './create.js'
export { restoreAllocator } from './snapshot.js'
export { STRATEGIES, MAX_ALIGNMENT, MAX_LIVE_BLOCKS } from './types.js'
export type { Allocator, AllocatorOptions, AllocatorSnapshot, Block, FreeRange, HeapStats, HistoryCounters, Occupancy, Segment, Strategy } from './types.js'
export type { DefragGoal, DefragMove, DefragOptions, DefragPlan, LayoutStats, Reservation } from './types.js'
export { AllocatorError, OutOfMemoryError, ExceedsHeapSizeError, InvalidPointerError, InvalidArgumentError } from './errors.js'
export type { AllocatorErrorCode, OutOfMemoryReason, InvalidPointerReason } from './errors.js'
export { MAX_BUCKETS } from './views.js'
