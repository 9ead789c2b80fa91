/**
 * ptr -> node of the live block starting at ptr, in O(1) expected: open addressing with linear
 * probing over an Int32Array of node ids (-1 empty). Keys are not stored: a slot's key is
 * offsets[node], read from the segment store, so the table costs 4 bytes a slot. Deletion shifts
 * the following cluster back (no tombstones). The table doubles past a 3/4 load.
 *
 * Offsets go up to 2^53, so the hash mixes both 32-bit words: `offset >>> 0` is the low word
 * (ToUint32 is exact modulo 2^32 for integers), offset / 2^32 truncated the high one. Fibonacci
 * hashing (multiply, keep the top bits) spreads the arithmetic progressions that offsets form.
 */
import type { SegmentStore } from './segments.js'

const EMPTY = -1
const MIN_BITS = 6

export class PointerMap {
  private table = new Int32Array(1 << MIN_BITS).fill(EMPTY)
  private bits = MIN_BITS
  private mask = (1 << MIN_BITS) - 1
  count = 0

  constructor (private readonly store: SegmentStore) {}

  /** Node of the block at ptr, or -1. */
  get (ptr: number): number {
    const { table, mask } = this
    const offsets = this.store.offsets
    for (let i = this.home(ptr); ; i = (i + 1) & mask) {
      const node = table[i]!
      if (node === EMPTY || offsets[node] === ptr) return node
    }
  }

  /** Adds a block node, keyed by its offset (not already present). */
  add (node: number): void {
    if (4 * (this.count + 1) > 3 * (this.mask + 1)) this.rehash(this.bits + 1)
    this.place(this.table, node)
    this.count++
  }

  /** Removes a block node that is present. */
  delete (node: number): void {
    const { table, mask } = this
    const offsets = this.store.offsets
    let i = this.home(offsets[node]!)
    while (table[i] !== node) i = (i + 1) & mask
    // Backward shift: move up every later entry of the cluster whose home is not in (i, j].
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const other = table[j]!
      if (other === EMPTY) break
      const k = this.home(offsets[other]!)
      const stays = i <= j ? (i < k && k <= j) : (i < k || k <= j)
      if (!stays) {
        table[i] = other
        i = j
      }
    }
    table[i] = EMPTY
    this.count--
  }

  clear (): void {
    this.table = new Int32Array(1 << MIN_BITS).fill(EMPTY)
    this.bits = MIN_BITS
    this.mask = (1 << MIN_BITS) - 1
    this.count = 0
  }

  /** Every node in the table, for check(). */
  * nodes (): IterableIterator<number> {
    for (const node of this.table) if (node !== EMPTY) yield node
  }

  byteLength (): number {
    return this.table.byteLength
  }

  private home (offset: number): number {
    const low = offset >>> 0
    const high = (offset / 4294967296) >>> 0
    return Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.bits)
  }

  private place (table: Int32Array, node: number): void {
    const mask = this.mask
    let i = this.home(this.store.offsets[node]!)
    while (table[i] !== EMPTY) i = (i + 1) & mask
    table[i] = node
  }

  private rehash (bits: number): void {
    const old = this.table
    this.bits = bits
    this.mask = (1 << bits) - 1
    this.table = new Int32Array(1 << bits).fill(EMPTY)
    for (const node of old) if (node !== EMPTY) this.place(this.table, node)
  }
}
