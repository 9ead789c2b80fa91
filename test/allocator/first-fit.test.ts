import t from 'tap'
import fc from 'fast-check'
import { alignUp } from '../../src/allocator/align.js'
import { createFirstFitIndex, FirstFitIndex } from '../../src/allocator/first-fit.js'
import { NaiveAllocator } from '../helpers/naive.js'
import { FakeNodes, opsArb, runOps, seededRun } from '../helpers/free-index-harness.js'

function fresh (): { nodes: FakeNodes, index: FirstFitIndex } {
  const nodes = new FakeNodes(createFirstFitIndex)
  return { nodes, index: nodes.index as FirstFitIndex }
}

t.test('an empty index finds nothing and its largest range is 0', async (t) => {
  const { index } = fresh()
  t.equal(index.find(1, 1), -1)
  t.equal(index.largest(), 0)
})

t.test('picks the lowest-address range that fits, not the smallest', async (t) => {
  const { nodes, index } = fresh()
  const high = nodes.add(1000, 10)
  const low = nodes.add(500, 100)
  nodes.add(0, 5)
  t.equal(index.find(10, 1), low)
  t.equal(index.find(100, 1), low)
  t.equal(index.find(101, 1), -1)
  nodes.drop(low)
  t.equal(index.find(10, 1), high)
  t.equal(index.largest(), 10)
})

t.test('skips ranges that are large enough but fail the aligned fit', async (t) => {
  const { nodes, index } = fresh()
  nodes.add(1, 9) // [1, 10): aligned start 8, 8 + 8 > 10
  nodes.add(100, 8) // aligned start 104
  const fits = nodes.add(129, 15) // aligned start 136, 136 + 8 = 144 = end
  nodes.add(200, 8)
  t.equal(index.find(8, 8), fits)
  t.equal(index.find(8, 1), 0)
  t.equal(index.find(8, 256), -1)
})

t.test('offsets, sizes and alignments far above 2^32', async (t) => {
  const { nodes, index } = fresh()
  const a = nodes.add(2 ** 40 + 1, 2 ** 33)
  const b = nodes.add(2 ** 50, 2 ** 34)
  t.equal(index.find(2 ** 33 + 1, 1), b)
  t.equal(index.find(2 ** 33, 1), a)
  t.equal(index.find(2 ** 33 - 2 ** 30, 2 ** 30), a) // aligned start 2^40 + 2^30
  t.equal(index.find(2 ** 33, 2 ** 30), b)
  t.equal(index.largest(), 2 ** 34)
})

t.test('matches a brute-force first fit on random insert/remove/find sequences', async (t) => {
  fc.assert(fc.property(opsArb, (ops) => {
    const { nodes, index } = fresh()
    runOps(nodes, ops, 'first', () => index.tree.check())
  }), { numRuns: 300 })
  t.pass('300 runs')
})

t.test('matches a brute-force first fit on a long seeded run with thousands of ranges', async (t) => {
  const { nodes, index } = fresh()
  const { finds, mismatches } = seededRun(nodes, 12345, 30, 'first', () => index.tree.check())
  t.same(mismatches, [], 'find() and largest() agree with the model at every step')
  t.ok(finds > 500, `${finds} finds compared, ${nodes.live.size} ranges at the end`)
})

/**
 * A minimal allocator around the index (carve the block at the aligned start of the chosen range,
 * coalesce on free), to show the index reproduces the naive design's pointers exactly.
 */
class MiniFirstFit {
  readonly nodes = new FakeNodes(createFirstFitIndex)
  private readonly byStart = new Map<number, number>()
  private readonly byEnd = new Map<number, number>()
  private readonly used = new Map<number, number>()

  constructor (size: number) {
    this.addFree(0, size)
  }

  alloc (size: number, align: number): number {
    const id = this.nodes.index.find(size, align)
    if (id === -1) return -1
    const offset = this.nodes.offsets[id]!
    const end = offset + this.nodes.sizes[id]!
    const ptr = alignUp(offset, align)
    this.removeFree(id)
    if (ptr > offset) this.addFree(offset, ptr - offset)
    if (ptr + size < end) this.addFree(ptr + size, end - ptr - size)
    this.used.set(ptr, size)
    return ptr
  }

  free (ptr: number): void {
    const size = this.used.get(ptr)!
    this.used.delete(ptr)
    let start = ptr
    let end = ptr + size
    const left = this.byEnd.get(start)
    if (left !== undefined) {
      start = this.nodes.offsets[left]!
      this.removeFree(left)
    }
    const right = this.byStart.get(end)
    if (right !== undefined) {
      end += this.nodes.sizes[right]!
      this.removeFree(right)
    }
    this.addFree(start, end - start)
  }

  private addFree (offset: number, size: number): void {
    const id = this.nodes.add(offset, size)
    this.byStart.set(offset, id)
    this.byEnd.set(offset + size, id)
  }

  private removeFree (id: number): void {
    this.byStart.delete(this.nodes.offsets[id]!)
    this.byEnd.delete(this.nodes.offsets[id]! + this.nodes.sizes[id]!)
    this.nodes.drop(id)
  }
}

// Unaligned requests only: an aligned one follows the bounded rule of free-index.ts, which may pick
// another range than the naive scan does (bounded-work.test.ts checks that rule).
t.test('an allocator built on the index returns the naive design\'s pointers, request for request', async (t) => {
  const op = fc.oneof(
    fc.record({ alloc: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 5000 })), align: fc.constant(1) }),
    fc.record({ free: fc.nat() })
  )
  fc.assert(fc.property(fc.integer({ min: 1, max: 40_000 }), fc.array(op, { maxLength: 300, size: 'max' }), (heap, ops) => {
    const naive = new NaiveAllocator(heap)
    const mini = new MiniFirstFit(heap)
    const live: number[] = []
    for (const o of ops) {
      if ('alloc' in o) {
        const ptr = naive.alloc(o.alloc, o.align)
        if (mini.alloc(o.alloc, o.align) !== ptr) return false
        if (ptr !== -1) live.push(ptr)
      } else if (live.length > 0) {
        const ptr = live.splice(o.free % live.length, 1)[0]!
        naive.free(ptr)
        mini.free(ptr)
      }
      if (mini.nodes.index.largest() !== naive.largestFree()) return false
    }
    return true
  }), { numRuns: 200 })
  t.pass('200 runs')
})
