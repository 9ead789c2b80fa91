/**
 * first-fit returns, request for request, the pointers of the naive design it replaces
 * (test/helpers/naive.ts): on fast-check sequences and on a prefix of every shared trace, on a
 * heap that never fills and on one small enough to fail (failures must agree too).
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator } from '../../src/allocator/index.js'
import { OutOfMemoryError } from '../../src/allocator/errors.js'
import type { Allocator } from '../../src/allocator/types.js'
import { NaiveAllocator } from '../helpers/naive.js'
import { ALLOC, TRACE_NAMES, loadTrace } from '../helpers/trace.js'

/** alloc on the heap, -1 on out-of-memory (as the naive design answers). */
function tryAlloc (heap: Allocator, size: number, align: number): number {
  try {
    return heap.alloc(size, align)
  } catch (error) {
    if (error instanceof OutOfMemoryError) return -1
    throw error
  }
}

t.test('fast-check sequences: same pointers as the naive design', async t => {
  const op = fc.oneof(
    fc.record({ alloc: fc.integer({ min: 1, max: 300 }), align: fc.constantFrom(1, 1, 1, 2, 16, 128) }),
    fc.record({ free: fc.nat() })
  )
  fc.assert(fc.property(fc.integer({ min: 1, max: 2000 }), fc.array(op, { maxLength: 120 }), (size, ops) => {
    const heap = createAllocator({ size })
    const naive = new NaiveAllocator(size)
    const live: number[] = []
    for (const o of ops) {
      if ('alloc' in o) {
        const expected = naive.alloc(o.alloc, o.align)
        const got = o.alloc > size ? -1 : tryAlloc(heap, o.alloc, o.align)
        if (got !== expected) throw new Error(`alloc(${o.alloc}, ${o.align}): ${got}, naive ${expected}`)
        if (got >= 0) live.push(got)
      } else if (live.length > 0) {
        const ptr = live.splice(o.free % live.length, 1)[0]!
        naive.free(ptr)
        heap.free(ptr)
      }
    }
    heap.check()
    const stats = heap.stats()
    if (stats.free !== naive.freeBytes() || stats.largestFree !== naive.largestFree()) throw new Error('free bytes differ')
  }), { numRuns: 300 })
  t.pass('no counterexample')
})

// Prefix lengths keep the naive model (O(n) alloc, O(n log n) free) to a few seconds per trace.
const PREFIX = 10_000

for (const name of TRACE_NAMES) {
  t.test(`trace ${name}: first ${PREFIX} ops, same pointers as the naive design`, async t => {
    const trace = loadTrace(name, PREFIX)
    let live = 0
    let peakLive = 0
    for (const heapSize of [2 ** 40, 0]) {
      // Second round: a heap of half the peak live bytes of the first, so that allocations fail.
      const size = heapSize > 0 ? heapSize : Math.max(1, Math.floor(peakLive / 2))
      const heap = createAllocator({ size })
      const naive = new NaiveAllocator(size)
      const ptrs = new Float64Array(trace.ids).fill(-1)
      let mismatch = ''
      let failures = 0
      for (let i = 0; i < trace.length && mismatch === ''; i++) {
        const id = trace.id[i]!
        if (trace.kind[i] === ALLOC) {
          const size = trace.size[i]!
          const align = trace.align[i]!
          const expected = naive.alloc(size, align)
          const got = size > heap.size ? -1 : tryAlloc(heap, size, align)
          if (got !== expected) mismatch = `op ${i}: alloc(${size}, ${align}) = ${got}, naive ${expected}`
          if (got < 0) failures++
          else live += size
          peakLive = Math.max(peakLive, live)
          ptrs[id] = got
        } else if (ptrs[id]! >= 0) {
          live -= heap.sizeOf(ptrs[id]!)!
          naive.free(ptrs[id]!)
          heap.free(ptrs[id]!)
          ptrs[id] = -1
        }
      }
      t.equal(mismatch, '', `heap of ${size} bytes: every pointer equal`)
      if (heapSize === 0) t.ok(failures > 0, `the small heap fails some allocations (${failures})`)
      heap.check()
      live = 0
    }
  })
}
