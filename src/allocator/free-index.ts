/**
 * The one thing a strategy decides: which free range serves a request. The allocator core
 * (segments, coalescing, pointer lookup, stats) is shared; each strategy is a FreeIndex over
 * the core's free segments, which it sees as integer node ids.
 */

/** Read-only view of the core's node storage. The arrays may be replaced when the store grows: read them through this object each time. */
export interface NodeView {
  readonly offsets: Float64Array
  readonly sizes: Float64Array
}

export interface FreeIndex {
  /** The store grew to `capacity` nodes: grow any per-node arrays to match. */
  grow(capacity: number): void
  /** Node `node` is now a free range (its offset and size are set in the view). */
  insert(node: number): void
  /** Node `node` stops being a free range (called before its offset or size change). */
  remove(node: number): void
  /**
   * Free range `node` is about to become `size` bytes long (its offset may move too) and stay
   * free. True when the index keeps it where it is, so the core just writes the new extent; false
   * (nothing changed) when it must be removed and inserted again.
   */
  resizeInPlace(node: number, size: number): boolean
  /**
   * The free range the policy picks for `size` bytes aligned to `align`, or NIL, in O(log n) plus
   * at most CANDIDATES ranges examined. Never NIL while a free range of size + align - 1 bytes
   * exists (tlsf: see its header for the bound), so NIL is exact for align = 1. Where a range
   * shorter than that may or may not fit once aligned, the strategy's header says which it tries.
   */
  find(size: number, align: number): number
  /** Exact size of the largest free range; 0 when there is none. */
  largest(): number
  /** Forget every free range. */
  clear(): void
  /**
   * Optional, for an index whose picks depend on history, not only on the layout (tlsf: the order
   * of each bin's list). Every free node, each once, in the index's order: a node comes before
   * another of its own list when it is nearer the head. Absent: the order follows from the
   * layout (first-fit: address; best-fit: size then address), so there is nothing to keep.
   * Cold code (snapshots): O(free ranges).
   */
  order?(): number[]
  /**
   * Optional, the inverse of order(): forget every free range, then file `nodes` (free nodes, each
   * once) so that order() answers them in this sequence: each goes to the tail of its list. With
   * the same layout, later picks are then those of the index order() was read from.
   */
  restoreOrder?(nodes: readonly number[]): void
}

export type FreeIndexFactory = (nodes: NodeView) => FreeIndex

/**
 * Ranges a find() examines, at most, beyond its O(log n) searches, when alignment makes a range's
 * size alone inconclusive: bounds the work of any one allocation on a shattered heap.
 */
export const CANDIDATES = 16
