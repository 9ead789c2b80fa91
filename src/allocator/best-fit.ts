/**
 * Best fit: the smallest free range in which the block fits, aligned; the lowest address among
 * ranges of that size.
 *
 * Free ranges sit in an AVL tree keyed by (size, offset) (see tree.ts), so key order is exactly
 * the order of preference. find() takes the first range of at least `size` bytes (a lower bound,
 * O(log n); the tree keeps the path for the core's removal of that range) and, when an alignment
 * above 1 rounds that range's start up too far, walks forward in key order to the first range
 * that does fit: O(log n + k), k the ranges skipped. Only ranges shorter than size + align - 1
 * can be skipped; a longer one always fits.
 *
 * largest(): the last node in key order is cached; when that node is removed, the cache is
 * dropped and the next largest() looks it up again (O(log n)). Not at once: splitting the largest
 * range removes it and inserts its rest, which the tree does in place (tree.ts), and an eager
 * lookup in between would undo that. insert/remove: O(log n). Storage (tree.ts): nothing per
 * core node, 29 bytes per free range.
 */

import { fitsIn } from './align.js'
import type { FreeIndex, FreeIndexFactory, NodeView } from './free-index.js'
import { AvlTree, NIL } from './tree.js'

export class BestFitIndex implements FreeIndex {
  readonly tree: AvlTree
  /** The largest range (last in key order), or NIL when there is none; valid only when lastKnown. */
  private lastNode = NIL
  private lastKnown = true

  constructor (private readonly nodes: NodeView) {
    this.tree = new AvlTree(nodes, true, false)
  }

  /** The tree keeps nothing per core node: its arrays follow the free ranges. */
  grow (): void {}

  insert (node: number): void {
    this.tree.insert(node)
    if (this.lastKnown && (this.lastNode === NIL || this.tree.precedes(this.lastNode, node))) this.lastNode = node
  }

  /** The tree's remove-then-insert already keeps the place when the key order allows it (tree.ts). */
  resizeInPlace (): boolean {
    return false
  }

  remove (node: number): void {
    this.tree.remove(node)
    if (node === this.lastNode) {
      this.lastNode = NIL
      this.lastKnown = false
    }
  }

  clear (): void {
    this.tree.clear()
    this.lastNode = NIL
    this.lastKnown = true
  }

  largest (): number {
    if (!this.lastKnown) {
      this.lastNode = this.tree.last()
      this.lastKnown = true
    }
    return this.lastNode === NIL ? 0 : this.nodes.sizes[this.lastNode]!
  }

  find (size: number, align: number): number {
    const n = this.tree.firstAtLeast(size)
    const { offsets, sizes } = this.nodes
    if (n === NIL || align === 1 || fitsIn(offsets[n]!, sizes[n]!, size, align)) return n
    return this.firstAlignedFit(size, align)
  }

  /**
   * The first range in key order where the aligned block fits: an in-order walk from the lower
   * bound. The stack holds the nodes still to visit where the descent turned left; each visited
   * node is followed by its right subtree's left spine. (The tree links slots: nodeOf names the
   * node in each.)
   */
  private firstAlignedFit (size: number, align: number): number {
    const { kids, stack, nodeOf, keys } = this.tree
    const { offsets, sizes } = this.nodes
    let depth = 0
    let x = this.tree.root
    while (x !== NIL) {
      if (keys[2 * x + 1]! >= size) {
        stack[depth++] = x
        x = kids[2 * x]!
      } else {
        x = kids[2 * x + 1]!
      }
    }
    while (depth > 0) {
      x = stack[--depth]!
      const n = nodeOf[x]!
      if (fitsIn(offsets[n]!, sizes[n]!, size, align)) return n
      for (let y = kids[2 * x + 1]!; y !== NIL; y = kids[2 * y]!) stack[depth++] = y
    }
    return NIL
  }
}

export const createBestFitIndex: FreeIndexFactory = (nodes) => new BestFitIndex(nodes)
