import t from 'tap'
import fc from 'fast-check'
import { createBestFitIndex, BestFitIndex } from '../../src/allocator/best-fit.js'
import { FakeNodes, opsArb, runOps, seededRun } from '../helpers/free-index-harness.js'

function fresh (): { nodes: FakeNodes, index: BestFitIndex } {
  const nodes = new FakeNodes(createBestFitIndex)
  return { nodes, index: nodes.index as BestFitIndex }
}

t.test('an empty index finds nothing and its largest range is 0', async (t) => {
  const { index } = fresh()
  t.equal(index.find(1, 1), -1)
  t.equal(index.largest(), 0)
})

t.test('picks the smallest range that fits, the lowest address among equal sizes', async (t) => {
  const { nodes, index } = fresh()
  const big = nodes.add(0, 1000)
  const highTen = nodes.add(5000, 10)
  const lowTen = nodes.add(3000, 10)
  nodes.add(4000, 9)
  t.equal(index.find(10, 1), lowTen)
  t.equal(index.find(11, 1), big)
  t.equal(index.find(1001, 1), -1)
  nodes.drop(lowTen)
  t.equal(index.find(10, 1), highTen)
})

t.test('walks past ranges that are large enough but fail the aligned fit', async (t) => {
  const { nodes, index } = fresh()
  nodes.add(1, 9) // aligned start 8, 8 + 8 > 10
  nodes.add(100, 11) // aligned start 104, 112 > 111
  const fits = nodes.add(129, 15) // aligned start 136, 144 = end
  nodes.add(1000, 15) // same size, higher address
  nodes.add(2001, 4000)
  t.equal(index.find(8, 8), fits)
  t.equal(index.find(8, 1), 0)
  t.equal(index.find(8, 4096), 4)
  t.equal(index.find(8, 8192), -1)
})

t.test('largest() follows inserts and removals of the largest range', async (t) => {
  const { nodes, index } = fresh()
  const a = nodes.add(0, 2 ** 45)
  const b = nodes.add(2 ** 46, 2 ** 45) // same size, higher address: now the last in key order
  nodes.add(2 ** 47, 7)
  t.equal(index.largest(), 2 ** 45)
  nodes.drop(b)
  t.equal(index.largest(), 2 ** 45)
  nodes.move(a, 5, 3)
  t.equal(index.largest(), 7)
  index.clear()
  t.equal(index.largest(), 0)
  t.equal(index.find(1, 1), -1)
})

t.test('matches a brute-force best fit on random insert/remove/find sequences', async (t) => {
  fc.assert(fc.property(opsArb, (ops) => {
    const { nodes, index } = fresh()
    runOps(nodes, ops, 'best', () => index.tree.check())
  }), { numRuns: 300 })
  t.pass('300 runs')
})

t.test('matches a brute-force best fit on a long seeded run with thousands of ranges', async (t) => {
  const { nodes, index } = fresh()
  // sizes from a narrow band so that many ranges tie and alignment walks are long
  const { finds, mismatches } = seededRun(nodes, 54321, 12, 'best', () => index.tree.check())
  t.same(mismatches, [], 'find() and largest() agree with the model at every step')
  t.ok(finds > 500, `${finds} finds compared, ${nodes.live.size} ranges at the end`)
})
