/**
 * Property tests: random sequences of alloc (with alignments), free, invalid frees, realloc,
 * allocAt, reset and atomic groups on every strategy of the table (and the test-only linear
 * index), each step compared with a simple model and followed by check().
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocatorWithIndex } from '../../src/allocator/create.js'
import type { FreeIndexFactory } from '../../src/allocator/free-index.js'
import { FREE_INDEXES } from '../../src/allocator/strategies.js'
import type { Strategy } from '../../src/allocator/types.js'
import { createLinearIndex } from '../helpers/linear-index.js'
import { HeapModel } from '../helpers/model.js'
import { opsArbitrary, step, type Policy } from '../helpers/model-runner.js'

const subjects: Array<{ name: string, factory: FreeIndexFactory, policy: Policy }> = [
  { name: 'linear (test index)', factory: createLinearIndex, policy: 'first-fit' },
  ...Object.entries(FREE_INDEXES).map(([name, factory]) => ({
    name,
    factory: factory!,
    policy: (name === 'first-fit' || name === 'best-fit' ? name : 'any') as Policy
  }))
]

const heaps = fc.record({
  size: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 65, max: 5000 })),
  alignment: fc.constantFrom(1, 1, 1, 4, 64)
})

for (const subject of subjects) {
  t.test(`${subject.name}: agrees with the model on random sequences`, async t => {
    fc.assert(fc.property(heaps.chain(h => fc.tuple(fc.constant(h), opsArbitrary(h.size))), ([h, ops]) => {
      const heap = createAllocatorWithIndex(h, subject.factory, subject.name as Strategy)
      const model = new HeapModel(h.size, h.alignment)
      for (const op of ops) step(heap, model, op, subject.policy)
    }), { numRuns: 300 })
    t.pass('no counterexample')
  })

  for (const [label, size] of [['2^50', 2 ** 50], ['2^53 - 1', Number.MAX_SAFE_INTEGER]] as const) {
    t.test(`${subject.name}: agrees with the model on a ${label}-byte heap`, async t => {
      fc.assert(fc.property(opsArbitrary(size, 40), ops => {
        const heap = createAllocatorWithIndex({ size }, subject.factory, subject.name as Strategy)
        const model = new HeapModel(size)
        for (const op of ops) step(heap, model, op, subject.policy)
      }), { numRuns: 60 })
      t.pass('no counterexample')
    })
  }
}
