/**
 * realloc (same size, shrink, grow in place, move, failure leaves the block untouched) and
 * atomically (a failing fn leaves layout AND stats exactly as before; nesting; success keeps).
 */
import t from 'tap'
import { createAllocator } from '../../src/allocator/index.js'
import { FREE_INDEXES } from '../../src/allocator/strategies.js'
import type { Allocator, Strategy } from '../../src/allocator/types.js'

const strategies = Object.keys(FREE_INDEXES) as Strategy[]
const layout = (heap: Allocator) => [...heap.segments()].map(s => `${s.state[0]}${s.offset}+${s.size}`).join(' ')

for (const strategy of strategies) {
  t.test(`${strategy}: realloc`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    const a = heap.alloc(100)
    const b = heap.alloc(100)
    t.equal(heap.realloc(a, 100), a, 'same size: same ptr')
    t.equal(heap.realloc(a, 40), a, 'shrink in place')
    t.equal(layout(heap), 'u0+40 f40+60 u100+100 f200+800', 'the tail became free space')
    t.equal(heap.realloc(a, 90), a, 'grow in place into the free right neighbour')
    t.equal(layout(heap), 'u0+90 f90+10 u100+100 f200+800')
    t.equal(heap.realloc(a, 100), a, 'grow in place, using the whole neighbour')
    t.equal(layout(heap), 'u0+100 u100+100 f200+800')
    t.equal(heap.realloc(b, 50), b)
    t.equal(layout(heap), 'u0+100 u100+50 f150+850', 'shrink merges the tail with a free right neighbour')
    const moved = heap.realloc(a, 300)
    t.not(moved, a, 'no room on the right: moved')
    t.equal(heap.sizeOf(moved), 300)
    t.equal(heap.sizeOf(a), undefined, 'the old block is freed')
    t.match(heap.stats(), { used: 350, liveBlocks: 2, reallocs: 6, allocs: 2, frees: 0 })
    heap.check()
  })

  t.test(`${strategy}: a failing realloc leaves the block untouched`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    const a = heap.alloc(400)
    heap.alloc(400)
    const before = layout(heap)
    t.throws(() => heap.realloc(a, 500), { code: 'OUT_OF_MEMORY', requested: 500, free: 200, largestFree: 200, reason: 'full' })
    t.throws(() => heap.realloc(a, 1001), { code: 'EXCEEDS_HEAP_SIZE' })
    t.throws(() => heap.realloc(a, 0), { code: 'INVALID_ARGUMENT' })
    t.throws(() => heap.realloc(a + 1, 10), { code: 'INVALID_POINTER', reason: 'interior', blockPtr: a })
    t.throws(() => heap.realloc(900, 10), { code: 'INVALID_POINTER', reason: 'free' })
    t.equal(layout(heap), before)
    t.equal(heap.sizeOf(a), 400)
    t.match(heap.stats(), { failedAllocs: 1, reallocs: 0 })
    heap.check()
  })

  t.test(`${strategy}: a moved block keeps its alignment`, async t => {
    const heap = createAllocator({ size: 1 << 20, strategy })
    heap.alloc(10)
    const a = heap.alloc(10, 4096)
    heap.alloc(10)
    const moved = heap.realloc(a, 5000)
    t.equal(moved % 4096, 0, 'aligned like the original request')
    heap.check()
  })

  t.test(`${strategy}: atomically rolls back layout and stats`, async t => {
    const heap = createAllocator({ size: 10_000, strategy, alignment: 8 })
    const keep = [heap.alloc(100), heap.alloc(200, 64), heap.alloc(300)]
    heap.free(keep[1]!)
    const beforeLayout = layout(heap)
    const beforeStats = heap.stats()
    const failure = new Error('stop')
    t.throws(() => heap.atomically(() => {
      heap.free(keep[0]!)
      const x = heap.alloc(1000, 512)
      heap.realloc(keep[2]!, 50)
      heap.realloc(x, 5000)
      heap.allocAt(9000, 10)
      heap.reset()
      heap.alloc(9999)
      throw failure
    }), failure)
    t.equal(layout(heap), beforeLayout, 'layout restored')
    t.same(heap.stats(), beforeStats, 'stats restored, counters included')
    t.equal(heap.sizeOf(keep[0]!), 100)
    heap.check()
    // The restored blocks behave: a moved realloc still uses their alignment.
    heap.free(keep[0]!)
    heap.free(keep[2]!)
    t.same([...heap.segments()], [{ offset: 0, size: 10_000, state: 'free' }])
  })

  t.test(`${strategy}: atomically keeps the changes of a successful fn and returns its value`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    const ptr = heap.atomically(() => heap.alloc(10))
    t.equal(heap.sizeOf(ptr), 10)
    t.equal(heap.stats().allocs, 1)
    t.throws(() => heap.atomically(() => heap.alloc(2000)), { code: 'EXCEEDS_HEAP_SIZE' }, 'the error propagates')
    t.equal(heap.stats().liveBlocks, 1)
  })

  t.test(`${strategy}: nested atomically calls are savepoints`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    const inner = new Error('inner')
    const outerPtr = heap.atomically(() => {
      const a = heap.alloc(100)
      t.throws(() => heap.atomically(() => {
        heap.free(a)
        heap.alloc(500)
        throw inner
      }), inner)
      t.equal(heap.sizeOf(a), 100, 'the inner changes are undone, the outer ones kept')
      t.equal(heap.stats().liveBlocks, 1)
      return a
    })
    t.equal(heap.sizeOf(outerPtr), 100)
    t.throws(() => heap.atomically(() => {
      heap.atomically(() => heap.free(outerPtr))
      throw new Error('outer')
    }))
    t.equal(heap.sizeOf(outerPtr), 100, 'an outer failure undoes a finished inner call too')
    heap.check()
  })
}
