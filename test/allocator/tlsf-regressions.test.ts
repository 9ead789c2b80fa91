/**
 * The known false out-of-memory cases of O(1) offset allocators (OffsetAllocator, VMA's TLSF):
 * rounding a request up to the next bin skips the bin that holds the only range that fits.
 * TLSF's exact fallback must serve them. Checked on the index with the core's split (block at
 * the start of the range, the rest stays free) simulated over a fake node view.
 */
import t from 'tap'
import { createTlsfIndex } from '../../src/allocator/tlsf.js'
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
    const alloc = singleRangeHeap(heap)
    let expected = 0
    for (const request of requests) {
      t.equal(alloc(request), expected, `alloc ${request}`)
      expected += request
    }
  })
}

t.test('an alignment larger than the heap still fits at offset 0', async (t) => {
  const alloc = singleRangeHeap(100)
  t.equal(alloc(100, 2 ** 30), 0)
})
