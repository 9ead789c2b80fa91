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
 * O(log n) bounds, with a fraction of the rotations and descents.
 *
 * Slots: only free ranges are ever in the tree, and the core has far more nodes than free ranges
 * (about 7 to 1 with a million live blocks). So the tree links slots of its own, not node ids,
 * and keeps nothing per core node: nodeOf names the node a slot holds, and a node is found by
 * its key (one descent, which remove() makes anyway to record the path). Per slot: nodeOf (4
 * bytes), two Int32 children (8), a Uint8 height (1), a copy of the key (offset and size, 16) and,
 * when augmented, a Float64 subtree max (8): 29 or 37 bytes per free range. The slot arrays grow
 * by a quarter when full (as the core's do); released slots go to a free-list threaded through
 * the left child, so a steady state allocates nothing. Moving a node between slots is one nodeOf
 * and key update: a substitution takes over the pending slot as it is, and a removal with two
 * children moves the successor's node into the removed slot and drops the successor's slot.
 * The public methods take and return node ids; root, kids, heights, maxes and `stack` hold slots.
 */

import { fitsIn } from './align.js'
import { CANDIDATES, type NodeView } from './free-index.js'
import { NIL } from './segments.js'
import { checkTree } from './tree-check.js'

/** AVL height is < 1.4405 log2(n + 2); 64 levels cover any tree of Int32 node ids. */
export const MAX_DEPTH = 64

/** Slots added at least on each growth of the slot arrays. */
const MIN_SLOT_GROWTH = 64

export class AvlTree {
  /** The root slot. */
  root = NIL
  count = 0
  /** Per slot: the node it holds (NIL when released). */
  nodeOf = new Int32Array(0)
  /** Children: kids[2 * s] is the left child of slot s, kids[2 * s + 1] the right one. */
  kids = new Int32Array(0)
  heights = new Uint8Array(0)
  /** Largest size in each slot's subtree (only when augmented; empty otherwise). */
  maxes = new Float64Array(0)
  /**
   * The key of the node in each slot, copied in when the node enters the slot: keys[2 * s] its
   * offset, keys[2 * s + 1] its size. Descents compare these instead of reading the core's arrays
   * through nodeOf: one cache line per level instead of three. A pending slot keeps the key its
   * node had when it was removed, which is what the shape is ordered by.
   */
  keys = new Float64Array(0)
  /** Scratch stack of slots for searches that walk in key order (see first-fit and best-fit). */
  readonly stack = new Int32Array(MAX_DEPTH)
  /** Slots ever handed out (slots at or above it were never used), and the head of the released ones. */
  private slotsUsed = 0
  private freeSlot = NIL
  /** A removed node's slot still linked in place (see the header), and the length of its path in path/dirs. */
  private pending = NIL
  private pendingDepth = 0
  /** The slot firstAtLeast() found and the length of its path: removing it needs no descent. */
  private hinted = NIL
  private hintedDepth = 0
  private readonly path = new Int32Array(MAX_DEPTH)
  private readonly dirs = new Uint8Array(MAX_DEPTH)

  constructor (
    readonly nodes: NodeView,
    /** Order by (size, offset) instead of offset. */
    readonly bySize: boolean,
    /** Maintain the subtree max size. */
    readonly augmented: boolean
  ) {}

  /** A slot for node n: a released one if any, else a fresh one (growing the slot arrays when full). */
  private takeSlot (n: number): number {
    let s = this.freeSlot
    if (s !== NIL) {
      this.freeSlot = this.kids[2 * s]!
    } else {
      if (this.slotsUsed === this.nodeOf.length) this.growSlots()
      s = this.slotsUsed++
    }
    this.nodeOf[s] = n
    this.keys[2 * s] = this.nodes.offsets[n]!
    this.keys[2 * s + 1] = this.nodes.sizes[n]!
    return s
  }

  /** Slot s is unlinked and holds no node any more. */
  private releaseSlot (s: number): void {
    this.nodeOf[s] = NIL
    this.kids[2 * s] = this.freeSlot
    this.freeSlot = s
  }

  private growSlots (): void {
    const old = this.nodeOf.length
    const capacity = old + Math.max(MIN_SLOT_GROWTH, Math.ceil(old / 4))
    const nodeOf = new Int32Array(capacity)
    nodeOf.set(this.nodeOf)
    this.nodeOf = nodeOf
    const kids = new Int32Array(2 * capacity)
    kids.set(this.kids)
    this.kids = kids
    const keys = new Float64Array(2 * capacity)
    keys.set(this.keys)
    this.keys = keys
    const heights = new Uint8Array(capacity)
    heights.set(this.heights)
    this.heights = heights
    if (this.augmented) {
      const maxes = new Float64Array(capacity)
      maxes.set(this.maxes)
      this.maxes = maxes
    }
  }

  /** Released slots on the free-list, for check(). */
  releasedSlots (): number {
    let released = 0
    for (let s = this.freeSlot; s !== NIL && released <= this.slotsUsed; s = this.kids[2 * s]!) released++
    return released
  }

  /** Slots ever handed out, for check(). */
  usedSlots (): number {
    return this.slotsUsed
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
    const { kids, maxes, path, dirs, nodeOf, keys } = this
    let x = this.root
    let depth = 0
    let found = NIL
    let foundDepth = 0
    if (this.bySize) {
      while (x !== NIL) {
        const dir = keys[2 * x + 1]! >= size ? 0 : 1
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
        else if (keys[2 * x + 1]! >= size) break
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
    return found === NIL ? NIL : nodeOf[found]!
  }

  /**
   * A node where `size` bytes aligned to `align` fit: the first in key order among the first
   * CANDIDATES nodes of at least `size` bytes where the block fits, else the first node of at
   * least size + align - 1 bytes (where it always fits), else NIL. The walk goes in key order
   * from the first node of at least `size` bytes, pruned by the subtree maxes in an augmented
   * tree: O(log n + CANDIDATES) amortised, O(CANDIDATES log n) at worst, on any tree.
   */
  firstAligned (size: number, align: number): number {
    this.flush()
    const { kids, maxes, stack, nodeOf, keys, augmented } = this
    let depth = 0
    let x = this.root
    // The stack holds the slots still to visit, each to be followed by its right subtree.
    while (x !== NIL) {
      if (augmented ? maxes[x]! < size : keys[2 * x + 1]! < size) {
        x = augmented ? NIL : kids[2 * x + 1]!
      } else {
        stack[depth++] = x
        x = kids[2 * x]!
      }
    }
    for (let examined = 0; depth > 0 && examined < CANDIDATES;) {
      x = stack[--depth]!
      if (keys[2 * x + 1]! >= size) {
        if (fitsIn(keys[2 * x]!, keys[2 * x + 1]!, size, align)) return nodeOf[x]!
        examined++
      }
      for (let y = kids[2 * x + 1]!; y !== NIL; y = kids[2 * y]!) {
        if (augmented && maxes[y]! < size) break
        stack[depth++] = y
      }
    }
    return this.firstAtLeast(size + (align - 1))
  }

  /** Size of the largest range in the tree, 0 when empty: the root's max (augmented), else the last node's. */
  largest (): number {
    this.flush()
    if (this.root === NIL) return 0
    return this.augmented ? this.maxes[this.root]! : this.nodes.sizes[this.last()]!
  }

  /** Leftmost node (first in key order), or NIL. */
  first (): number {
    this.flush()
    let x = this.root
    if (x === NIL) return NIL
    while (this.kids[2 * x]! !== NIL) x = this.kids[2 * x]!
    return this.nodeOf[x]!
  }

  /** Rightmost node (last in key order), or NIL. */
  last (): number {
    this.flush()
    let x = this.root
    if (x === NIL) return NIL
    while (this.kids[2 * x + 1]! !== NIL) x = this.kids[2 * x + 1]!
    return this.nodeOf[x]!
  }

  insert (n: number): void {
    this.count++
    this.hinted = NIL
    if (this.pending !== NIL) {
      if (this.substitute(n)) return
      this.flush()
    }
    const s = this.takeSlot(n)
    const { kids } = this
    kids[2 * s] = NIL
    kids[2 * s + 1] = NIL
    this.heights[s] = 1
    if (this.augmented) this.maxes[s] = this.nodes.sizes[n]!
    const depth = this.descend(this.keys[2 * s]!, this.keys[2 * s + 1]!)
    this.replaceChild(depth, s)
    this.retrace(depth, depth)
  }

  /**
   * Finds n and leaves its slot linked as the pending removal (see `pending`); n's key may change
   * from here on, the unlinking never reads it.
   */
  remove (n: number): void {
    this.flush()
    let s = this.hinted
    let depth = this.hintedDepth
    if (s === NIL || this.nodeOf[s] !== n) {
      // Found by its key, which the core has not changed yet (remove comes first).
      depth = this.descend(this.nodes.offsets[n]!, this.nodes.sizes[n]!)
      s = depth === 0 ? this.root : this.kids[2 * this.path[depth - 1]! + this.dirs[depth - 1]!]!
      if (s === NIL || this.nodeOf[s] !== n) throw new Error(`free index: node ${n} is not in the tree`)
    }
    this.hinted = NIL
    this.count--
    this.pending = s
    this.pendingDepth = depth
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
      this.releaseSlot(n)
      return
    }
    // Two children: the successor (leftmost of the right subtree) moves into slot n, whose links
    // and height stay; the successor's own slot is unlinked and released.
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
    const moved = this.nodeOf[s]!
    this.nodeOf[n] = moved
    this.keys[2 * n] = this.keys[2 * s]!
    this.keys[2 * n + 1] = this.keys[2 * s + 1]!
    this.releaseSlot(s)
    // Slot n's max must be recomputed even when the subtrees below it are unchanged.
    this.retrace(depth, at)
  }

  /**
   * Puts m in the pending slot when m's key falls between the in-order neighbours of the node
   * removed from it: the shape is unchanged, only the maxes above need a refresh. False (nothing
   * done) otherwise.
   */
  private substitute (m: number): boolean {
    const { kids, path, dirs, nodeOf, keys } = this
    const n = this.pending
    const depth = this.pendingDepth
    // Compared with the key at removal (still in the slot), m moved one way at most: only that neighbour can be passed.
    const offset = this.nodes.offsets[m]!
    const size = this.nodes.sizes[m]!
    const pendingOffset = keys[2 * n]!
    const pendingSize = keys[2 * n + 1]!
    const bySizeDiffers = this.bySize && size !== pendingSize
    const later = bySizeDiffers ? size > pendingSize : offset > pendingOffset
    const earlier = bySizeDiffers ? !later : offset < pendingOffset
    if (earlier) {
      let pred = kids[2 * n]!
      if (pred !== NIL) {
        while (kids[2 * pred + 1]! !== NIL) pred = kids[2 * pred + 1]!
      } else {
        for (let i = depth - 1; i >= 0 && pred === NIL; i--) if (dirs[i] === 1) pred = path[i]!
      }
      if (pred !== NIL && !this.precedes(nodeOf[pred]!, m)) return false
    }
    if (later) {
      let succ = kids[2 * n + 1]!
      if (succ !== NIL) {
        while (kids[2 * succ]! !== NIL) succ = kids[2 * succ]!
      } else {
        for (let i = depth - 1; i >= 0 && succ === NIL; i--) if (dirs[i] === 0) succ = path[i]!
      }
      if (succ !== NIL && !this.precedes(m, nodeOf[succ]!)) return false
    }
    this.pending = NIL
    nodeOf[n] = m
    keys[2 * n] = offset
    keys[2 * n + 1] = size
    // Links and height stay; retrace stops at the first max that keeps its value (slot n holds
    // the removed node's until then).
    path[depth] = n
    this.retrace(depth + 1, depth + 1)
    return true
  }

  clear (): void {
    this.root = NIL
    this.count = 0
    this.pending = NIL
    this.hinted = NIL
    this.slotsUsed = 0
    this.freeSlot = NIL
  }

  /**
   * Records in path/dirs the descent from the root towards the key (offset, size), down to the
   * slot holding that offset or to the empty child where it belongs; returns the path length.
   * Offsets are unique among free ranges, so the offset alone says when the slot is reached.
   */
  private descend (offset: number, size: number): number {
    const { kids, path, dirs, bySize, keys } = this
    let depth = 0
    let x = this.root
    while (x !== NIL && keys[2 * x] !== offset) {
      let dir = keys[2 * x]! < offset ? 1 : 0
      if (bySize) {
        const s = keys[2 * x + 1]!
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
   * Walks path[top - 1] .. path[0] upwards, updating and rebalancing each slot. Stops early once
   * a subtree keeps its height and max (its ancestors cannot change), but not above `stopFrom`.
   * The balanced case, by far the most common, is computed inline.
   */
  private retrace (top: number, stopFrom: number): void {
    const { path, kids, heights, maxes, augmented, keys } = this
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
        max = keys[2 * x + 1]!
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

  private height (s: number): number {
    return s === NIL ? 0 : this.heights[s]!
  }

  /** Recomputes slot s's height and max from its children. */
  private update (s: number): void {
    const { kids, heights } = this
    const l = kids[2 * s]!
    const r = kids[2 * s + 1]!
    const hl = l === NIL ? 0 : heights[l]!
    const hr = r === NIL ? 0 : heights[r]!
    heights[s] = 1 + (hl > hr ? hl : hr)
    if (this.augmented) {
      const { maxes } = this
      let m = this.keys[2 * s + 1]!
      if (l !== NIL && maxes[l]! > m) m = maxes[l]!
      if (r !== NIL && maxes[r]! > m) m = maxes[r]!
      maxes[s] = m
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
