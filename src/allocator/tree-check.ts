/**
 * The invariants of the free-index AVL tree (tree.ts), verified in O(n) for tests: key order,
 * stored heights, AVL balance, subtree maxes (augmented trees), node count, no cycles, and the
 * slot bookkeeping: every linked slot holds a node whose key is the slot's copy, and no slot is
 * lost.
 */

import type { AvlTree } from './tree.js'
import { NIL } from './segments.js'
import { MAX_DEPTH } from './tree.js'

/** Throws an Error describing the first violation found. */
export function checkTree (tree: AvlTree): void {
  tree.flush()
  const { kids, heights, maxes, nodeOf } = tree
  const sizes = tree.nodes.sizes
  const height = (s: number): number => s === NIL ? 0 : heights[s]!
  let seen = 0
  let prev = NIL
  const visit = (s: number, depth: number): void => {
    if (s === NIL) return
    if (depth >= MAX_DEPTH) throw new Error('tree: deeper than MAX_DEPTH (a cycle?)')
    const n = nodeOf[s]!
    if (n === NIL || n >= tree.nodes.offsets.length) throw new Error(`tree: slot ${s} holds no node`)
    if (tree.keys[2 * s] !== tree.nodes.offsets[n] || tree.keys[2 * s + 1] !== sizes[n]) {
      throw new Error(`tree: slot ${s} keeps a stale key for node ${n}`)
    }
    const l = kids[2 * s]!
    const r = kids[2 * s + 1]!
    visit(l, depth + 1)
    if (prev !== NIL && !tree.precedes(prev, n)) throw new Error(`tree: node ${prev} is not before node ${n}`)
    prev = n
    seen++
    visit(r, depth + 1)
    if (heights[s] !== 1 + Math.max(height(l), height(r))) throw new Error(`tree: wrong height at node ${n}`)
    if (Math.abs(height(l) - height(r)) > 1) throw new Error(`tree: unbalanced at node ${n}`)
    if (tree.augmented) {
      let max = sizes[n]!
      if (l !== NIL) max = Math.max(max, maxes[l]!)
      if (r !== NIL) max = Math.max(max, maxes[r]!)
      if (maxes[s] !== max) throw new Error(`tree: wrong subtree max at node ${n}`)
    }
  }
  visit(tree.root, 0)
  if (seen !== tree.count) throw new Error(`tree: ${seen} nodes reachable, count says ${tree.count}`)
  if (seen + tree.releasedSlots() !== tree.usedSlots()) {
    throw new Error(`tree: ${seen} linked and ${tree.releasedSlots()} released slots, ${tree.usedSlots()} handed out`)
  }
}
