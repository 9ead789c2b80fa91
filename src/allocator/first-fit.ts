/**
 * First fit: the free range with the lowest address in which the block fits. For unaligned
 * requests this is exactly the range the naive design picks by scanning its sorted free list.
 *
 * Free ranges sit in an AVL tree keyed by offset, each node carrying the largest range size in
 * its subtree (tree.ts). find() descends left-first into any subtree whose max is large enough
 * (tree.firstAtLeast), reaching the lowest-address range of at least `size` bytes in O(log n);
 * the tree keeps that path, so the core's removal of the range costs no second descent.
 *
 * Alignment. A range of need = size + align - 1 bytes or more always fits (at most align - 1
 * bytes of padding); a shorter one of at least `size` bytes fits or not depending on its offset,
 * and exact first fit would have to test them one by one, all of them on a heap shattered into
 * such ranges. So find() tests the first CANDIDATES ranges of at least `size` bytes in address
 * order (tree.firstAligned) and takes the first that fits; when none does, it takes the
 * lowest-address range of at least `need` bytes. The answer is exact
 * first fit unless more than CANDIDATES such ranges precede it; NIL only when no range of `need`
 * bytes exists. O(log n + CANDIDATES) amortised, O(CANDIDATES log n) at worst.
 *
 * largest() is the root's max: O(1). insert/remove: O(log n).
 * Storage (tree.ts): nothing per core node, 37 bytes per free range.
 */

import { fitsIn } from './align.js'
import type { FreeIndex, FreeIndexFactory, NodeView } from './free-index.js'
import { NIL } from './segments.js'
import { AvlTree } from './tree.js'

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
    return this.tree.largest()
  }

  find (size: number, align: number): number {
    const n = this.tree.firstAtLeast(size)
    if (n === NIL || align === 1 || fitsIn(this.nodes.offsets[n]!, this.nodes.sizes[n]!, size, align)) return n
    return this.tree.firstAligned(size, align)
  }
}

export const createFirstFitIndex: FreeIndexFactory = (nodes) => new FirstFitIndex(nodes)
