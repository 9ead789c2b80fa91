/**
 * The sum of squares behind Sawicki's metric, against exact BigInt arithmetic: ranges of any
 * safe size come, go and are resized (the path a heap's big tail range takes on most allocs),
 * and the double-double sum stays within its error bound of the exact one; small ranges are
 * never lost to the cancellation of big ones.
 */
import t from 'tap'
import fc from 'fast-check'
import { HeapCounters } from '../../src/allocator/counters.js'

/**
 * Sizes from every scale: tiny; 2^24 to 2^25, whose squares fill the exact small part (2^52) in a
 * few steps; around 2^26 and 2^52 (where the code switches paths); up to 2^53 - 1.
 */
const rangeSize = fc.oneof(
  fc.integer({ min: 1, max: 1000 }),
  fc.integer({ min: 2 ** 24, max: 2 ** 25 }),
  fc.integer({ min: 2 ** 26 - 1000, max: 2 ** 26 + 1000 }),
  fc.integer({ min: 2 ** 52 - 1000, max: 2 ** 52 + 1000 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
)

type Op = { kind: 'add', size: number } | { kind: 'remove', pick: number } | { kind: 'resize', pick: number, size: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), size: rangeSize }),
  fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('resize' as const), pick: fc.nat(), size: rangeSize })
)

t.test('sum of squares follows exact arithmetic through adds, removes and resizes', async t => {
  fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
    const counters = new HeapCounters()
    const ranges: number[] = []
    let exact = 0n
    let peak = 0
    let steps = 0
    for (const step of ops) {
      if (step.kind === 'add') {
        counters.addFree(step.size)
        ranges.push(step.size)
        exact += BigInt(step.size) ** 2n
      } else if (ranges.length > 0) {
        const i = step.pick % ranges.length
        const f = ranges[i]!
        exact -= BigInt(f) ** 2n
        if (step.kind === 'remove') {
          counters.removeFree(f)
          ranges.splice(i, 1)
        } else {
          counters.resizeFree(f, step.size)
          ranges[i] = step.size
          exact += BigInt(step.size) ** 2n
        }
      }
      steps++
      peak = Math.max(peak, Number(exact))
      // Double-double: each step may round by about 2^-104 of the largest sum seen.
      const bound = steps * peak * 2 ** -100
      const error = Math.abs(counters.sumOfSquares() - Number(exact))
      if (error > bound + Number(exact) * 2 ** -52) return false
    }
    return counters.freeRanges === ranges.length
  }), { numRuns: 300 })
})

t.test('a huge range resized many times, then gone: the small ranges\' squares are exact', async t => {
  const counters = new HeapCounters()
  let big = Number.MAX_SAFE_INTEGER
  counters.addFree(big)
  for (const size of [1, 2, 3]) counters.addFree(size)
  for (let i = 0; i < 1000; i++) {
    const next = big - 1 - (i % 7) * 2 ** 30
    counters.resizeFree(big, next)
    big = next
  }
  counters.resizeFree(big, 2 ** 26 + 5)
  counters.resizeFree(2 ** 26 + 5, 4)
  counters.removeFree(4)
  t.equal(counters.sumOfSquares(), 1 + 4 + 9)
  t.equal(counters.freeRanges, 3)
})

t.test('small squares fold into the double-double before they leave the exact integers', async t => {
  const counters = new HeapCounters()
  // Forty squares of 2^25 + 1 sum to about 2^55, where a double steps by 8: a plain sum would round
  // the 3^2 added on top, and 9 would not come back when the forty go.
  const size = 2 ** 25 + 1
  for (let i = 0; i < 40; i++) counters.addFree(size)
  counters.addFree(3)
  for (let i = 0; i < 40; i++) counters.removeFree(size)
  t.equal(counters.sumOfSquares(), 9)
  t.equal(counters.freeRanges, 1)
})
