/**
 * The invariants of the free-index AVL tree (tree.ts), verified in O(n) for tests: key order,
 * stored heights, AVL balance, subtree maxes (augmented trees), node count, no cycles.
 */

import type { AvlTree } from './tree.js'
import { MAX_DEPTH, NIL } from './tree.js'

/** Throws an Error describing the first violation found. */
export function checkTree (tree: AvlTree): void {
  tree.flush()
  const { kids, heights, maxes } = tree
  const sizes = tree.nodes.sizes
  const height = (n: number): number => n === NIL ? 0 : heights[n]!
  let seen = 0
  let prev = NIL
  const visit = (n: number, depth: number): void => {
    if (n === NIL) return
    if (depth >= MAX_DEPTH) throw new Error('tree: deeper than MAX_DEPTH (a cycle?)')
    const l = kids[2 * n]!
    const r = kids[2 * n + 1]!
    visit(l, depth + 1)
    if (prev !== NIL && !tree.precedes(prev, n)) throw new Error(`tree: node ${prev} is not before node ${n}`)
    prev = n
    seen++
    visit(r, depth + 1)
    if (heights[n] !== 1 + Math.max(height(l), height(r))) throw new Error(`tree: wrong height at node ${n}`)
    if (Math.abs(height(l) - height(r)) > 1) throw new Error(`tree: unbalanced at node ${n}`)
    if (tree.augmented) {
      let max = sizes[n]!
      if (l !== NIL) max = Math.max(max, maxes[l]!)
      if (r !== NIL) max = Math.max(max, maxes[r]!)
      if (maxes[n] !== max) throw new Error(`tree: wrong subtree max at node ${n}`)
    }
  }
  visit(tree.root, 0)
  if (seen !== tree.count) throw new Error(`tree: ${seen} nodes reachable, count says ${tree.count}`)
}
