/**
 * Layout views (segments, blocks, freeRanges from an address; occupancy) and stats: exact
 * figures, fragmentation, Sawicki's metric kept exactly enough when a 2^50 range comes and goes.
 */
import t from 'tap'
import { createAllocator, MAX_BUCKETS } from '../../src/allocator/index.js'
import type { Allocator } from '../../src/allocator/types.js'

/** Heap of 1000: used [0,100) [150,250) [600,1000), free [100,150) [250,600). */
function sample (): Allocator {
  const heap = createAllocator({ size: 1000 })
  heap.allocAt(0, 100)
  heap.allocAt(150, 100)
  heap.allocAt(600, 400)
  return heap
}

t.test('segments, blocks and freeRanges seek from an address', async t => {
  const heap = sample()
  const seg = (from?: number) => [...heap.segments(from)].map(s => `${s.state[0]}${s.offset}`).join(' ')
  t.equal(seg(), 'u0 f100 u150 f250 u600')
  t.equal(seg(120), 'f100 u150 f250 u600', 'starts with the segment containing from')
  t.equal(seg(150), 'u150 f250 u600')
  t.equal(seg(999), 'u600')
  t.equal(seg(-5), 'u0 f100 u150 f250 u600')
  t.equal(seg(1000), '', 'from past the end: nothing')
  t.same([...heap.blocks(1)].map(b => b.ptr), [150, 600], 'blocks whose ptr >= from')
  t.same([...heap.blocks(150)].map(b => b.ptr), [150, 600])
  t.same([...heap.blocks(601)], [])
  t.same([...heap.freeRanges(0)], [{ offset: 100, size: 50 }, { offset: 250, size: 350 }])
  t.same([...heap.freeRanges(101)], [{ offset: 250, size: 350 }])
  t.throws(() => heap.blocks(0.5), { code: 'INVALID_ARGUMENT' })
})

t.test('seeks stay right on a heap with thousands of segments', async t => {
  const heap = createAllocator({ size: 1 << 30 })
  const ptrs: number[] = []
  for (let i = 0; i < 3000; i++) ptrs.push(heap.alloc(1000 + i))
  for (let i = 0; i < ptrs.length; i += 3) heap.free(ptrs[i]!)
  const all = [...heap.segments()]
  for (const probe of [0, 1, 999, 1000, 123_456, 2_000_000, 4_000_000, (1 << 30) - 1]) {
    const expected = all.filter(s => s.offset + s.size > probe)
    t.same([...heap.segments(probe)].slice(0, 3), expected.slice(0, 3), `segments(${probe})`)
    t.same([...heap.blocks(probe)][0]?.ptr, all.find(s => s.state === 'used' && s.offset >= probe)?.offset, `blocks(${probe})`)
  }
})

t.test('occupancy: used bytes per bucket, exact', async t => {
  const heap = sample()
  const whole = heap.occupancy(4)
  t.same(whole, {
    from: 0,
    to: 1000,
    bucketSize: 250,
    buckets: [
      { offset: 0, size: 250, used: 200 },
      { offset: 250, size: 250, used: 0 },
      { offset: 500, size: 250, used: 150 },
      { offset: 750, size: 250, used: 250 }
    ]
  })
  const part = heap.occupancy(3, 90, 160)
  t.same(part.buckets, [{ offset: 90, size: 24, used: 10 }, { offset: 114, size: 24, used: 0 }, { offset: 138, size: 22, used: 10 }], 'last bucket narrower')
  t.equal(heap.occupancy(6, 0, 10).buckets.length, 5, 'width ceil(10/6) = 2 gives 5 buckets')
  t.equal(heap.occupancy(MAX_BUCKETS).buckets.length, 1000, 'no bucket narrower than a byte')
  for (const buckets of [0, -1, 1.5, MAX_BUCKETS + 1]) {
    t.throws(() => heap.occupancy(buckets), { code: 'INVALID_ARGUMENT', argument: 'buckets' })
  }
  t.throws(() => heap.occupancy(2, 500, 500), { code: 'INVALID_ARGUMENT' })
  t.throws(() => heap.occupancy(2, 0, 1001), { code: 'INVALID_ARGUMENT' })
})

t.test('occupancy of a 2^53 - 1 byte heap is exact', async t => {
  const size = Number.MAX_SAFE_INTEGER
  const heap = createAllocator({ size })
  heap.allocAt(size - 7, 7)
  heap.allocAt(2 ** 52, 3)
  const { bucketSize, buckets } = heap.occupancy(3)
  t.equal(bucketSize, 3002399751580331)
  t.same(buckets.map(b => b.used), [0, 3, 7])
  t.equal(buckets.reduce((sum, b) => sum + b.size, 0), size)
})

t.test('stats: figures, fragmentation and Sawicki', async t => {
  const heap = sample()
  const stats = heap.stats()
  t.match(stats, { size: 1000, used: 600, free: 400, largestFree: 350, liveBlocks: 3, freeRanges: 2 })
  t.equal(stats.fragmentation, 1 - 350 / 400)
  t.equal(stats.sawicki, 1 - Math.sqrt(50 * 50 + 350 * 350) / 400)
  const full = createAllocator({ size: 10 })
  full.alloc(10)
  t.match(full.stats(), { free: 0, fragmentation: 0, sawicki: 0, largestFree: 0, freeRanges: 0 })
  const empty = createAllocator({ size: 10 })
  t.match(empty.stats(), { fragmentation: 0, sawicki: 0 }, 'one free range: no fragmentation')
})

t.test('Sawicki stays exact after a 2^50 range comes and goes', async t => {
  const heap = createAllocator({ size: 2 ** 51 })
  // Small free ranges of 1, 2 and 3 bytes between 1-byte blocks.
  heap.allocAt(1, 1)
  heap.allocAt(4, 1)
  heap.allocAt(8, 1)
  heap.allocAt(9, 2 ** 51 - 9)
  heap.free(9)
  const big = heap.alloc(2 ** 50, 2 ** 30)
  heap.free(big)
  heap.alloc(2 ** 51 - 9)
  const stats = heap.stats()
  t.equal(stats.free, 6)
  t.equal(stats.sawicki, 1 - Math.sqrt(1 + 4 + 9) / 6, 'sum of squares 14, not lost to cancellation')
  heap.check()
})

t.test('bookkeepingBytes counts the typed arrays', async t => {
  const heap = createAllocator({ size: 2 ** 40 })
  const empty = heap.bookkeepingBytes()
  t.ok(empty > 0)
  for (let i = 0; i < 10_000; i++) heap.alloc(16)
  t.ok(heap.bookkeepingBytes() > empty, 'grows with live blocks')
  t.ok(heap.bookkeepingBytes() / 10_000 < 200, 'and stays compact')
})
