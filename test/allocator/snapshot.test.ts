/**
 * Snapshots (src/allocator/snapshot.ts): after any history of allocs (with alignments), frees,
 * reallocs, allocAt, resets and atomic groups (failed ones reorder tlsf lists on undo), a heap
 * rebuilt from its snapshot (blocks with alignments + free order) answers every later operation
 * exactly as the original does, and both pass check().
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator } from '../../src/allocator/create.js'
import { HeapAllocator } from '../../src/allocator/allocator.js'
import { AllocatorError, InvalidArgumentError } from '../../src/allocator/errors.js'
import { layOut, restoreSnapshot, takeSnapshot } from '../../src/allocator/snapshot.js'
import { STRATEGIES, type Allocator, type Strategy } from '../../src/allocator/types.js'
import { opsArbitrary, type Op } from '../helpers/model-runner.js'

const ROLLBACK = Symbol('roll the group back')

/** Runs `ops` on `heap`, picking blocks from `live` (kept up to date); answers what each op returned. */
function drive (heap: Allocator, ops: readonly Op[], live: number[]): string[] {
  const trace: string[] = []
  const attempt = (fn: () => string) => {
    try {
      trace.push(fn())
    } catch (error) {
      if (!(error instanceof AllocatorError)) throw error
      trace.push(error.code)
    }
  }
  const pick = (n: number) => live.length === 0 ? -1 : n % live.length
  const run = (op: Op): void => {
    switch (op.op) {
      case 'alloc': return attempt(() => { const ptr = heap.alloc(op.size, op.align); live.push(ptr); return `+${ptr}` })
      case 'free': return attempt(() => { const i = pick(op.pick); heap.free(live[i] ?? -1); live.splice(i, 1); return 'freed' })
      case 'freeBad': return attempt(() => { heap.free(op.ptr); live.splice(live.indexOf(op.ptr), 1); return 'freed' })
      case 'realloc': return attempt(() => { const i = pick(op.pick); const ptr = heap.realloc(live[i] ?? -1, op.size); live[i] = ptr; return `~${ptr}` })
      case 'allocAt': return attempt(() => { heap.allocAt(op.ptr, op.size); live.push(op.ptr); return `@${op.ptr}` })
      case 'reset': heap.reset(); live.length = 0; trace.push('reset'); return
      case 'atomic': {
        const before = [...live]
        try {
          heap.atomically(() => {
            for (const inner of op.ops) run(inner)
            if (op.fail) throw ROLLBACK
          })
        } catch (error) {
          if (error !== ROLLBACK) throw error
          live.splice(0, live.length, ...before)
          trace.push('rolled back')
        }
      }
    }
  }
  for (const op of ops) run(op)
  return trace
}

/**
 * Allocs and frees of a few sizes (a tlsf bin's list then holds many ranges, whose order is
 * history), reallocs among them, failed atomic groups.
 */
function fewSizesArbitrary (sizes: number[], length: number): fc.Arbitrary<Op[]> {
  const size = fc.constantFrom(...sizes)
  const leaf: fc.Arbitrary<Op> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant('alloc' as const), size, align: fc.constantFrom(undefined, undefined, 16) }) },
    { weight: 4, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('realloc' as const), pick: fc.nat(), size }) }
  )
  const atomic = fc.record({ op: fc.constant('atomic' as const), ops: fc.array(leaf, { maxLength: 6 }), fail: fc.boolean() })
  return fc.array(fc.oneof({ weight: 12, arbitrary: leaf }, { weight: 1, arbitrary: atomic }), { maxLength: length })
}

const anyOps = fc.record({
  size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 5000 }), fc.integer({ min: 5001, max: 1 << 20 })),
  alignment: fc.constantFrom(1, 1, 1, 4, 64)
}).chain(heap => fc.tuple(fc.constant(heap), opsArbitrary(heap.size, 120), opsArbitrary(heap.size, 80)))

const fewSizes = fc.record({
  size: fc.integer({ min: 2000, max: 20_000 }),
  alignment: fc.constantFrom(1, 1, 8),
  sizes: fc.uniqueArray(fc.oneof(fc.integer({ min: 1, max: 63 }), fc.integer({ min: 64, max: 300 })), { minLength: 1, maxLength: 4 })
}).chain(({ sizes, ...heap }) => fc.tuple(fc.constant(heap), fewSizesArbitrary(sizes, 150), fewSizesArbitrary(sizes, 80)))

const scenario = fc.oneof(anyOps, fewSizes)

function fresh (strategy: Strategy, heap: { size: number, alignment: number }): HeapAllocator {
  const allocator = createAllocator({ ...heap, strategy })
  if (!(allocator instanceof HeapAllocator)) throw new Error('the library allocator is a HeapAllocator')
  return allocator
}

/** True when the copy made by `rebuild` from the original after `history` answers `future` as the original does. */
function sameFuture (strategy: Strategy, rebuild: (copy: Allocator, original: HeapAllocator) => void) {
  return ([heap, history, future]: [{ size: number, alignment: number }, Op[], Op[]]) => {
    const original = fresh(strategy, heap)
    const live: number[] = []
    drive(original, history, live)
    const copy = fresh(strategy, heap)
    rebuild(copy, original)
    copy.check()
    if (JSON.stringify([...copy.segments()]) !== JSON.stringify([...original.segments()])) return false
    if (JSON.stringify(copy.freeOrder()) !== JSON.stringify(original.freeOrder())) return false
    const expected = drive(original, future, [...live])
    const actual = drive(copy, future, [...live])
    original.check()
    copy.check()
    return JSON.stringify(actual) === JSON.stringify(expected)
  }
}

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: a heap rebuilt from its snapshot makes the same later placements`, async t => {
    fc.assert(fc.property(scenario, sameFuture(strategy, (copy, original) => restoreSnapshot(copy, takeSnapshot(original)))), { numRuns: 300 })
    t.pass('no counterexample')
  })
}

t.test('tlsf: the layout alone is not enough, the free order is what makes the placements equal', async t => {
  const layoutOnly = sameFuture('tlsf', (copy, original) => layOut(copy, takeSnapshot(original).blocks))
  const result = fc.check(fc.property(scenario, layoutOnly), { numRuns: 2000, seed: 42 })
  t.ok(result.failed, 'some history makes a layout-only rebuild place differently')
})

t.test('tlsf: freeOrder lists every free range once; restoreFreeOrder refuses anything else and changes nothing', async t => {
  const heap = fresh('tlsf', { size: 10_000, alignment: 1 })
  const ptrs = [100, 100, 100, 100, 100, 100, 300, 100].map(size => heap.alloc(size))
  heap.free(ptrs[4]!)
  heap.free(ptrs[0]!)
  heap.free(ptrs[2]!)
  heap.free(ptrs[6]!) // 300 bytes: another bin
  const order = heap.freeOrder()
  t.same([...order].sort((a, b) => a - b), [...heap.freeRanges()].map(range => range.offset))
  t.same(order, [0, 200, 400, 600, 1000], 'bins by size; in a bin the lowest at the head, then the most recently freed')
  const layoutOnly = fresh('tlsf', { size: 10_000, alignment: 1 })
  layOut(layoutOnly, takeSnapshot(heap).blocks)
  t.same(layoutOnly.freeOrder(), [0, 400, 200, 600, 1000], 'a layout rebuilt in address order has another order')
  const reversed = [order[2]!, order[1]!, order[0]!, ...order.slice(3)]
  heap.restoreFreeOrder(reversed)
  t.same(heap.freeOrder(), reversed)
  heap.check()
  t.equal(heap.alloc(100), 400, 'the new head serves')
  const now = heap.freeOrder()
  for (const bad of [now.slice(1), [...now, now[0]!], [now[0]!, now[0]!, ...now.slice(2)], [1, ...now.slice(1)]]) {
    t.throws(() => heap.restoreFreeOrder(bad), InvalidArgumentError)
    t.same(heap.freeOrder(), now, 'unchanged')
  }
  heap.check()
})

t.test('first-fit and best-fit: the free order is address order', async t => {
  for (const strategy of ['first-fit', 'best-fit'] as const) {
    const heap = fresh(strategy, { size: 1000, alignment: 1 })
    const ptrs = [10, 20, 30, 40, 50].map(size => heap.alloc(size))
    heap.free(ptrs[3]!)
    heap.free(ptrs[1]!)
    t.same(heap.freeOrder(), [10, 60, 150], strategy)
  }
})
