/**
 * An AVL tree over the core's node ids, shared by the first-fit and best-fit free indexes.
 *
 * Keys are read from the NodeView: by offset (first-fit) or by (size, offset) (best-fit). Free
 * ranges never overlap, so both keys are unique. With `augmented`, every node also carries the
 * largest range size in its subtree, which lets first-fit skip whole subtrees that cannot fit.
 *
 * Why AVL: deterministic (no random priorities), worst-case height 1.44 log2 n (<= 46 for any
 * Int32 id space), so insert, remove and every search are O(log n) worst case, and a path fits in
 * a fixed 64-entry stack. There are no parent pointers: insert and remove record the path from
 * the root and retrace it, stopping as soon as a subtree's height and max are unchanged.
 *
 * The core mostly removes a range and at once inserts one that sorts in the same place (the
 * rest of a split range, a range grown by a merge). So remove() only finds the node and leaves
 * it linked as `pending`; if the next call inserts a node whose key lies between the pending
 * node's neighbours, it takes its place with no rotation, and only the maxes above are fixed.
 * Any other call completes the removal first. And firstAtLeast(), the search both strategies
 * start with, keeps its path, so removing the range it found needs no second descent. Same
 * O(log n) bounds; end to end on uniform-10k, first-fit runs about 1.8x and best-fit 1.25x faster.
 *
 * Storage per node: two Int32 children (8 bytes), a Uint8 height (1 byte) and, when augmented, a
 * Float64 subtree max (8 bytes): 9 or 17 bytes. No objects, no allocation after grow().
 */

import type { NodeView } from './free-index.js'
import { checkTree } from './tree-check.js'

/** The empty child. */
export const NIL = -1

/** AVL height is < 1.4405 log2(n + 2); 64 levels cover any tree of Int32 node ids. */
export const MAX_DEPTH = 64

export class AvlTree {
  root = NIL
  count = 0
  /** Children: kids[2 * n] is the left child of n, kids[2 * n + 1] the right one. */
  kids = new Int32Array(0)
  heights = new Uint8Array(0)
  /** Largest size in each node's subtree (only when augmented; empty otherwise). */
  maxes = new Float64Array(0)
  /** Scratch stack for searches that walk in key order (see first-fit and best-fit). */
  readonly stack = new Int32Array(MAX_DEPTH)
  /** A removed node still linked in place (see the header), and the length of its path in path/dirs. */
  private pending = NIL
  private pendingDepth = 0
  /** The node firstAtLeast() found and the length of its path: removing it needs no descent. */
  private hinted = NIL
  private hintedDepth = 0
  /** The pending node's key when it was removed (the core may change it since). */
  private pendingOffset = 0
  private pendingSize = 0
  private readonly path = new Int32Array(MAX_DEPTH)
  private readonly dirs = new Uint8Array(MAX_DEPTH)

  constructor (
    readonly nodes: NodeView,
    /** Order by (size, offset) instead of offset. */
    readonly bySize: boolean,
    /** Maintain the subtree max size. */
    readonly augmented: boolean
  ) {}

  grow (capacity: number): void {
    if (capacity <= this.heights.length) return
    const kids = new Int32Array(2 * capacity)
    kids.set(this.kids)
    this.kids = kids
    const heights = new Uint8Array(capacity)
    heights.set(this.heights)
    this.heights = heights
    if (this.augmented) {
      const maxes = new Float64Array(capacity)
      maxes.set(this.maxes)
      this.maxes = maxes
    }
  }

  /** Whether node a comes before node b in key order. */
  precedes (a: number, b: number): boolean {
    const { offsets, sizes } = this.nodes
    if (this.bySize) {
      const sa = sizes[a]!
      const sb = sizes[b]!
      if (sa !== sb) return sa < sb
    }
    return offsets[a]! < offsets[b]!
  }

  /**
   * The first node in key order of at least `size` bytes, or NIL, in one descent: by the subtree
   * maxes in an augmented tree (the lowest address), by the sizes in a size-ordered tree (the
   * smallest). The path is kept: the core removes that node next.
   */
  firstAtLeast (size: number): number {
    this.flush()
    const { kids, maxes, path, dirs } = this
    const sizes = this.nodes.sizes
    let x = this.root
    let depth = 0
    let found = NIL
    let foundDepth = 0
    if (this.bySize) {
      while (x !== NIL) {
        const dir = sizes[x]! >= size ? 0 : 1
        if (dir === 0) {
          found = x
          foundDepth = depth
        }
        path[depth] = x
        dirs[depth] = dir
        depth++
        x = kids[2 * x + dir]!
      }
    } else if (x !== NIL && maxes[x]! >= size) {
      for (;;) {
        const l = kids[2 * x]!
        let dir = 1
        if (l !== NIL && maxes[l]! >= size) dir = 0
        else if (sizes[x]! >= size) break
        path[depth] = x
        dirs[depth] = dir
        depth++
        x = kids[2 * x + dir]!
      }
      found = x
      foundDepth = depth
    }
    this.hinted = found
    this.hintedDepth = foundDepth
    return found
  }

  /** Leftmost node (first in key order), or NIL. */
  first (): number {
    this.flush()
    let x = this.root
    if (x === NIL) return NIL
    while (this.kids[2 * x]! !== NIL) x = this.kids[2 * x]!
    return x
  }

  /** Rightmost node (last in key order), or NIL. */
  last (): number {
    this.flush()
    let x = this.root
    if (x === NIL) return NIL
    while (this.kids[2 * x + 1]! !== NIL) x = this.kids[2 * x + 1]!
    return x
  }

  insert (n: number): void {
    this.count++
    this.hinted = NIL
    if (this.pending !== NIL) {
      if (this.substitute(n)) return
      this.flush()
    }
    const { kids } = this
    kids[2 * n] = NIL
    kids[2 * n + 1] = NIL
    this.heights[n] = 1
    if (this.augmented) this.maxes[n] = this.nodes.sizes[n]!
    const depth = this.descend(n)
    this.replaceChild(depth, n)
    this.retrace(depth, depth)
  }

  /**
   * Finds n and leaves it linked as the pending removal (see `pending`); its key may change from
   * here on, the unlinking never reads it.
   */
  remove (n: number): void {
    this.flush()
    let depth = this.hintedDepth
    if (n !== this.hinted) {
      depth = this.descend(n)
      if ((depth === 0 ? this.root : this.kids[2 * this.path[depth - 1]! + this.dirs[depth - 1]!]) !== n) {
        throw new Error(`free index: node ${n} is not in the tree`)
      }
    }
    this.hinted = NIL
    this.count--
    this.pending = n
    this.pendingDepth = depth
    this.pendingOffset = this.nodes.offsets[n]!
    this.pendingSize = this.nodes.sizes[n]!
  }

  /** Completes the pending removal, if any. Searches and every read of the shape call this first. */
  flush (): void {
    const n = this.pending
    if (n === NIL) return
    this.pending = NIL
    this.hinted = NIL
    const { kids, path, dirs } = this
    let depth = this.pendingDepth
    const left = kids[2 * n]!
    const right = kids[2 * n + 1]!
    if (left === NIL || right === NIL) {
      this.replaceChild(depth, left === NIL ? right : left)
      this.retrace(depth, depth)
      return
    }
    // Two children: the successor s (leftmost of the right subtree) takes n's place.
    const at = depth
    path[depth] = n
    dirs[depth] = 1
    depth++
    let s = right
    while (kids[2 * s]! !== NIL) {
      path[depth] = s
      dirs[depth] = 0
      depth++
      s = kids[2 * s]!
    }
    kids[2 * path[depth - 1]! + dirs[depth - 1]!] = kids[2 * s + 1]!
    kids[2 * s] = kids[2 * n]!
    kids[2 * s + 1] = kids[2 * n + 1]!
    this.heights[s] = this.heights[n]!
    if (this.augmented) this.maxes[s] = this.maxes[n]!
    path[at] = s
    this.replaceChild(at, s)
    // s's max must be recomputed even when the subtrees below it are unchanged.
    this.retrace(depth, at)
  }

  /**
   * Puts m where the pending node n sits when m's key falls between n's in-order neighbours:
   * the shape is unchanged, only the maxes above need a refresh. False (nothing done) otherwise.
   */
  private substitute (m: number): boolean {
    const { kids, path, dirs } = this
    const n = this.pending
    const depth = this.pendingDepth
    // Compared with n's key at removal, m moved one way at most: only that neighbour can be passed.
    const offset = this.nodes.offsets[m]!
    const size = this.nodes.sizes[m]!
    const bySizeDiffers = this.bySize && size !== this.pendingSize
    const later = bySizeDiffers ? size > this.pendingSize : offset > this.pendingOffset
    const earlier = bySizeDiffers ? !later : offset < this.pendingOffset
    if (earlier) {
      let pred = kids[2 * n]!
      if (pred !== NIL) {
        while (kids[2 * pred + 1]! !== NIL) pred = kids[2 * pred + 1]!
      } else {
        for (let i = depth - 1; i >= 0 && pred === NIL; i--) if (dirs[i] === 1) pred = path[i]!
      }
      if (pred !== NIL && !this.precedes(pred, m)) return false
    }
    if (later) {
      let succ = kids[2 * n + 1]!
      if (succ !== NIL) {
        while (kids[2 * succ]! !== NIL) succ = kids[2 * succ]!
      } else {
        for (let i = depth - 1; i >= 0 && succ === NIL; i--) if (dirs[i] === 0) succ = path[i]!
      }
      if (succ !== NIL && !this.precedes(m, succ)) return false
    }
    this.pending = NIL
    if (m !== n) {
      kids[2 * m] = kids[2 * n]!
      kids[2 * m + 1] = kids[2 * n + 1]!
      this.heights[m] = this.heights[n]!
      if (this.augmented) this.maxes[m] = this.maxes[n]!
      this.replaceChild(depth, m)
    }
    // Heights stay; retrace stops at the first max that keeps its value (m holds n's until then).
    path[depth] = m
    this.retrace(depth + 1, depth + 1)
    return true
  }

  clear (): void {
    this.root = NIL
    this.count = 0
    this.pending = NIL
    this.hinted = NIL
  }

  /**
   * Records in path/dirs the descent from the root towards n's key, down to n itself or to the
   * empty child where n belongs; returns the path length. The key is read once, compared inline.
   */
  private descend (n: number): number {
    const { kids, path, dirs, bySize } = this
    const { offsets, sizes } = this.nodes
    const offset = offsets[n]!
    const size = sizes[n]!
    let depth = 0
    let x = this.root
    while (x !== NIL && x !== n) {
      let dir = offsets[x]! < offset ? 1 : 0
      if (bySize) {
        const s = sizes[x]!
        if (s !== size) dir = s < size ? 1 : 0
      }
      path[depth] = x
      dirs[depth] = dir
      depth++
      x = kids[2 * x + dir]!
    }
    return depth
  }

  /** Makes `child` the subtree at path position `at` (the root when at is 0). */
  private replaceChild (at: number, child: number): void {
    if (at === 0) this.root = child
    else this.kids[2 * this.path[at - 1]! + this.dirs[at - 1]!] = child
  }

  /**
   * Walks path[top - 1] .. path[0] upwards, updating and rebalancing each node. Stops early once
   * a subtree keeps its height and max (its ancestors cannot change), but not above `stopFrom`.
   * The balanced case, by far the most common, is computed inline.
   */
  private retrace (top: number, stopFrom: number): void {
    const { path, kids, heights, maxes, augmented } = this
    const sizes = this.nodes.sizes
    for (let i = top - 1; i >= 0; i--) {
      const x = path[i]!
      const l = kids[2 * x]!
      const r = kids[2 * x + 1]!
      const hl = l === NIL ? 0 : heights[l]!
      const hr = r === NIL ? 0 : heights[r]!
      if (hl > hr + 1 || hr > hl + 1) {
        const oldHeight = heights[x]!
        const oldMax = augmented ? maxes[x]! : 0
        const y = this.rebalance(x, hl > hr ? 0 : 1)
        this.replaceChild(i, y)
        if (i <= stopFrom && heights[y] === oldHeight && (!augmented || maxes[y] === oldMax)) return
        continue
      }
      const height = 1 + (hl > hr ? hl : hr)
      let max = 0
      if (augmented) {
        max = sizes[x]!
        if (l !== NIL && maxes[l]! > max) max = maxes[l]!
        if (r !== NIL && maxes[r]! > max) max = maxes[r]!
        if (i <= stopFrom && height === heights[x] && max === maxes[x]) return
        maxes[x] = max
      } else if (i <= stopFrom && height === heights[x]) {
        return
      }
      heights[x] = height
    }
  }

  private height (n: number): number {
    return n === NIL ? 0 : this.heights[n]!
  }

  /** Recomputes n's height and max from its children. */
  private update (n: number): void {
    const { kids, heights } = this
    const l = kids[2 * n]!
    const r = kids[2 * n + 1]!
    const hl = l === NIL ? 0 : heights[l]!
    const hr = r === NIL ? 0 : heights[r]!
    heights[n] = 1 + (hl > hr ? hl : hr)
    if (this.augmented) {
      const { maxes } = this
      let m = this.nodes.sizes[n]!
      if (l !== NIL && maxes[l]! > m) m = maxes[l]!
      if (r !== NIL && maxes[r]! > m) m = maxes[r]!
      maxes[n] = m
    }
  }

  /** Lifts x's child on side `up` into x's place; returns the new subtree root. */
  private rotate (x: number, up: number): number {
    const { kids } = this
    const c = kids[2 * x + up]!
    kids[2 * x + up] = kids[2 * c + 1 - up]!
    kids[2 * c + 1 - up] = x
    this.update(x)
    this.update(c)
    return c
  }

  /** Restores the AVL balance at x, whose `heavy` side is two levels taller; returns the subtree's new root. */
  private rebalance (x: number, heavy: number): number {
    const { kids } = this
    const c = kids[2 * x + heavy]!
    if (this.height(kids[2 * c + 1 - heavy]!) > this.height(kids[2 * c + heavy]!)) {
      kids[2 * x + heavy] = this.rotate(c, 1 - heavy)
    }
    return this.rotate(x, heavy)
  }

  /** Verifies every invariant (tree-check.ts); throws on the first violation. O(n), for tests. */
  check (): void {
    checkTree(this)
  }
}
