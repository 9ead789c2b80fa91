/**
 * First fit: the free range with the lowest address in which the block fits, aligned. This is
 * exactly the range the naive design picks by scanning its sorted free list from the start.
 *
 * Free ranges sit in an AVL tree keyed by offset, each node carrying the largest range size in
 * its subtree (see tree.ts). find() descends left-first into any subtree whose max is large
 * enough (tree.firstAtLeast), so it reaches the lowest-address range of at least `size` bytes in
 * O(log n); the tree keeps that path, so the core's removal of the range costs no second descent.
 *
 * With an alignment above 1 that range may still be too small once its start is rounded up; the
 * search then resumes from the next range in address order with at least `size` bytes, O(log n)
 * per skipped candidate. A range of size + align - 1 bytes or more always fits, so only ranges
 * shorter than that can be skipped. largest() is the root's max: O(1). insert/remove: O(log n).
 * Storage (tree.ts): nothing per core node, 37 bytes per free range.
 */

import { fitsIn } from './align.js'
import type { FreeIndex, FreeIndexFactory, NodeView } from './free-index.js'
import { AvlTree, NIL } from './tree.js'

export class FirstFitIndex implements FreeIndex {
  readonly tree: AvlTree

  constructor (private readonly nodes: NodeView) {
    this.tree = new AvlTree(nodes, false, true)
  }

  /** The tree keeps nothing per core node: its arrays follow the free ranges. */
  grow (): void {}

  insert (node: number): void {
    this.tree.insert(node)
  }

  /** The tree's remove-then-insert already keeps the place when the key order allows it (tree.ts). */
  resizeInPlace (): boolean {
    return false
  }

  remove (node: number): void {
    this.tree.remove(node)
  }

  clear (): void {
    this.tree.clear()
  }

  largest (): number {
    this.tree.flush()
    const { root } = this.tree
    return root === NIL ? 0 : this.tree.maxes[root]!
  }

  find (size: number, align: number): number {
    let n = this.tree.firstAtLeast(size)
    if (n === NIL) return NIL
    const { offsets, sizes } = this.nodes
    while (align !== 1 && !fitsIn(offsets[n]!, sizes[n]!, size, align)) {
      n = this.nextAtLeast(offsets[n]!, size)
      if (n === NIL) return NIL
    }
    return n
  }

  /** Lowest-address node of at least `size` bytes in the subtree of slot x, whose max is >= size. */
  private leftmostAtLeast (x: number, size: number): number {
    const { kids, maxes, nodeOf, keys } = this.tree
    for (;;) {
      const l = kids[2 * x]!
      if (l !== NIL && maxes[l]! >= size) {
        x = l
      } else if (keys[2 * x + 1]! >= size) {
        return nodeOf[x]!
      } else {
        x = kids[2 * x + 1]!
      }
    }
  }

  /**
   * Lowest-address node of at least `size` bytes whose offset is above `after`, or NIL.
   * The descent towards `after` stacks every node where it turned left: popped, they come in
   * address order, each followed by its right subtree, which the max lets us test whole.
   * (The tree links slots: nodeOf names the node in each.)
   */
  private nextAtLeast (after: number, size: number): number {
    const { kids, maxes, stack, nodeOf, keys } = this.tree
    let depth = 0
    let x = this.tree.root
    while (x !== NIL) {
      if (keys[2 * x]! > after) {
        stack[depth++] = x
        x = kids[2 * x]!
      } else {
        x = kids[2 * x + 1]!
      }
    }
    while (depth > 0) {
      x = stack[--depth]!
      if (keys[2 * x + 1]! >= size) return nodeOf[x]!
      const r = kids[2 * x + 1]!
      if (r !== NIL && maxes[r]! >= size) return this.leftmostAtLeast(r, size)
    }
    return NIL
  }
}

export const createFirstFitIndex: FreeIndexFactory = (nodes) => new FirstFitIndex(nodes)
