/**
 * occupancy() in slices: the same answer as in one go when nothing changes between slices, for
 * every strategy and slice size; when the heap changes between slices, each byte is counted as the
 * heap was when the walk passed it.
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator, STRATEGIES } from '../../src/allocator/index.js'
import type { Allocator, Occupancy } from '../../src/allocator/types.js'

function drain (slices: Generator<void, Occupancy, void>): { occupancy: Occupancy, slices: number } {
  let count = 1
  for (;;) {
    const step = slices.next()
    if (step.done === true) return { occupancy: step.value, slices: count }
    count++
  }
}

t.test('sliced or not, the same occupancy when the heap holds still', async (t) => {
  for (const strategy of STRATEGIES) {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 200 }), { minLength: 1, maxLength: 120 }),
      fc.array(fc.nat(), { maxLength: 60 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 9 }),
      fc.nat(), fc.nat(),
      (sizes, frees, buckets, perSlice, a, b) => {
        const heap: Allocator = createAllocator({ size: 30_000, strategy })
        const live = sizes.map((size) => heap.alloc(size))
        for (const pick of frees) if (live.length > 0) heap.free(live.splice(pick % live.length, 1)[0]!)
        const from = a % 29_000
        const to = from + 1 + (b % (30_000 - from))
        const { occupancy, slices } = drain(heap.occupancyInSlices(buckets, from, to, perSlice))
        const segments = [...heap.segments(from)].filter((s) => s.offset < to).length
        return JSON.stringify(occupancy) === JSON.stringify(heap.occupancy(buckets, from, to)) &&
          slices === Math.max(1, Math.ceil(segments / perSlice))
      }), { numRuns: 150 })
  }
  t.pass('150 runs per strategy')
})

t.test('a change between slices counts where the walk has not passed, not where it has', async (t) => {
  for (const strategy of STRATEGIES) {
    const heap = createAllocator({ size: 1000, strategy })
    const ptrs = Array.from({ length: 10 }, () => heap.alloc(100)) // ten used segments, no free one
    const slices = heap.occupancyInSlices(10, 0, 1000, 3)
    t.equal(slices.next().done, false, 'the first slice walked [0, 300)')
    heap.free(ptrs[0]!) // behind the walk: already counted as used
    heap.free(ptrs[9]!) // ahead of it: counted as free
    const { occupancy } = drain(slices)
    t.same(occupancy.buckets.map((bucket) => bucket.used), [100, 100, 100, 100, 100, 100, 100, 100, 100, 0], strategy)
    t.same(heap.occupancy(10).buckets.map((bucket) => bucket.used), [0, 100, 100, 100, 100, 100, 100, 100, 100, 0])
  }
})

t.test('slices check their arguments at the first step', async (t) => {
  const heap = createAllocator({ size: 100 })
  t.throws(() => heap.occupancyInSlices(0).next(), { code: 'INVALID_ARGUMENT', argument: 'buckets' })
  t.throws(() => heap.occupancyInSlices(2, 50, 50).next(), { code: 'INVALID_ARGUMENT' })
})
