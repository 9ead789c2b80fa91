/**
 * ptr -> node of the live block starting at ptr, in O(1) expected: open addressing with linear
 * probing over an Int32Array of node ids (-1 empty). Keys are not stored: a slot's key is
 * offsets[node], read from the segment store, so the table costs 4 bytes a slot. Deletion shifts
 * the following cluster back (no tombstones). The table grows by half past a 4/5 load, so it
 * holds 5 to 7.5 bytes per live block.
 *
 * Offsets go up to 2^53, so the hash mixes both 32-bit words: `offset >>> 0` is the low word
 * (ToUint32 is exact modulo 2^32 for integers), offset / 2^32 truncated the high one. A
 * multiplicative hash, whose top bits depend on every input bit, spreads the arithmetic
 * progressions that offsets form; the slot is its top bits scaled to the table (h * size / 2^32),
 * which lets the table have any size, not just a power of two.
 */
import type { SegmentStore } from './segments.js'

const EMPTY = -1
const MIN_SLOTS = 64

export class PointerMap {
  private table = new Int32Array(MIN_SLOTS).fill(EMPTY)
  /** Slot of the last hit of get(): free() looks a block up, then deletes it. */
  private lastHit = 0
  count = 0

  constructor (private readonly store: SegmentStore) {}

  /** Node of the block at ptr, or -1. */
  get (ptr: number): number {
    const table = this.table
    const offsets = this.store.offsets
    for (let i = this.home(ptr); ; i = i + 1 === table.length ? 0 : i + 1) {
      const node = table[i]!
      if (node === EMPTY) return EMPTY
      if (offsets[node] === ptr) {
        this.lastHit = i
        return node
      }
    }
  }

  /** Adds a block node, keyed by its offset (not already present). */
  add (node: number): void {
    if (5 * (this.count + 1) > 4 * this.table.length) this.rehash(Math.ceil(this.table.length * 1.5))
    this.place(this.table, node)
    this.count++
  }

  /** Removes a block node that is present. */
  delete (node: number): void {
    const table = this.table
    const slots = table.length
    const offsets = this.store.offsets
    let i = table[this.lastHit] === node ? this.lastHit : this.home(offsets[node]!)
    while (table[i] !== node) i = i + 1 === slots ? 0 : i + 1
    // Backward shift: move up every later entry of the cluster whose home is not in (i, j].
    for (let j = i + 1 === slots ? 0 : i + 1; ; j = j + 1 === slots ? 0 : j + 1) {
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
    this.table = new Int32Array(MIN_SLOTS).fill(EMPTY)
    this.lastHit = 0
    this.count = 0
  }

  /** Every node in the table, for check(). */
  * nodes (): IterableIterator<number> {
    for (const node of this.table) if (node !== EMPTY) yield node
  }

  byteLength (): number {
    return this.table.byteLength
  }

  /** Home slot of an offset: floor(h * slots / 2^32), below `slots` since h < 2^32. */
  private home (offset: number): number {
    const low = offset >>> 0
    const high = (offset / 4294967296) >>> 0
    const h = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0
    return Math.floor(h * this.table.length / 4294967296)
  }

  private place (table: Int32Array, node: number): void {
    let i = this.home(this.store.offsets[node]!)
    while (table[i] !== EMPTY) i = i + 1 === table.length ? 0 : i + 1
    table[i] = node
  }

  private rehash (slots: number): void {
    const old = this.table
    this.table = new Int32Array(slots).fill(EMPTY)
    for (const node of old) if (node !== EMPTY) this.place(this.table, node)
  }
}
