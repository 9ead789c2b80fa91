/**
 * Bounded work under alignment (free-index.ts CANDIDATES): a strategy examines a bounded number
 * of ranges that are too small once aligned, so on a shattered heap it may skip a range that would
 * fit; but it never answers out-of-memory while a free range of size + align - 1 bytes exists
 * (every strategy, aligned or not), and what it answers is aligned, inside free space.
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator, OutOfMemoryError, STRATEGIES, type Allocator } from '../../src/allocator/index.js'
import { CANDIDATES } from '../../src/allocator/free-index.js'

/** The largest free range, read from the layout. */
function largestFree (heap: Allocator): number {
  let largest = 0
  for (const range of heap.freeRanges()) largest = Math.max(largest, range.size)
  return largest
}

/** A heap of `count` free 16-byte ranges, each at an offset of 16 mod 32, between 16-byte blocks: none holds a 32-aligned byte. */
function shattered (strategy: typeof STRATEGIES[number], count: number, tail: number): Allocator {
  const heap = createAllocator({ size: 32 * count + tail, strategy })
  const ptrs: number[] = []
  for (let i = 0; i < 2 * count; i++) ptrs.push(heap.alloc(16))
  for (let i = 1; i < 2 * count; i += 2) heap.free(ptrs[i]!)
  return heap
}

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: never out of memory while a free range of size + align - 1 bytes exists`, async t => {
    const op = fc.oneof(
      { weight: 3, arbitrary: fc.record({ op: fc.constant('alloc' as const), size: fc.oneof(fc.integer({ min: 1, max: 24 }), fc.integer({ min: 1, max: 600 })), align: fc.constantFrom(1, 1, 2, 8, 32, 64, 512) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) }
    )
    fc.assert(fc.property(fc.integer({ min: 64, max: 20_000 }), fc.array(op, { maxLength: 300 }), (size, ops) => {
      const heap = createAllocator({ size, strategy })
      const live: number[] = []
      for (const step of ops) {
        if (step.op === 'free') {
          if (live.length > 0) heap.free(live.splice(step.pick % live.length, 1)[0]!)
          continue
        }
        if (step.size > size) continue
        const roomy = largestFree(heap) >= step.size + step.align - 1
        try {
          const ptr = heap.alloc(step.size, step.align)
          if (ptr % step.align !== 0) return false
          live.push(ptr)
        } catch (error) {
          if (!(error instanceof OutOfMemoryError) || roomy) return false
        }
      }
      heap.check()
      return true
    }), { numRuns: 200 })
    t.pass('no counterexample')
  })

  t.test(`${strategy}: a shattered heap of ranges that cannot hold an aligned byte`, async t => {
    const count = 50 * CANDIDATES
    const full = shattered(strategy, count, 0)
    t.throws(() => full.alloc(1, 32), OutOfMemoryError, 'nothing fits, and the answer says so')
    t.equal(full.stats().freeRanges, count)
    full.check()

    const roomy = shattered(strategy, count, 64)
    const ptr = roomy.alloc(1, 32)
    t.equal(ptr % 32, 0)
    t.ok(ptr >= 32 * count, 'served from the one range that can hold it, past every shard')
    t.equal(roomy.alloc(16, 16) % 16, 0, 'a request the shards fit is served at once')
    roomy.check()
  })
}

/**
 * `shards` 16-byte ranges at offsets of 16 mod 32 (none holds a 32-aligned byte), then one
 * 16-byte range at a 32-aligned offset (it fits alloc(1, 32), though shorter than 1 + 32 - 1),
 * then a 64-byte range at the end. Answers the heap and the two ranges' offsets.
 */
function nearMisses (strategy: 'first-fit' | 'best-fit', shards: number): { heap: Allocator, aligned: number, roomy: number } {
  const blocks = 2 * shards + 4
  const heap = createAllocator({ size: 16 * blocks + 64, strategy })
  const ptrs: number[] = []
  for (let i = 0; i < blocks; i++) ptrs.push(heap.alloc(16))
  for (let i = 1; i < 2 * shards; i += 2) heap.free(ptrs[i]!)
  const aligned = ptrs[2 * shards + 2]!
  heap.free(aligned)
  return { heap, aligned, roomy: 16 * blocks }
}

t.test('first-fit and best-fit: exact while fewer than CANDIDATES ranges are skipped, else the first range of size + align - 1', async t => {
  for (const strategy of ['first-fit', 'best-fit'] as const) {
    const few = nearMisses(strategy, CANDIDATES - 2)
    t.equal(few.aligned % 32, 0)
    t.equal(few.heap.alloc(1, 32), few.aligned, `${strategy}: the exact fit`)
    const many = nearMisses(strategy, CANDIDATES + 5)
    t.equal(many.heap.alloc(1, 32), many.roomy, `${strategy}: past CANDIDATES skipped ranges, the range that holds 1 + 32 - 1 bytes`)
    few.heap.check()
    many.heap.check()
  }
})
