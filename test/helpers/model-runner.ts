/**
 * Drives an allocator and a HeapModel with the same operations and asserts that they agree:
 * results, errors (code, reason, figures), layout and stats, and check() after every step.
 * Placement is checked against the policy: exact pointers for first-fit and best-fit, for any
 * other strategy only "inside a gap, aligned, and never a false out-of-memory".
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { Allocator } from '../../src/allocator/types.js'
import { AllocatorError } from '../../src/allocator/errors.js'
import { alignUp } from '../../src/allocator/align.js'
import type { HeapModel } from './model.js'

export type Op =
  | { op: 'alloc', size: number, align?: number }
  | { op: 'free', pick: number }
  | { op: 'freeBad', ptr: number }
  | { op: 'realloc', pick: number, size: number }
  | { op: 'allocAt', ptr: number, size: number }
  | { op: 'reset' }
  | { op: 'atomic', ops: Op[], fail: boolean }

export type Policy = 'first-fit' | 'best-fit' | 'any'

/** Operations on a heap of `heapSize` bytes; sizes mostly small enough to pack many blocks. */
export function opsArbitrary (heapSize: number, maxLength = 60): fc.Arbitrary<Op[]> {
  const small = Math.max(1, Math.floor(heapSize / 6))
  const size = fc.oneof(
    { weight: 8, arbitrary: fc.integer({ min: 1, max: small }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: heapSize + 2 }) }
  )
  const align = fc.constantFrom(undefined, 1, 2, 8, 64, 4096, 2 ** 30)
  const ptr = fc.integer({ min: -2, max: heapSize + 2 })
  const leaf: fc.Arbitrary<Op> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('alloc' as const), size, align }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('freeBad' as const), ptr }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('realloc' as const), pick: fc.nat(), size }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('allocAt' as const), ptr, size }) },
    { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) }
  )
  const atomic = fc.record({ op: fc.constant('atomic' as const), ops: fc.array(leaf, { maxLength: 6 }), fail: fc.boolean() })
  return fc.array(fc.oneof({ weight: 12, arbitrary: leaf }, { weight: 1, arbitrary: atomic }), { maxLength })
}

/** Calls fn and returns the allocator error it throws (failing when it does not throw one). */
function thrown (fn: () => unknown): AllocatorError {
  try {
    fn()
  } catch (error) {
    if (error instanceof AllocatorError) return error
    throw error
  }
  assert.fail('expected an allocator error')
}

function expectOutOfMemory (heap: Allocator, model: HeapModel, fn: () => unknown, size: number): void {
  const error = thrown(fn) as AllocatorError & Record<string, unknown>
  const stats = model.expectedStats()
  // Past 2^53 - 1 a size is no safe integer: the argument is invalid before it is too large.
  if (!Number.isSafeInteger(size)) {
    assert.equal(error.code, 'INVALID_ARGUMENT')
    return
  }
  if (size > model.size) {
    assert.equal(error.code, 'EXCEEDS_HEAP_SIZE')
    return
  }
  assert.equal(error.code, 'OUT_OF_MEMORY')
  assert.equal(error.requested, size)
  assert.equal(error.free, stats.free)
  assert.equal(error.largestFree, stats.largestFree)
  assert.equal(error.reason, stats.free! < size ? 'full' : 'fragmented')
  model.failedAllocs++
}

/** Asserts `ptr` is where the policy puts `size` bytes aligned to `align` on the model's layout. */
function expectPlacement (model: HeapModel, policy: Policy, ptr: number, size: number, align: number): void {
  assert.equal(ptr % align, 0, `ptr ${ptr} not aligned to ${align}`)
  assert.ok(model.isFree(ptr, size), `[${ptr}, +${size}) is not free`)
  const fitting = model.fitting(size, align)
  if (policy === 'first-fit') assert.equal(ptr, model.firstFit(size, align))
  if (policy === 'best-fit') {
    const smallest = Math.min(...fitting.map(g => g.size))
    assert.equal(ptr, alignUp(fitting.find(g => g.size === smallest)!.offset, align))
  }
}

export function step (heap: Allocator, model: HeapModel, op: Op, policy: Policy): void {
  const live = model.blocks
  switch (op.op) {
    case 'alloc': {
      const align = Math.max(op.align ?? 1, model.alignment)
      if (op.size > model.size || model.fitting(op.size, align).length === 0) {
        expectOutOfMemory(heap, model, () => heap.alloc(op.size, op.align), op.size)
        break
      }
      const ptr = heap.alloc(op.size, op.align)
      expectPlacement(model, policy, ptr, op.size, align)
      model.allocs++
      model.add({ ptr, size: op.size, align })
      break
    }
    case 'free': {
      const block = live[op.pick % Math.max(1, live.length)]
      if (block === undefined) break
      heap.free(block.ptr)
      model.remove(block.ptr)
      model.frees++
      break
    }
    case 'freeBad': {
      if (!Number.isSafeInteger(op.ptr)) {
        // Past 2^53 - 1 (drawn on the largest heaps) a pointer is not an integer the API takes.
        assert.equal(thrown(() => heap.free(op.ptr)).code, 'INVALID_ARGUMENT')
        break
      }
      const expected = model.classify(op.ptr)
      if (expected === undefined) break
      const error = thrown(() => heap.free(op.ptr)) as AllocatorError & Record<string, unknown>
      assert.equal(error.code, 'INVALID_POINTER')
      assert.equal(error.reason, expected.reason)
      assert.equal(error.blockPtr, expected.blockPtr)
      break
    }
    case 'realloc': {
      const block = live[op.pick % Math.max(1, live.length)]
      if (block === undefined) break
      const inPlace = op.size <= block.size || op.size - block.size <= model.roomAfter(block)
      if (inPlace) {
        assert.equal(heap.realloc(block.ptr, op.size), block.ptr)
        block.size = op.size
        model.notePeaks()
      } else if (op.size > model.size || model.fitting(op.size, block.align).length === 0) {
        expectOutOfMemory(heap, model, () => heap.realloc(block.ptr, op.size), op.size)
        break
      } else {
        const ptr = heap.realloc(block.ptr, op.size)
        expectPlacement(model, policy, ptr, op.size, block.align)
        model.remove(block.ptr)
        model.add({ ptr, size: op.size, align: block.align })
      }
      model.reallocs++
      break
    }
    case 'allocAt': {
      if (op.ptr >= 0 && op.size <= model.size && model.isFree(op.ptr, op.size)) {
        heap.allocAt(op.ptr, op.size)
        model.allocs++
        model.add({ ptr: op.ptr, size: op.size, align: model.alignment })
      } else {
        assert.equal(thrown(() => heap.allocAt(op.ptr, op.size)).code, 'INVALID_ARGUMENT')
      }
      break
    }
    case 'reset':
      heap.reset()
      model.blocks = []
      break
    case 'atomic': {
      const before = model.clone()
      const layout = [...heap.segments()]
      const stats = heap.stats()
      const marker = new Error('rollback')
      try {
        heap.atomically(() => {
          for (const inner of op.ops) step(heap, model, inner, policy)
          if (op.fail) throw marker
        })
      } catch (error) {
        if (error !== marker) throw error
        Object.assign(model, before)
        assert.deepEqual([...heap.segments()], layout)
        assert.deepEqual(heap.stats(), stats)
      }
      break
    }
  }
  heap.check()
  assertAgrees(heap, model)
}

export function assertAgrees (heap: Allocator, model: HeapModel): void {
  const stats = heap.stats() as unknown as Record<string, number>
  for (const [key, value] of Object.entries(model.expectedStats())) assert.equal(stats[key], value, `stats.${key}`)
  assert.deepEqual([...heap.blocks()].map(b => ({ ptr: b.ptr, size: b.size })), model.blocks.map(b => ({ ptr: b.ptr, size: b.size })))
  assert.deepEqual([...heap.freeRanges()], model.gaps())
  for (const b of model.blocks) assert.equal(heap.sizeOf(b.ptr), b.size)
}
