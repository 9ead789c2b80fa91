/** createAllocator: validates the options and builds the shared core over the strategy's FreeIndex. */
import { HeapAllocator } from './allocator.js'
import { InvalidArgumentError } from './errors.js'
import type { FreeIndexFactory } from './free-index.js'
import { FREE_INDEXES } from './strategies.js'
import type { Allocator, AllocatorOptions, Strategy } from './types.js'
import { checkAlignment, checkSize } from './validate.js'

export function createAllocator (options: AllocatorOptions): Allocator {
  const strategy = options.strategy ?? 'first-fit'
  const factory = Object.hasOwn(FREE_INDEXES, strategy) ? FREE_INDEXES[strategy] : undefined
  if (factory === undefined) {
    throw new InvalidArgumentError('strategy', `must be one of ${Object.keys(FREE_INDEXES).join(', ')}, got ${String(strategy)}`)
  }
  return createAllocatorWithIndex(options, factory, strategy)
}

/** The same core over any FreeIndex (tests plug in their own). */
export function createAllocatorWithIndex (options: AllocatorOptions, factory: FreeIndexFactory, strategy: Strategy = 'first-fit'): HeapAllocator {
  const size = checkSize('size', options.size)
  const alignment = checkAlignment('alignment', options.alignment ?? 1)
  return new HeapAllocator(size, strategy, alignment, factory)
}
