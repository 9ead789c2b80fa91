/**
 * The known false out-of-memory cases of O(1) offset allocators (OffsetAllocator, VMA's TLSF):
 * rounding a request up to the next bin skips the bin that holds the only range that fits.
 * TLSF must serve them: through the full allocator (createAllocator, strategy 'tlsf'), and on
 * the index alone with the core's split (block at the start of the range, the rest stays free)
 * simulated over a fake node view.
 */
import t from 'tap'
import { createTlsfIndex, CROWDED } from '../../src/allocator/tlsf.js'
import { createAllocator } from '../../src/allocator/index.js'
import { alignUp } from '../../src/allocator/align.js'
import type { NodeView } from '../../src/allocator/free-index.js'

/** One heap [0, size) whose free space is a single range, split from its start on each alloc. */
function singleRangeHeap (size: number): (request: number, align?: number) => number {
  const nodes: NodeView = { offsets: new Float64Array(1), sizes: new Float64Array(1) }
  const index = createTlsfIndex(nodes)
  index.grow(1)
  nodes.sizes[0] = size
  index.insert(0)
  return (request, align = 1) => {
    const node = index.find(request, align)
    if (node === -1) return -1
    const offset = nodes.offsets[node]!
    const end = offset + nodes.sizes[node]!
    const ptr = alignUp(offset, align)
    index.remove(node)
    if (ptr + request < end) {
      nodes.offsets[node] = ptr + request
      nodes.sizes[node] = end - ptr - request
      index.insert(node)
    }
    return ptr
  }
}

const cases: [heap: number, requests: number[]][] = [
  [324, [255, 67]],
  [513, [513]],
  [699050, [664908]],
  // The same trap at every scale: a range of exactly the size asked, just above a bin start.
  [2 ** 32 + 1, [2 ** 32 + 1]],
  [2 ** 40 + 2 ** 35 + 7, [2 ** 40 + 2 ** 35 + 7]],
  [Number.MAX_SAFE_INTEGER, [Number.MAX_SAFE_INTEGER]],
  [Number.MAX_SAFE_INTEGER, [2 ** 52 + 1, 2 ** 52 - 2]]
]

for (const [heap, requests] of cases) {
  t.test(`heap ${heap}: alloc ${requests.join(' then ')} succeeds`, async (t) => {
    const allocator = createAllocator({ size: heap, strategy: 'tlsf' })
    const alloc = singleRangeHeap(heap)
    let expected = 0
    for (const request of requests) {
      t.equal(allocator.alloc(request), expected, `allocator: alloc ${request}`)
      t.equal(alloc(request), expected, `index alone: alloc ${request}`)
      expected += request
    }
    allocator.check()
    t.equal(allocator.stats().largestFree, heap - expected)
  })
}

t.test('after frees, an exact fit in a bin the rounded-up search skips is found', async (t) => {
  // Free ranges of 512 and 520 share the bin [512, 528), with the 512 at its head (lower
  // offset); the untouched tail is too small. A request for 515 must take the 520.
  const allocator = createAllocator({ size: 512 + 8 + 520 + 8 + 100, strategy: 'tlsf' })
  const a = allocator.alloc(512)
  allocator.alloc(8)
  const b = allocator.alloc(520)
  allocator.alloc(8)
  allocator.free(b)
  allocator.free(a)
  t.equal(allocator.alloc(515), b)
  allocator.check()
})

t.test('an alignment larger than the heap still fits at offset 0', async (t) => {
  const allocator = createAllocator({ size: 100, strategy: 'tlsf' })
  t.equal(allocator.alloc(100, 2 ** 30), 0)
  t.equal(singleRangeHeap(100)(100, 2 ** 30), 0)
})

t.test('a crowded bin: its largest range leaves and comes back, and the index knows the largest every time', async (t) => {
  // 3 * CROWDED ranges of 1,000 to 1,031 bytes (one bin), each followed by a block that keeps them apart.
  const heap = createAllocator({ size: 3 * CROWDED * 1100, strategy: 'tlsf' })
  const ranges: number[] = []
  for (let i = 0; i < 3 * CROWDED; i++) {
    ranges.push(heap.alloc(1000 + (i * 7) % 32))
    heap.alloc(16)
  }
  heap.alloc(heap.stats().largestFree)
  for (const ptr of ranges) heap.free(ptr)
  const taken: number[] = []
  // Take the largest again and again: the bin gets crowded, then thins out below CROWDED / 2, and fills up again.
  for (let round = 0; round < 2; round++) {
    while (heap.stats().freeRanges > CROWDED / 4) {
      const largest = heap.stats().largestFree
      taken.push(heap.alloc(largest))
      heap.check()
      t.ok(heap.stats().largestFree <= largest)
    }
    while (taken.length > 0) {
      heap.free(taken.pop()!)
      heap.check()
    }
  }
  t.equal(heap.stats().freeRanges, 3 * CROWDED)
})
