/**
 * Read-only views of a heap's layout: segments, blocks and free ranges from an address (one
 * O(log n) seek in the skip list, then O(1) per item along the physical links), and occupancy
 * per bucket. Iterators read the live layout: do not change the heap while iterating.
 */
import type { HeapAllocator } from './allocator.js'
import { InvalidArgumentError } from './errors.js'
import { FREE, HEAD, NIL, RESERVED, type SegmentStore } from './segments.js'
import type { Block, FreeRange, Occupancy, Segment } from './types.js'
import { checkInteger } from './validate.js'

/** Most buckets occupancy() computes in one call. */
export const MAX_BUCKETS = 10000

/** Segments in address order, starting with the one containing `from` (the first one when from < 0, none when from >= size); used ones with their block's requested alignment and tag, reserved ones bare. */
export function * segmentsFrom (heap: HeapAllocator, from: number): IterableIterator<Segment> {
  const store = heap.store
  let x = store.seek(from)
  if (x === HEAD) x = store.next[HEAD]!
  else if (store.offsets[x]! + store.sizes[x]! <= from) x = store.next[x]! // from is past the heap's end
  for (; x !== NIL; x = store.next[x]!) {
    if (store.state[x] === FREE) {
      yield { offset: store.offsets[x]!, size: store.sizes[x]!, state: 'free' }
    } else if (store.state[x] === RESERVED) {
      yield { offset: store.offsets[x]!, size: store.sizes[x]!, state: 'reserved' }
    } else {
      const { ptr, size, align, tag } = heap.blockOf(x)
      const segment: Segment = { offset: ptr, size, state: 'used' }
      if (align !== undefined) segment.align = align
      if (tag !== undefined) segment.tag = tag
      yield segment
    }
  }
}

/** Live blocks in address order whose ptr >= from, with their requested alignment and tag. */
export function * blocksFrom (heap: HeapAllocator, from: number): IterableIterator<Block> {
  const store = heap.store
  for (let x = firstAtOrAfter(store, from); x !== NIL; x = store.next[x]!) {
    if (store.state[x] !== FREE && store.state[x] !== RESERVED) yield heap.blockOf(x)
  }
}

/** Free ranges in address order whose offset >= from. */
export function * freeRangesFrom (store: SegmentStore, from: number): IterableIterator<FreeRange> {
  for (let x = firstAtOrAfter(store, from); x !== NIL; x = store.next[x]!) {
    if (store.state[x] === FREE) yield { offset: store.offsets[x]!, size: store.sizes[x]! }
  }
}

function firstAtOrAfter (store: SegmentStore, from: number): number {
  const x = store.seek(from)
  return x === HEAD || store.offsets[x]! < from ? store.next[x]! : x
}

/**
 * Used bytes per bucket of [from, to): bucket width ceil((to - from) / buckets), so there are at
 * most `buckets` buckets and the last may be narrower. Exact integers at any heap size.
 * O(log n + segments in range + buckets): a segment spanning k buckets costs k, and a bucket
 * lies wholly inside at most one segment.
 */
export function occupancyOf (store: SegmentStore, heapSize: number, buckets: number, from: number, to: number): Occupancy {
  const steps = occupancySlices(store, heapSize, buckets, from, to, Infinity)
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
  }
}

/**
 * occupancyOf in slices of at most `segmentsPerSlice` segments: each next() does one slice, and the
 * last answers the occupancy. Between slices the heap may change: every slice seeks again from the
 * address where the last one stopped and counts only from there, so each byte of [from, to) is
 * counted once, as the heap was when its slice ran.
 */
export function * occupancySlices (
  store: SegmentStore, heapSize: number, buckets: number, from: number, to: number, segmentsPerSlice: number
): Generator<void, Occupancy, void> {
  if (typeof buckets !== 'number' || !Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
    throw new InvalidArgumentError('buckets', `must be an integer from 1 to ${MAX_BUCKETS}, got ${String(buckets)}`)
  }
  checkInteger('from', from)
  checkInteger('to', to)
  if (from < 0 || to > heapSize || from >= to) {
    throw new InvalidArgumentError('range', `[${from}, ${to}) must be a non-empty range inside [0, ${heapSize})`)
  }
  const span = to - from
  const width = ceilDiv(span, buckets)
  const count = ceilDiv(span, width)
  const used = new Array<number>(count).fill(0)
  let resume = from
  for (;;) {
    let x = store.seek(resume)
    if (x === HEAD) x = store.next[HEAD]!
    let visited = 0
    for (; x !== NIL && store.offsets[x]! < to && visited < segmentsPerSlice; x = store.next[x]!, visited++) {
      if (store.state[x] === FREE) continue
      const start = Math.max(store.offsets[x]!, resume) - from
      const end = Math.min(store.offsets[x]! + store.sizes[x]!, to) - from
      for (let b = floorDiv(start, width); b * width < end; b++) {
        used[b]! += Math.min(end, (b + 1) * width) - Math.max(start, b * width)
      }
    }
    if (x === NIL || store.offsets[x]! >= to) break
    resume = store.offsets[x]!
    yield
  }
  return {
    from,
    to,
    bucketSize: width,
    buckets: used.map((bytes, b) => ({ offset: from + b * width, size: Math.min(width, span - b * width), used: bytes }))
  }
}

/** floor(a / b) for non-negative safe integers, exact (a % b is exact in binary floating point). */
function floorDiv (a: number, b: number): number {
  return (a - a % b) / b
}

function ceilDiv (a: number, b: number): number {
  return floorDiv(a, b) + (a % b === 0 ? 0 : 1)
}
