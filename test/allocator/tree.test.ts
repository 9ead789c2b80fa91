import t from 'tap'
import { NIL } from '../../src/allocator/segments.js'
import { AvlTree } from '../../src/allocator/tree.js'

/** A tree over n nodes whose offsets and sizes are given. */
function treeOver (offsets: number[], sizes: number[], bySize: boolean): AvlTree {
  const nodes = { offsets: Float64Array.from(offsets), sizes: Float64Array.from(sizes) }
  return new AvlTree(nodes, bySize, !bySize)
}

/** The nodes in key order (the tree links slots; nodeOf names each slot's node). */
function inOrder (tree: AvlTree): number[] {
  const out: number[] = []
  const visit = (s: number): void => {
    if (s === NIL) return
    visit(tree.kids[2 * s]!)
    out.push(tree.nodeOf[s]!)
    visit(tree.kids[2 * s + 1]!)
  }
  visit(tree.root)
  return out
}

t.test('ascending inserts stay balanced: height within the AVL bound', async (t) => {
  const n = 100_000
  const offsets = Array.from({ length: n }, (_, i) => i * 2 ** 20)
  const tree = treeOver(offsets, offsets.map(() => 1), false)
  for (let i = 0; i < n; i++) tree.insert(i)
  tree.check()
  t.equal(tree.count, n)
  t.ok(tree.heights[tree.root]! <= 1.4405 * Math.log2(n + 2), `height ${tree.heights[tree.root]}`)
  t.equal(tree.first(), 0)
  t.equal(tree.last(), n - 1)
  // remove every other node, then the rest, checking as we go
  for (let i = 0; i < n; i += 2) tree.remove(i)
  tree.check()
  t.equal(tree.first(), 1)
  for (let i = 1; i < n; i += 2) tree.remove(i)
  tree.check()
  t.equal(tree.root, NIL)
  t.equal(tree.first(), NIL)
})

t.test('by size, ties are broken by offset', async (t) => {
  const tree = treeOver([50, 10, 30, 20, 40], [7, 7, 3, 9, 7], true)
  for (let i = 0; i < 5; i++) tree.insert(i)
  tree.check()
  t.same(inOrder(tree), [2, 1, 4, 0, 3])
})

t.test('the subtree max is the largest size below each node, through removals', async (t) => {
  const sizes = [5, 1, 9, 2, 8, 3, 7]
  const tree = treeOver(sizes.map((_, i) => i), sizes, false)
  for (let i = 0; i < sizes.length; i++) tree.insert(i)
  t.equal(tree.maxes[tree.root], 9)
  tree.remove(2)
  tree.flush()
  t.equal(tree.maxes[tree.root], 8)
  tree.remove(4)
  tree.check()
  t.equal(tree.maxes[tree.root], 7)
})

t.test('a removal followed by an insert in the same place keeps the shape and fixes the maxes', async (t) => {
  const offsets = [0, 100, 200, 300, 400, 500, 600, 700, 150, 50]
  const sizes = [1, 1, 1, 90, 1, 1, 1, 1, 20, 2]
  const tree = treeOver(offsets, sizes, false)
  for (let i = 0; i < 8; i++) tree.insert(i)
  tree.remove(3) // the largest range, an inner node
  tree.insert(8) // offset 150: between 100 and 200, not between 200 and 400: a real insert
  tree.check()
  t.equal(tree.maxes[tree.root], 20)
  tree.remove(8)
  tree.check()
  t.same(inOrder(tree), [0, 1, 2, 4, 5, 6, 7])
  const before = Array.from(tree.kids.subarray(0, 16))
  tree.remove(1)
  tree.nodes.sizes[1] = 40 // the key stays, the size grows: substituted in place
  tree.insert(1)
  t.same(Array.from(tree.kids.subarray(0, 16)), before)
  tree.check()
  t.equal(tree.maxes[tree.root], 40)
  tree.remove(1)
  tree.insert(9) // offset 50, between 0 and 200: takes node 1's place
  tree.check()
  t.same(inOrder(tree), [0, 9, 2, 4, 5, 6, 7])
  t.equal(tree.maxes[tree.root], 2)
})

t.test('a substituted node does not inherit a stale max from an earlier life', async (t) => {
  const tree = treeOver([0, 100, 200, 300, 400, 500, 600, 700], [1, 1, 90, 1, 1, 1, 1, 5], false)
  for (let i = 0; i < 8; i++) tree.insert(i)
  tree.remove(7) // a leaf: its max (5) stays in the array
  tree.flush()
  tree.nodes.offsets[7] = 210
  tree.remove(2) // the largest range
  tree.insert(7) // between 100 and 300: takes node 2's place, its max must come out 5 for the whole path
  tree.check()
  t.equal(tree.maxes[tree.root], 5)
})

t.test('check() reports a broken order, height or count', async (t) => {
  const tree = treeOver([10, 20, 30], [1, 1, 1], false)
  for (let i = 0; i < 3; i++) tree.insert(i)
  tree.check()
  tree.nodes.offsets[0] = 25 // node 0 is now after node 1 but still its left child
  t.throws(() => tree.check(), /stale key/, 'a key changed behind the tree\'s back')
  const slot = tree.nodeOf.indexOf(0)
  tree.keys[2 * slot] = 25 // the slot's copy agrees: the order itself is broken
  t.throws(() => tree.check(), /not before/)
  tree.nodes.offsets[0] = 10
  tree.keys[2 * slot] = 10
  tree.check()
  tree.heights[tree.root] = 5
  t.throws(() => tree.check(), /wrong height/)
  tree.heights[tree.root] = 2
  tree.count = 4
  t.throws(() => tree.check(), /reachable/)
})

t.test('removing a node that is not in the tree throws', async (t) => {
  const tree = treeOver([10, 20], [1, 1], false)
  tree.insert(0)
  t.throws(() => tree.remove(1), /not in the tree/)
})

t.test('the tree links slots of its own: sized by the ranges held, recycled, not by node ids', async (t) => {
  const n = 10_000
  const offsets = Array.from({ length: n }, (_, i) => i * 10)
  const tree = treeOver(offsets, offsets.map(i => 1 + (i % 7)), false)
  // a few free ranges among many nodes: the slot arrays stay small
  for (let i = n - 1; i >= 0; i -= 1000) tree.insert(i)
  tree.check()
  t.ok(tree.nodeOf.length < 100, `${tree.nodeOf.length} slots for 10 ranges`)
  const slots = tree.nodeOf.length
  // remove and insert many times over: released slots are reused, nothing grows
  for (let round = 0; round < 50; round++) {
    for (let i = n - 1; i >= 0; i -= 1000) tree.remove(i)
    for (let i = n - 2 - round; i >= 0; i -= 1000) tree.insert(i)
    tree.check()
    for (let i = n - 2 - round; i >= 0; i -= 1000) tree.remove(i)
    for (let i = n - 1; i >= 0; i -= 1000) tree.insert(i)
  }
  tree.check()
  t.equal(tree.nodeOf.length, slots)
  t.same(inOrder(tree), Array.from({ length: 10 }, (_, k) => 999 + 1000 * k))
  tree.clear()
  t.equal(tree.first(), NIL)
  tree.insert(5)
  tree.check()
  t.same(inOrder(tree), [5])
})

t.test('check() reports a slot that holds the wrong node or none', async (t) => {
  const tree = treeOver([10, 20, 30], [1, 1, 1], false)
  for (let i = 0; i < 3; i++) tree.insert(i)
  tree.check()
  const slot = tree.nodeOf.indexOf(1)
  tree.nodeOf[slot] = 0
  t.throws(() => tree.check(), /stale key for node 0/)
  tree.nodeOf[slot] = NIL
  t.throws(() => tree.check(), /holds no node/)
  tree.nodeOf[slot] = 1
  tree.check()
  t.throws(() => tree.remove(3), /not in the tree/, 'a node id past the view')
})
