/**
 * Snapshots (src/allocator/snapshot.ts): after any history of allocs (with alignments and tags),
 * frees, reallocs, allocAt, resets and atomic groups (failed ones reorder tlsf lists on undo), the
 * heap restoreAllocator() builds from Allocator.snapshot() answers every later operation exactly
 * as the original does, and both pass check().
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator } from '../../src/allocator/create.js'
import { HeapAllocator } from '../../src/allocator/allocator.js'
import { AllocatorError, InvalidArgumentError } from '../../src/allocator/errors.js'
import { restoreAllocator } from '../../src/allocator/snapshot.js'
import { STRATEGIES, type Allocator, type AllocatorSnapshot, type Strategy } from '../../src/allocator/types.js'
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
      case 'alloc': return attempt(() => {
        // Every other alloc tagged, so that tags meet frees, moves and undos.
        const ptr = heap.alloc(op.size, op.align, trace.length % 2 === 0 ? `tag ${trace.length}` : undefined)
        live.push(ptr)
        return `+${ptr}`
      })
      case 'free': return attempt(() => { const i = pick(op.pick); const block = heap.freeBlock(live[i] ?? -1); live.splice(i, 1); return `freed ${JSON.stringify(block)}` })
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

/**
 * True when restoreAllocator(prepare(snapshot), through JSON) after `history` answers `future` as
 * the original does, tags and stats included (and the free order, unless `prepare` changed it).
 */
function sameFuture (strategy: Strategy, prepare = (snapshot: AllocatorSnapshot): AllocatorSnapshot => snapshot) {
  return ([heap, history, future]: [{ size: number, alignment: number }, Op[], Op[]]) => {
    const original = fresh(strategy, heap)
    const live: number[] = []
    drive(original, history, live)
    const snapshot = prepare(original.snapshot())
    const copy = restoreAllocator(JSON.parse(JSON.stringify(snapshot)))
    copy.check()
    const state = (a: Allocator) => JSON.stringify([[...a.segments()], a.stats()])
    if (state(copy) !== state(original)) return false
    if (JSON.stringify(copy.freeOrder()) !== JSON.stringify(snapshot.freeOrder)) return false
    const expected = drive(original, future, [...live])
    const actual = drive(copy, future, [...live])
    original.check()
    copy.check()
    return JSON.stringify(actual) === JSON.stringify(expected) && state(copy) === state(original)
  }
}

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: restoreAllocator(snapshot()) makes the same later placements, with the same tags and stats`, async t => {
    fc.assert(fc.property(scenario, sameFuture(strategy)), { numRuns: 300 })
    t.pass('no counterexample')
  })
}

t.test('snapshot() is plain data: blocks with requested alignment and tag, free order, history counters', async t => {
  const heap = fresh('tlsf', { size: 4096, alignment: 16 })
  const a = heap.alloc(100, undefined, 'a')
  const b = heap.alloc(10, 4)
  const c = heap.alloc(10, 256, 'c')
  heap.free(b)
  t.throws(() => heap.alloc(4000), { code: 'OUT_OF_MEMORY' })
  const snapshot = heap.snapshot()
  t.same(snapshot, {
    size: 4096,
    strategy: 'tlsf',
    alignment: 16,
    blocks: [{ ptr: a, size: 100, tag: 'a' }, { ptr: c, size: 10, align: 256, tag: 'c' }],
    freeOrder: heap.freeOrder(),
    counters: { allocs: 3, frees: 1, reallocs: 0, failedAllocs: 1, peakUsed: 120, peakLiveBlocks: 3 }
  })
  const copy = restoreAllocator(snapshot)
  t.same(copy.stats(), heap.stats())
  t.same(copy.block(c), { ptr: c, size: 10, align: 256, tag: 'c' })
  snapshot.blocks[0]!.tag = 'changed'
  t.equal(heap.tagOf(a), 'a', 'the snapshot shares nothing with the heap')
})

t.test('restoreAllocator refuses a malformed or inconsistent snapshot', async t => {
  const good = fresh('first-fit', { size: 1000, alignment: 1 })
  good.alloc(100, 8, 'x')
  good.alloc(50)
  const base = good.snapshot()
  const variants: Array<[string, unknown]> = [
    ['not an object', null],
    ['blocks not an array', { ...base, blocks: 3 }],
    ['overlapping blocks', { ...base, blocks: [{ ptr: 0, size: 100 }, { ptr: 50, size: 10 }] }],
    ['blocks out of order', { ...base, blocks: [...base.blocks].reverse() }],
    ['a block past the end', { ...base, blocks: [{ ptr: 990, size: 20 }] }],
    ['a misaligned block', { ...base, blocks: [{ ptr: 4, size: 10, align: 8 }] }],
    ['a tag that is no string', { ...base, blocks: [{ ptr: 0, size: 10, tag: 5 }] }],
    ['a free order that misses a range', { ...base, freeOrder: [] }],
    ['a negative counter', { ...base, counters: { ...base.counters, allocs: -1 } }],
    ['no counters', { ...base, counters: undefined }],
    ['an unknown strategy', { ...base, strategy: 'worst-fit' }]
  ]
  for (const [name, snapshot] of variants) {
    t.throws(() => restoreAllocator(snapshot as never), InvalidArgumentError, name)
  }
})

t.test('tlsf: the layout alone is not enough, the free order is what makes the placements equal', async t => {
  const inAddressOrder = (snapshot: AllocatorSnapshot): AllocatorSnapshot => ({ ...snapshot, freeOrder: [...snapshot.freeOrder].sort((a, b) => a - b) })
  const result = fc.check(fc.property(scenario, sameFuture('tlsf', inAddressOrder)), { numRuns: 2000, seed: 42 })
  t.ok(result.failed, 'some history makes a rebuild with its free ranges in address order place differently')
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
