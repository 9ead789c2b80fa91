/**
 * Unit tests of alloc, free, sizeOf, allocAt and reset on every strategy: results, alignment
 * padding, error classes with their codes, reasons and figures, and heaps up to 2^53 - 1 bytes.
 */
import t from 'tap'
import { createAllocator, MAX_ALIGNMENT, STRATEGIES } from '../../src/allocator/index.js'
import { FREE_INDEXES } from '../../src/allocator/strategies.js'
import type { Strategy } from '../../src/allocator/types.js'

const strategies = Object.keys(FREE_INDEXES) as Strategy[]

t.test('createAllocator validates its options', async t => {
  for (const size of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '10']) {
    t.throws(() => createAllocator({ size: size as number }), { code: 'INVALID_ARGUMENT', argument: 'size' }, `size ${String(size)}`)
  }
  for (const alignment of [0, 3, 2 ** 31, 0.5, -2]) {
    t.throws(() => createAllocator({ size: 100, alignment }), { code: 'INVALID_ARGUMENT', argument: 'alignment' }, `alignment ${alignment}`)
  }
  t.throws(() => createAllocator({ size: 100, strategy: 'worst-fit' as Strategy }), { code: 'INVALID_ARGUMENT', argument: 'strategy' })
  t.throws(() => createAllocator({ size: 100, strategy: 'toString' as Strategy }), { code: 'INVALID_ARGUMENT', argument: 'strategy' })
  const heap = createAllocator({ size: 100 })
  t.same([heap.size, heap.strategy, heap.alignment], [100, 'first-fit', 1], 'defaults: first-fit, alignment 1')
  t.ok(STRATEGIES.includes(heap.strategy))
})

for (const strategy of strategies) {
  t.test(`${strategy}: alloc, sizeOf, free`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    const a = heap.alloc(100)
    const b = heap.alloc(200)
    t.not(a, b)
    t.equal(heap.sizeOf(a), 100)
    t.equal(heap.sizeOf(b), 200)
    t.equal(heap.sizeOf(a + 1), undefined, 'not a block start')
    t.equal(heap.sizeOf('0' as unknown as number), undefined, 'not a number')
    heap.free(a)
    t.equal(heap.sizeOf(a), undefined)
    heap.free(b)
    t.same([...heap.segments()], [{ offset: 0, size: 1000, state: 'free' }], 'everything merged back')
    heap.check()
  })

  t.test(`${strategy}: the whole heap in one block, then out of memory`, async t => {
    const heap = createAllocator({ size: 513, strategy })
    t.equal(heap.alloc(513), 0)
    t.throws(() => heap.alloc(1), { code: 'OUT_OF_MEMORY', reason: 'full', requested: 1, free: 0, largestFree: 0 })
    t.equal(heap.stats().failedAllocs, 1)
    t.throws(() => heap.alloc(514), { code: 'EXCEEDS_HEAP_SIZE', requested: 514, heapSize: 513 })
    t.equal(heap.stats().failedAllocs, 1, 'a request larger than the heap is not counted as failed')
  })

  t.test(`${strategy}: fragmented out of memory carries the figures`, async t => {
    const heap = createAllocator({ size: 400, strategy })
    const ptrs = [0, 1, 2, 3].map(() => heap.alloc(100))
    heap.free(ptrs[0]!)
    heap.free(ptrs[2]!)
    const error = t.throws(() => heap.alloc(150), { code: 'OUT_OF_MEMORY', reason: 'fragmented', requested: 150, free: 200, largestFree: 100 })
    t.match(String((error as Error).message), /largest free range is 100/)
  })

  t.test(`${strategy}: size and alignment validation`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    for (const size of [0, -5, 2.5, NaN, '8']) {
      t.throws(() => heap.alloc(size as number), { code: 'INVALID_ARGUMENT', argument: 'size' }, `size ${String(size)}`)
    }
    t.throws(() => heap.alloc(2 ** 53), { code: 'EXCEEDS_HEAP_SIZE' }, 'an integer past the safe ones is a size larger than any heap')
    for (const align of [0, 3, 12, 2 ** 31, 1.5]) {
      t.throws(() => heap.alloc(8, align), { code: 'INVALID_ARGUMENT', argument: 'align' }, `align ${align}`)
    }
    t.equal(heap.stats().failedAllocs, 0, 'invalid arguments are not failed allocations')
  })

  t.test(`${strategy}: alignment leaves padding as free space and sizes exact`, async t => {
    const heap = createAllocator({ size: 10_000, strategy })
    heap.alloc(3)
    const p = heap.alloc(100, 256)
    t.equal(p % 256, 0)
    t.equal(heap.sizeOf(p), 100, 'size is exactly what was asked')
    const stats = heap.stats()
    t.equal(stats.used, 103)
    t.equal(stats.free, 10_000 - 103, 'padding is free, not lost')
    t.ok([...heap.freeRanges()].some(r => r.offset === 3), 'the padding after the first block is a free range')
    heap.check()
  })

  t.test(`${strategy}: heap alignment is a floor for every block`, async t => {
    const heap = createAllocator({ size: 1 << 20, strategy, alignment: 64 })
    const ptrs = [heap.alloc(1), heap.alloc(7), heap.alloc(65, 16), heap.alloc(5, 4096)]
    for (const p of ptrs) t.equal(p % 64, 0, `${p} is 64-aligned`)
    t.equal(ptrs[3]! % 4096, 0, 'a larger per-call alignment wins')
    heap.check()
  })

  t.test(`${strategy}: MAX_ALIGNMENT on a huge heap`, async t => {
    const heap = createAllocator({ size: 2 ** 40, strategy })
    heap.alloc(1)
    const p = heap.alloc(10, MAX_ALIGNMENT)
    t.equal(p, MAX_ALIGNMENT)
    t.throws(() => heap.alloc(10, MAX_ALIGNMENT * 2), { code: 'INVALID_ARGUMENT' })
  })

  t.test(`${strategy}: heaps of 2^50 and 2^53 - 1 bytes`, async t => {
    for (const size of [2 ** 50, Number.MAX_SAFE_INTEGER]) {
      const heap = createAllocator({ size, strategy })
      const a = heap.alloc(2 ** 49)
      const b = heap.alloc(size - 2 ** 49 - 5)
      const c = heap.alloc(5)
      t.same([a, b, c], [0, 2 ** 49, size - 5], 'each block at the start of the only free range')
      t.equal(heap.stats().free, 0)
      t.equal(heap.sizeOf(c), 5)
      heap.free(b)
      t.equal(heap.stats().largestFree, size - 2 ** 49 - 5)
      t.throws(() => heap.free(b + 2 ** 40), { code: 'INVALID_POINTER', reason: 'free' })
      t.throws(() => heap.free(a + 2 ** 48), { code: 'INVALID_POINTER', reason: 'interior', blockPtr: a })
      t.throws(() => heap.free(size), { code: 'INVALID_POINTER', reason: 'out-of-bounds' })
      heap.free(a)
      heap.free(c)
      t.same([...heap.segments()], [{ offset: 0, size, state: 'free' }])
      heap.check()
    }
  })

  t.test(`${strategy}: bad pointers are classified`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    const a = heap.alloc(100)
    const b = heap.alloc(100)
    heap.free(a)
    t.throws(() => heap.free(a), { code: 'INVALID_POINTER', reason: 'free', ptr: a }, 'double free')
    t.throws(() => heap.free(50), { code: 'INVALID_POINTER', reason: 'free' })
    t.throws(() => heap.free(b + 99), { code: 'INVALID_POINTER', reason: 'interior', blockPtr: b })
    t.throws(() => heap.free(-1), { code: 'INVALID_POINTER', reason: 'out-of-bounds' })
    t.throws(() => heap.free(1000), { code: 'INVALID_POINTER', reason: 'out-of-bounds' })
    t.throws(() => heap.free(1.5), { code: 'INVALID_ARGUMENT', argument: 'ptr' })
    t.throws(() => heap.free(NaN), { code: 'INVALID_ARGUMENT', argument: 'ptr' })
    t.equal(heap.stats().frees, 1, 'failed frees are not counted')
  })

  t.test(`${strategy}: allocAt claims an exact range`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    heap.allocAt(300, 100)
    t.equal(heap.sizeOf(300), 100)
    t.same([...heap.segments()].map(s => [s.offset, s.size, s.state]), [[0, 300, 'free'], [300, 100, 'used'], [400, 600, 'free']])
    heap.allocAt(0, 300)
    heap.allocAt(400, 600)
    t.equal(heap.stats().free, 0)
    heap.free(300)
    t.throws(() => heap.allocAt(250, 100), { code: 'INVALID_ARGUMENT', argument: 'ptr' }, 'overlaps a block')
    t.throws(() => heap.allocAt(300, 101), { code: 'INVALID_ARGUMENT' }, 'runs past the free range')
    t.throws(() => heap.allocAt(-1, 1), { code: 'INVALID_ARGUMENT' })
    t.throws(() => heap.allocAt(1000, 1), { code: 'INVALID_ARGUMENT' })
    t.throws(() => heap.allocAt(300, 0), { code: 'INVALID_ARGUMENT', argument: 'size' })
    t.equal(heap.stats().allocs, 3)
    heap.check()
  })

  t.test(`${strategy}: reset frees everything and keeps the history counters`, async t => {
    const heap = createAllocator({ size: 1000, strategy })
    for (let i = 0; i < 10; i++) heap.alloc(50)
    heap.free(0)
    heap.reset()
    const stats = heap.stats()
    t.match(stats, { used: 0, free: 1000, liveBlocks: 0, freeRanges: 1, largestFree: 1000, allocs: 10, frees: 1, peakUsed: 500, peakLiveBlocks: 10 })
    t.same([...heap.blocks()], [])
    t.equal(heap.alloc(1000), 0, 'the whole heap is available again')
    heap.check()
  })

  t.test(`${strategy}: many blocks come and go`, async t => {
    const heap = createAllocator({ size: 1 << 24, strategy })
    const ptrs: number[] = []
    for (let i = 0; i < 5000; i++) ptrs.push(heap.alloc(1 + (i * 37) % 500))
    for (let i = 0; i < ptrs.length; i += 2) heap.free(ptrs[i]!)
    heap.check()
    for (let i = 1; i < ptrs.length; i += 2) heap.free(ptrs[i]!)
    t.same([...heap.segments()], [{ offset: 0, size: 1 << 24, state: 'free' }])
    t.match(heap.stats(), { liveBlocks: 0, freeRanges: 1, allocs: 5000, frees: 5000, peakLiveBlocks: 5000 })
    heap.check()
  })
}
