/**
 * A heap's layout read once into flat arrays for planning (defrag-compact.ts, defrag-hole.ts):
 * segments in address order with their kind, and prefix sums over them, so that the bytes and
 * blocks of any run of segments, and the free bytes before it, are O(1) each. O(segments) to
 * build; the planners never touch the heap's own structures after that.
 */
import type { HeapAllocator } from './allocator.js'
import { FREE, HEAD, NIL, RESERVED } from './segments.js'

/** Segment kinds: free space (a possible destination), a block (movable), a reservation (neither). */
export const FREE_SEGMENT = 0
export const BLOCK_SEGMENT = 1
export const FIXED_SEGMENT = 2

export interface Layout {
  heapSize: number
  /** Segments in address order. */
  count: number
  offsets: Float64Array
  sizes: Float64Array
  kinds: Uint8Array
  /** The store's node of each segment (a block's alignment and tag are read from it). */
  nodes: Int32Array
  /** Alignment a block segment must keep when it moves (its requested one and the heap's); 0 for other kinds. */
  aligns: Float64Array
  /** Prefix sums over segments [0, s), index s from 0 to count. */
  freeBefore: Float64Array
  blockBytesBefore: Float64Array
  blocksBefore: Int32Array
  fixedBefore: Int32Array
  /** Free segments before segment s: the index in freeSegments of the first free segment at or after s. */
  freeIndexBefore: Int32Array
  /** Segment index of each free segment, in address order. */
  freeSegments: Int32Array
  totalFree: number
  largestFree: number
}

export function readLayout (heap: HeapAllocator): Layout {
  const store = heap.store
  let count = 0
  for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!) count++
  const offsets = new Float64Array(count)
  const sizes = new Float64Array(count)
  const kinds = new Uint8Array(count)
  const nodes = new Int32Array(count)
  const aligns = new Float64Array(count)
  const freeBefore = new Float64Array(count + 1)
  const blockBytesBefore = new Float64Array(count + 1)
  const blocksBefore = new Int32Array(count + 1)
  const fixedBefore = new Int32Array(count + 1)
  const freeIndexBefore = new Int32Array(count + 1)
  const freeSegments = new Int32Array(heap.counters.freeRanges)
  let s = 0
  let free = 0
  let largest = 0
  for (let x = store.next[HEAD]!; x !== NIL; x = store.next[x]!, s++) {
    const size = store.sizes[x]!
    const state = store.state[x]!
    offsets[s] = store.offsets[x]!
    sizes[s] = size
    nodes[s] = x
    freeBefore[s + 1] = freeBefore[s]!
    blockBytesBefore[s + 1] = blockBytesBefore[s]!
    blocksBefore[s + 1] = blocksBefore[s]!
    fixedBefore[s + 1] = fixedBefore[s]!
    freeIndexBefore[s + 1] = freeIndexBefore[s]!
    if (state === FREE) {
      kinds[s] = FREE_SEGMENT
      freeSegments[freeIndexBefore[s]!] = s
      freeIndexBefore[s + 1]!++
      freeBefore[s + 1]! += size
      free += size
      if (size > largest) largest = size
    } else if (state === RESERVED) {
      kinds[s] = FIXED_SEGMENT
      fixedBefore[s + 1]!++
    } else {
      kinds[s] = BLOCK_SEGMENT
      aligns[s] = heap.alignmentOf(state)
      blockBytesBefore[s + 1]! += size
      blocksBefore[s + 1]!++
    }
  }
  return {
    heapSize: heap.size,
    count,
    offsets,
    sizes,
    kinds,
    nodes,
    aligns,
    freeBefore,
    blockBytesBefore,
    blocksBefore,
    fixedBefore,
    freeIndexBefore,
    freeSegments,
    totalFree: free,
    largestFree: largest
  }
}

/** The end of segment s. */
export function endOf (layout: Layout, s: number): number {
  return layout.offsets[s]! + layout.sizes[s]!
}
