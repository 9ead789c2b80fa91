/**
 * Best fit: the smallest free range in which the block fits; the lowest address among ranges of
 * that size.
 *
 * Free ranges sit in an AVL tree keyed by (size, offset) (see tree.ts), so key order is exactly
 * the order of preference. find() takes the first range of at least `size` bytes (a lower bound,
 * O(log n); the tree keeps the path for the core's removal of that range).
 *
 * Alignment. When aligning that range's start leaves too little room, find() walks on in key
 * order through at most CANDIDATES ranges of at least `size` bytes and takes the first that
 * fits; when none does, the first range of at least size + align - 1 bytes, where the block
 * always fits (tree.firstAligned). The answer is exact best fit unless more than CANDIDATES
 * ranges that are too small once aligned precede it; NIL only when no range of size + align - 1
 * bytes exists. O(log n + CANDIDATES) amortised, O(CANDIDATES log n) at worst.
 *
 * largest(): the last node in key order is cached; when that node is removed, the cache is
 * dropped and the next largest() looks it up again (O(log n)). Not at once: splitting the largest
 * range removes it and inserts its rest, which the tree does in place (tree.ts), and an eager
 * lookup in between would undo that. insert/remove: O(log n). Storage (tree.ts): nothing per
 * core node, 29 bytes per free range.
 */

import { fitsIn } from './align.js'
import type { FreeIndex, FreeIndexFactory, NodeView } from './free-index.js'
import { NIL } from './segments.js'
import { AvlTree } from './tree.js'

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
    if (n === NIL || align === 1 || fitsIn(this.nodes.offsets[n]!, this.nodes.sizes[n]!, size, align)) return n
    return this.tree.firstAligned(size, align)
  }
}

export const createBestFitIndex: FreeIndexFactory = (nodes) => new BestFitIndex(nodes)
