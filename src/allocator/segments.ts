/**
 * Segment storage: every used block and every free range of a heap is a node, an integer id into
 * flat typed arrays (offset, size, state, links). Nodes tile [0, size) in address order.
 *
 * Address order is a skip list whose level 0 IS the physical prev/next list, so coalescing reads
 * both neighbours in O(1). Each node slot draws a random level (p = 1/4) when it is first created
 * and keeps it for life; its express links (next and prev for levels 1..L) sit in one growable
 * Int32Array, starting at tower[node]. Costs:
 * - insertAfter(a, x) next to a known neighbour: for each level k of x, walk back at level k - 1
 *   to the nearest node of level >= k: expected O(1) (a level-k node is 4 nodes away on average,
 *   and E[levels] = 1/3);
 * - unlink(x): O(level of x), expected O(1) (doubly linked at every level);
 * - seek(addr): descent from the head sentinel, expected O(log n).
 * So a strategy with O(1) placement (tlsf) stays O(1) expected, and a bad pointer is still
 * classified in O(log n). Freed slots go to a free-list threaded through `next`; storage doubles
 * when full, and `onGrow` lets the FreeIndex grow its own per-node arrays.
 */
import type { NodeView } from './free-index.js'

export const NIL = -1
/** The head sentinel: offset -1, highest level, never free. */
export const HEAD = 0
/** state[node]: FREE, or USED + log2(alignment the block was allocated with). */
export const FREE = 0
export const USED = 1
const HEAD_STATE = 255

const MAX_LEVEL = 15 // 4^15 ~ 10^9 nodes
const INITIAL_CAPACITY = 64

export class SegmentStore implements NodeView {
  offsets!: Float64Array
  sizes!: Float64Array
  prev!: Int32Array
  next!: Int32Array
  state!: Uint8Array
  level!: Uint8Array
  tower!: Int32Array
  links!: Int32Array
  capacity = 0
  private linksUsed = 0
  private created = 0
  private freeSlots = NIL
  private topLevel = 0
  private seed = 0x9e3779b9

  /** Empty until the first reset(heapSize), so a FreeIndex can be built on this view first. */
  constructor (private readonly onGrow: (capacity: number) => void) {}

  /** Back to one free node covering [0, heapSize); returns that node. Keeps the arrays (capacity never shrinks). */
  reset (heapSize: number): number {
    this.linksUsed = 0
    this.created = 0
    this.freeSlots = NIL
    this.topLevel = 0
    if (this.capacity === 0) {
      this.links = new Int32Array(2 * MAX_LEVEL + 64)
      this.resize(INITIAL_CAPACITY)
    }
    const head = this.createSlot(MAX_LEVEL)
    this.offsets[head] = -1
    this.sizes[head] = 0
    this.state[head] = HEAD_STATE
    this.prev[head] = NIL
    this.next[head] = NIL
    for (let k = 1; k <= MAX_LEVEL; k++) this.setNextAt(head, k, NIL)
    const first = this.newNode(0, heapSize, FREE)
    this.insertAfter(head, first)
    return first
  }

  /** A node id with the given fields, not yet linked into address order. */
  newNode (offset: number, size: number, state: number): number {
    let node = this.freeSlots
    if (node !== NIL) this.freeSlots = this.next[node]!
    else node = this.createSlot(this.randomLevel())
    this.offsets[node] = offset
    this.sizes[node] = size
    this.state[node] = state
    return node
  }

  /** Links node x right after node a (x's offset must lie between a's and a's successor's). */
  insertAfter (a: number, x: number): void {
    const { next, prev } = this
    const n = next[a]!
    next[x] = n
    prev[x] = a
    next[a] = x
    if (n !== NIL) prev[n] = x
    const top = this.level[x]!
    let p = a
    for (let k = 1; k <= top; k++) {
      while (this.level[p]! < k) p = this.prevAt(p, k - 1)
      const pn = this.nextAt(p, k)
      this.setNextAt(x, k, pn)
      this.setPrevAt(x, k, p)
      this.setNextAt(p, k, x)
      if (pn !== NIL) this.setPrevAt(pn, k, x)
    }
  }

  /** Removes node x from address order and recycles its slot. */
  unlink (x: number): void {
    const p = this.prev[x]!
    const n = this.next[x]!
    this.next[p] = n
    if (n !== NIL) this.prev[n] = p
    const top = this.level[x]!
    for (let k = 1; k <= top; k++) {
      const pk = this.prevAt(x, k)
      const nk = this.nextAt(x, k)
      this.setNextAt(pk, k, nk)
      if (nk !== NIL) this.setPrevAt(nk, k, pk)
    }
    this.next[x] = this.freeSlots
    this.freeSlots = x
  }

  /** The last node whose offset is <= addr (HEAD when addr < 0). Expected O(log n). */
  seek (addr: number): number {
    const offsets = this.offsets
    let x = HEAD
    for (let k = this.topLevel; k >= 1; k--) {
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

  /** Highest level any node has (levels above it hold only the head). */
  get levels (): number {
    return this.topLevel
  }

  nextAt (x: number, k: number): number {
    return k === 0 ? this.next[x]! : this.links[this.tower[x]! + 2 * k - 2]!
  }

  prevAt (x: number, k: number): number {
    return k === 0 ? this.prev[x]! : this.links[this.tower[x]! + 2 * k - 1]!
  }

  /** Bytes held by the typed arrays of this store. */
  byteLength (): number {
    return this.offsets.byteLength + this.sizes.byteLength + this.prev.byteLength + this.next.byteLength +
      this.state.byteLength + this.level.byteLength + this.tower.byteLength + this.links.byteLength
  }

  private setNextAt (x: number, k: number, v: number): void {
    this.links[this.tower[x]! + 2 * k - 2] = v
  }

  private setPrevAt (x: number, k: number, v: number): void {
    this.links[this.tower[x]! + 2 * k - 1] = v
  }

  private createSlot (level: number): number {
    if (this.created === this.capacity) this.resize(this.capacity * 2)
    const node = this.created++
    this.level[node] = level
    this.tower[node] = this.linksUsed
    if (level > 0) {
      const need = this.linksUsed + 2 * level
      if (need > this.links.length) {
        const links = new Int32Array(Math.max(need, this.links.length * 2))
        links.set(this.links)
        this.links = links
      }
      this.linksUsed = need
      if (level > this.topLevel && node !== HEAD) this.topLevel = level
    }
    return node
  }

  /** Random level with P(level >= k) = 4^-k, from a fixed-seed xorshift32 (deterministic layouts). */
  private randomLevel (): number {
    let r = this.seed
    r ^= r << 13
    r ^= r >>> 17
    r ^= r << 5
    this.seed = r >>> 0
    let level = 0
    while ((r & 3) === 0 && level < MAX_LEVEL) {
      level++
      r >>>= 2
    }
    return level
  }

  private resize (capacity: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(old: T | undefined, fresh: T): T => {
      if (old !== undefined && this.capacity > 0) fresh.set(old.subarray(0, this.created) as never)
      return fresh
    }
    this.offsets = grow(this.offsets, new Float64Array(capacity))
    this.sizes = grow(this.sizes, new Float64Array(capacity))
    this.prev = grow(this.prev, new Int32Array(capacity))
    this.next = grow(this.next, new Int32Array(capacity))
    this.state = grow(this.state, new Uint8Array(capacity))
    this.level = grow(this.level, new Uint8Array(capacity))
    this.tower = grow(this.tower, new Int32Array(capacity))
    this.capacity = capacity
    this.onGrow(capacity)
  }
}
