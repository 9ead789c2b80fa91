/**
 * Segment storage: every used block and every free range of a heap is a node, an integer id into
 * flat typed arrays (offset, size, state, physical links). Nodes tile [0, size) in address order.
 *
 * Address order is a skip list whose level 0 IS the physical prev/next list, so coalescing reads
 * both neighbours in O(1). A node's level comes from its id: scramble the id with a bijection
 * pi on [0, 2^m) (2^m >= capacity), level = floor(trailing zeros of pi(id) / 3), so P(level >= k)
 * = 8^-k, independent of addresses. Lane k keeps its next/prev links at index pi(id) >> 3k of one
 * Int32Array: no per-node tower pointer and no level byte, ~1.1 bytes of links per node. When the
 * capacity outgrows 2^m, pi changes and the lanes are rebuilt in one O(n) walk (amortised O(1)).
 *
 * pi is keyed by a random seed per store. Node ids follow from the sequence of operations (slots
 * are recycled in a fixed order), so under a fixed pi a client could replay the allocator, see
 * which of its blocks' nodes carry lanes and free around them until a long stretch of address
 * order has none: every insert of a laned node there would walk back the whole stretch, and a
 * seek would crawl it. Under a key it cannot see, its blocks' levels are coin flips to it.
 *
 * Costs:
 * - insertAfter(a, x) next to a known neighbour: for each level k of x, walk back at level k - 1
 *   to the nearest node of level >= k: expected O(1) (such a node is 8 nodes back on average,
 *   and E[level] = 1/7);
 * - unlink(x): O(level of x), expected O(1) (every lane is doubly linked);
 * - seek(addr): descent from the head sentinel (id 0, pi(0) = 0: every lane), expected O(log n).
 * So a strategy with O(1) placement (tlsf) stays O(1) expected, and a bad pointer is still
 * classified in O(log n). Freed slots go to a free-list threaded through `next`; storage grows
 * by 1/4 when full (memory over speed of growth), and `onGrow` lets the FreeIndex follow.
 */
import type { NodeView } from './free-index.js'
import { MAX_LIVE_BLOCKS } from './types.js'
import { log2 } from './validate.js'

/** No node: the end of a list, an empty child, a search that found nothing. The library's one sentinel. */
export const NIL = -1
/** The head sentinel node: offset -1, highest level, never free. */
export const HEAD = 0
/** state[node]: FREE, or a used state: USED for a block that asked for no alignment, else usedState(align). */
export const FREE = 0
export const USED = 1
/**
 * Node ids stay below 2^26, so the pointer map packs one with its probe distance in 32 bits
 * (pointer-map.ts NODE_BITS). A heap's nodes are its blocks, its free ranges and the head, so
 * this allows MAX_LIVE_BLOCKS = 2^25 - 2 live blocks (33.5 million, about 2 GB of bookkeeping).
 */
export const MAX_NODES = 2 ** 26

/** The used state of a block that asked for alignment `align` (a power of two <= 2^30): the state byte keeps it, so it costs no memory. */
export function usedState (align: number): number {
  return USED + 1 + log2(align)
}

/** The alignment a block of used state `state` (not USED) asked for. */
export function requestedAlign (state: number): number {
  return 1 << (state - USED - 1) // at most 2^30: an int32 shift is exact
}
const HEAD_STATE = 255
/** state of a range claimed by reserve(): not free, not a block (no pointer map entry, no tag). Above every used state. */
export const RESERVED = 254

const INITIAL_CAPACITY = 64

/** A node reaches lane k when the low LANE_BITS * k bits of pi(id) are zero: P = 8^-k. */
const LANE_BITS = 3
const LANE_MASK = (1 << LANE_BITS) - 1

export class SegmentStore implements NodeView {
  offsets!: Float64Array
  sizes!: Float64Array
  prev!: Int32Array
  next!: Int32Array
  state!: Uint8Array
  /** lanes[k] (k >= 1): next at 2j, prev at 2j + 1, where j = pi(node) >> 3k. */
  lanes: Int32Array[] = []
  capacity = 0
  private created = 0
  private freeSlots = NIL
  /** pi scrambles ids over [0, 2^bits). */
  private bits = 0
  private mask = 0
  private half = 0
  /** pi's key over the current id space (seed & mask), and mix(key), so that pi(0) = 0. */
  private key = 0
  private keyMix = 0

  /** Empty until the first reset(heapSize), so a FreeIndex can be built on this view first. */
  constructor (private readonly onGrow: (capacity: number) => void, private readonly seed = (Math.random() * 2 ** 32) | 0) {}

  /** Back to one free node covering [0, heapSize); returns that node. Keeps the arrays (capacity never shrinks). */
  reset (heapSize: number): number {
    this.created = 0
    this.freeSlots = NIL
    if (this.capacity === 0) this.resize(INITIAL_CAPACITY)
    const head = this.createSlot()
    this.offsets[head] = -1
    this.sizes[head] = 0
    this.state[head] = HEAD_STATE
    this.prev[head] = NIL
    this.next[head] = NIL
    for (let k = 1; k <= this.levels; k++) this.lanes[k]![0] = NIL
    const first = this.newNode(0, heapSize, FREE)
    this.insertAfter(head, first)
    return first
  }

  /** A node id with the given fields, not yet linked into address order. */
  newNode (offset: number, size: number, state: number): number {
    let node = this.freeSlots
    if (node !== NIL) this.freeSlots = this.next[node]!
    else node = this.createSlot()
    this.offsets[node] = offset
    this.sizes[node] = size
    this.state[node] = state
    return node
  }

  /** Throws, before an operation changes anything, when `n` more nodes might not fit under MAX_NODES. */
  assertRoom (n: number): void {
    if (this.created + n <= MAX_NODES) return
    let free = 0
    for (let x = this.freeSlots; x !== NIL && free < n; x = this.next[x]!) free++
    if (free < n) throw new RangeError(`a heap holds at most ${MAX_NODES} segments (${MAX_LIVE_BLOCKS} live blocks)`)
  }

  /** Links node x right after node a (x's offset must lie between a's and a's successor's). */
  insertAfter (a: number, x: number): void {
    const { next, prev } = this
    const n = next[a]!
    next[x] = n
    prev[x] = a
    next[a] = x
    if (n !== NIL) prev[n] = x
    // Lanes 1..top(x): for each, walk back to the nearest node that has that lane. 7 nodes in 8 have none.
    const top = this.levelOf(x)
    let p = a
    for (let k = 1; k <= top; k++) {
      while (this.levelOf(p) < k) p = this.prevAt(p, k - 1)
      const lane = this.lanes[k]!
      const xi = this.slot(x, k)
      const ps = this.slot(p, k)
      const pn = lane[ps]!
      lane[xi] = pn
      lane[xi + 1] = p
      lane[ps] = x
      if (pn !== NIL) lane[this.slot(pn, k) + 1] = x
    }
  }

  /** Removes node x from address order and recycles its slot. */
  unlink (x: number): void {
    const p = this.prev[x]!
    const n = this.next[x]!
    this.next[p] = n
    if (n !== NIL) this.prev[n] = p
    const top = this.levelOf(x)
    for (let k = 1; k <= top; k++) {
      const lane = this.lanes[k]!
      const xi = this.slot(x, k)
      const pk = lane[xi + 1]!
      const nk = lane[xi]!
      lane[this.slot(pk, k)] = nk
      if (nk !== NIL) lane[this.slot(nk, k) + 1] = pk
    }
    this.next[x] = this.freeSlots
    this.freeSlots = x
  }

  /** The last node whose offset is <= addr (HEAD when addr < 0). Expected O(log n). */
  seek (addr: number): number {
    const offsets = this.offsets
    let x = HEAD
    for (let k = this.levels; k >= 1; k--) {
      let n = this.nextAt(x, k)
      while (n !== NIL && offsets[n]! <= addr) {
        x = n
        n = this.nextAt(x, k)
      }
    }
    let n = this.next[x]!
    while (n !== NIL && offsets[n]! <= addr) {
      x = n
      n = this.next[x]!
    }
    return x
  }

  /** Number of express lanes (the head is on all of them). */
  get levels (): number {
    return this.lanes.length - 1
  }

  /** Level of node x: 0 for most nodes, P(level >= k) = 8^-k; the head has every lane. */
  levelOf (x: number): number {
    const h = this.pi(x)
    if ((h & LANE_MASK) !== 0) return 0
    if (h === 0) return this.levels
    return Math.min(Math.floor((31 - Math.clz32(h & -h)) / LANE_BITS), this.levels)
  }

  nextAt (x: number, k: number): number {
    return k === 0 ? this.next[x]! : this.lanes[k]![this.slot(x, k)]!
  }

  prevAt (x: number, k: number): number {
    return k === 0 ? this.prev[x]! : this.lanes[k]![this.slot(x, k) + 1]!
  }

  /** Bytes held by the typed arrays of this store. */
  byteLength (): number {
    let lanes = 0
    for (const lane of this.lanes) lanes += lane.byteLength
    return this.offsets.byteLength + this.sizes.byteLength + this.prev.byteLength + this.next.byteLength +
      this.state.byteLength + lanes
  }

  /** Where node x's links on lane k sit: next at the slot, prev right after. */
  private slot (x: number, k: number): number {
    return 2 * (this.pi(x) >>> (LANE_BITS * k))
  }

  /** A keyed bijection on [0, 2^bits) that mixes every bit of the id into the low bits; pi(0) = 0 (the head). */
  pi (id: number): number {
    return this.mix(id ^ this.key) ^ this.keyMix
  }

  /** A bijection on [0, 2^bits): multiply by an odd constant and xorshift, twice. */
  private mix (id: number): number {
    const mask = this.mask
    let h = Math.imul(id, 0x9e3779b1) & mask
    h ^= h >>> this.half
    h = Math.imul(h, 0x85ebca77) & mask
    return h ^ (h >>> this.half)
  }

  private createSlot (): number {
    if (this.created === this.capacity) {
      if (this.capacity === MAX_NODES) this.assertRoom(1)
      this.resize(Math.min(this.capacity + Math.ceil(this.capacity / 4), MAX_NODES))
    }
    return this.created++
  }

  private resize (capacity: number): void {
    const created = this.created
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T | undefined, fresh: T): T => {
      if (old !== undefined && created > 0) fresh.set(old.subarray(0, created) as never)
      return fresh
    }
    this.offsets = grow(this.offsets, new Float64Array(capacity))
    this.sizes = grow(this.sizes, new Float64Array(capacity))
    this.prev = grow(this.prev, new Int32Array(capacity))
    this.next = grow(this.next, new Int32Array(capacity))
    this.state = grow(this.state, new Uint8Array(capacity))
    this.capacity = capacity
    if (capacity > this.mask + 1) this.rebuildLanes(32 - Math.clz32(capacity - 1))
    this.onGrow(capacity)
  }

  /** New id space of 2^bits: new pi, new lanes, every live node relinked in one walk of level 0. */
  private rebuildLanes (bits: number): void {
    this.bits = bits
    this.mask = bits >= 31 ? 0x7fffffff : (1 << bits) - 1
    this.half = Math.max(1, bits >>> 1)
    this.key = this.seed & this.mask
    this.keyMix = this.mix(this.key)
    const levels = Math.max(1, Math.floor((bits - 1) / LANE_BITS))
    this.lanes = [new Int32Array(0)]
    for (let k = 1; k <= levels; k++) this.lanes.push(new Int32Array(2 * Math.max(1, 2 ** (bits - LANE_BITS * k))).fill(NIL))
    if (this.created === 0) return
    const last = new Array<number>(levels + 1).fill(HEAD)
    for (let x = this.next[HEAD]!; x !== NIL; x = this.next[x]!) {
      const top = this.levelOf(x)
      for (let k = 1; k <= top; k++) {
        const lane = this.lanes[k]!
        const xi = this.slot(x, k)
        lane[this.slot(last[k]!, k)] = x
        lane[xi + 1] = last[k]!
        lane[xi] = NIL
        last[k] = x
      }
    }
  }
}
