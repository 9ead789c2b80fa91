/**
 * Block metadata: the alignment a client asked for and its tag live with the block in the
 * allocator, follow it through a moving realloc, come back from free(), are undone by
 * atomically() and cleared by reset().
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator } from '../../src/allocator/create.js'
import { InvalidArgumentError } from '../../src/allocator/errors.js'
import { STRATEGIES, type Allocator, type Block } from '../../src/allocator/types.js'

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: alloc keeps the requested alignment and tag; block, tagOf, blocks and segments answer them`, async t => {
    const heap = createAllocator({ size: 4096, strategy, alignment: 16 })
    const plain = heap.alloc(10)
    const tagged = heap.alloc(10, undefined, 'render target')
    const small = heap.alloc(10, 4)
    const both = heap.alloc(10, 256, 'both')
    t.same(heap.block(plain), { ptr: plain, size: 10 })
    t.same(heap.block(tagged), { ptr: tagged, size: 10, tag: 'render target' })
    t.same(heap.block(small), { ptr: small, size: 10, align: 4 }, 'kept though the heap aligns to more')
    t.same(heap.block(both), { ptr: both, size: 10, align: 256, tag: 'both' })
    t.equal(both % 256, 0)
    t.equal(heap.tagOf(tagged), 'render target')
    t.equal(heap.tagOf(plain), undefined)
    t.equal(heap.tagOf(tagged + 1), undefined, 'not a block')
    t.equal(heap.block(tagged + 1), undefined)
    t.same([...heap.blocks()].map(b => [b.ptr, b.align, b.tag]), [[plain, undefined, undefined], [tagged, undefined, 'render target'], [small, 4, undefined], [both, 256, 'both']])
    const used = [...heap.segments()].filter(s => s.state === 'used')
    t.same(used.map(s => [s.offset, s.align, s.tag]), [[plain, undefined, undefined], [tagged, undefined, 'render target'], [small, 4, undefined], [both, 256, 'both']])
    t.throws(() => heap.alloc(10, undefined, 5 as never), InvalidArgumentError)
    heap.check()
  })

  t.test(`${strategy}: freeBlock answers the block it freed, and its tag goes with it`, async t => {
    const heap = createAllocator({ size: 4096, strategy })
    const ptr = heap.alloc(100, 64, 'mesh')
    t.same(heap.freeBlock(ptr), { ptr, size: 100, align: 64, tag: 'mesh' })
    t.equal(heap.tagOf(ptr), undefined)
    const again = heap.alloc(100)
    t.equal(again, ptr, 'the same place, without the old tag')
    t.equal(heap.free(again), undefined, 'free answers nothing')
    t.equal(heap.block(again), undefined)
    heap.check()
  })

  t.test(`${strategy}: a moving realloc carries the tag and the requested alignment`, async t => {
    const heap = createAllocator({ size: 4096, strategy })
    const ptr = heap.alloc(100, 64, 'grows')
    heap.alloc(10) // blocks growth in place
    const moved = heap.realloc(ptr, 500)
    t.not(moved, ptr)
    t.equal(moved % 64, 0)
    t.same(heap.block(moved), { ptr: moved, size: 500, align: 64, tag: 'grows' })
    t.equal(heap.tagOf(ptr), undefined)
    const shrunk = heap.realloc(moved, 200)
    t.same(heap.block(shrunk), { ptr: moved, size: 200, align: 64, tag: 'grows' }, 'in place too')
    heap.check()
  })

  t.test(`${strategy}: atomically undoes tags with the layout; reset forgets them`, async t => {
    const heap = createAllocator({ size: 4096, strategy })
    const a = heap.alloc(100, undefined, 'a')
    const b = heap.alloc(100, 32, 'b')
    heap.alloc(10)
    const before = JSON.stringify([...heap.segments()])
    t.throws(() => heap.atomically(() => {
      heap.free(a)
      heap.alloc(50, undefined, 'in a')
      heap.realloc(b, 1000)
      heap.alloc(30, 8, 'new')
      heap.reset()
      heap.alloc(70, undefined, 'after reset')
      throw new Error('roll back')
    }), /roll back/)
    t.equal(JSON.stringify([...heap.segments()]), before)
    t.equal(heap.tagOf(a), 'a')
    t.same(heap.block(b), { ptr: b, size: 100, align: 32, tag: 'b' })
    heap.check()
    heap.reset()
    t.equal(heap.tagOf(a), undefined)
    t.same([...heap.blocks()], [])
    heap.check()
  })
}

/** A reference for the metadata: a Map from ptr to the block as alloc was told it. */
t.test('metadata matches a map kept beside the heap, under any sequence of ops and rollbacks', async t => {
  const op = fc.oneof(
    fc.record({ op: fc.constant('alloc' as const), size: fc.integer({ min: 1, max: 300 }), align: fc.constantFrom(undefined, 1, 8, 64), tag: fc.constantFrom(undefined, 'x', 'y') }),
    fc.record({ op: fc.constant('free' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('realloc' as const), pick: fc.nat(), size: fc.integer({ min: 1, max: 600 }) }),
    fc.record({ op: fc.constant('fail' as const) })
  )
  fc.assert(fc.property(fc.constantFrom(...STRATEGIES), fc.array(fc.array(op, { maxLength: 8 }), { maxLength: 20 }), (strategy, groups) => {
    const heap: Allocator = createAllocator({ size: 3000, strategy, alignment: 4 })
    let model = new Map<number, Block>()
    for (const group of groups) {
      const saved = new Map(model)
      try {
        heap.atomically(() => {
          for (const step of group) {
            const ptrs = [...model.keys()]
            if (step.op === 'alloc') {
              let ptr: number
              try { ptr = heap.alloc(step.size, step.align, step.tag) } catch { continue }
              const block: Block = { ptr, size: step.size }
              if (step.align !== undefined) block.align = step.align
              if (step.tag !== undefined) block.tag = step.tag
              model.set(ptr, block)
            } else if (step.op === 'free' && ptrs.length > 0) {
              const ptr = ptrs[step.pick % ptrs.length]!
              if (JSON.stringify(heap.freeBlock(ptr)) !== JSON.stringify(model.get(ptr))) throw new Error('free answered another block')
              model.delete(ptr)
            } else if (step.op === 'realloc' && ptrs.length > 0) {
              const ptr = ptrs[step.pick % ptrs.length]!
              let moved: number
              try { moved = heap.realloc(ptr, step.size) } catch { continue }
              const block = { ...model.get(ptr)!, ptr: moved, size: step.size }
              model.delete(ptr)
              model.set(moved, block)
            } else if (step.op === 'fail') {
              throw new RangeError('roll back')
            }
          }
        })
      } catch (error) {
        if (!(error instanceof RangeError)) throw error
        model = saved
      }
      heap.check()
      const expected = [...model.values()].sort((x, y) => x.ptr - y.ptr)
      if (JSON.stringify([...heap.blocks()]) !== JSON.stringify(expected)) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass('no counterexample')
})
