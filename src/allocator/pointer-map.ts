/**
 * ptr -> node of the live block starting at ptr, in O(1) expected: open addressing with Robin
 * Hood linear probing over an Int32Array of node ids (-1 empty). Keys are not stored: a slot's
 * key is offsets[node], read from the segment store, so the table costs 4 bytes a slot plus one
 * byte, `dist`, for how far the entry sits from its home slot.
 *
 * Why Robin Hood: on insert, an entry that has probed further takes the slot of one that has
 * probed less, so probe lengths stay short and even; a lookup stops as soon as it meets an entry
 * closer to home than itself (the key cannot be further on); and a delete shifts the following
 * entries back by one while their dist is above 0, using dist alone. Neither a miss nor a delete
 * reads a single key it does not need, and keys (offsets) are the cache misses here.
 *
 * The table is a power of two and grows by doubling past a 3/4 load, so it holds 5.3 to 10.7
 * bytes per live block. Offsets go up to 2^53, so the hash mixes both 32-bit words:
 * `offset >>> 0` is the low word (ToUint32 is exact modulo 2^32 for integers), offset * 2^-32
 * truncated the high one (multiplying by a power of two is exact). A multiplicative hash, whose
 * top bits depend on every input bit, spreads the arithmetic progressions that offsets form; the
 * home slot is its top bits.
 */
import type { SegmentStore } from './segments.js'

const EMPTY = -1
const MIN_BITS = 6
/** A probe distance past this forces a growth (it never happens at a 3/4 load in practice). */
const MAX_DIST = 250
const TWO_POW_MINUS_32 = 2 ** -32

export class PointerMap {
  private table = new Int32Array(1 << MIN_BITS).fill(EMPTY)
  private dist = new Uint8Array(1 << MIN_BITS)
  private shift = 32 - MIN_BITS
  private mask = (1 << MIN_BITS) - 1
  /** Slot of the last hit of get(): free() looks a block up, then deletes it. */
  private lastHit = 0
  count = 0

  constructor (private readonly store: SegmentStore) {}

  /** Node of the block at ptr, or -1. */
  get (ptr: number): number {
    const { table, dist, mask } = this
    const offsets = this.store.offsets
    for (let i = this.home(ptr), d = 0; ; i = (i + 1) & mask, d++) {
      const node = table[i]!
      if (node === EMPTY || dist[i]! < d) return EMPTY
      if (offsets[node] === ptr) {
        this.lastHit = i
        return node
      }
    }
  }

  /** Adds a block node, keyed by its offset (not already present). */
  add (node: number): void {
    if (4 * (this.count + 1) > 3 * (this.mask + 1)) this.grow()
    this.insert(node)
    this.count++
  }

  /** Removes a block node that is present. */
  delete (node: number): void {
    const { table, dist, mask } = this
    let i = table[this.lastHit] === node ? this.lastHit : this.home(this.store.offsets[node]!)
    while (table[i] !== node) i = (i + 1) & mask
    // Backward shift: every following entry that is not at home moves one slot closer to it.
    for (let j = (i + 1) & mask; table[j] !== EMPTY && dist[j]! > 0; i = j, j = (j + 1) & mask) {
      table[i] = table[j]!
      dist[i] = dist[j]! - 1
    }
    table[i] = EMPTY
    dist[i] = 0
    this.count--
  }

  clear (): void {
    this.resize(MIN_BITS)
    this.lastHit = 0
    this.count = 0
  }

  /** Every node in the table, for check(). */
  * nodes (): IterableIterator<number> {
    for (const node of this.table) if (node !== EMPTY) yield node
  }

  byteLength (): number {
    return this.table.byteLength + this.dist.byteLength
  }

  /** Home slot of an offset: the top bits of a multiplicative hash of both words. */
  private home (offset: number): number {
    const low = offset >>> 0
    const high = (offset * TWO_POW_MINUS_32) >>> 0
    return Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> this.shift
  }

  private insert (node: number): void {
    for (let carried = this.place(node); carried !== EMPTY; carried = this.place(carried)) this.grow()
  }

  /**
   * Robin Hood insert: EMPTY when placed, else the node it was carrying when a probe ran past
   * MAX_DIST (the caller grows the table and inserts that one again).
   */
  private place (node: number): number {
    const { table, dist, mask } = this
    let i = this.home(this.store.offsets[node]!)
    for (let d = 0; d <= MAX_DIST; i = (i + 1) & mask, d++) {
      const other = table[i]!
      if (other === EMPTY) {
        table[i] = node
        dist[i] = d
        return EMPTY
      }
      const resident = dist[i]!
      if (resident < d) {
        // The resident is closer to its home than we are to ours: it moves on instead.
        table[i] = node
        dist[i] = d
        node = other
        d = resident
      }
    }
    return node
  }

  /** Doubles the table and puts every entry back. */
  private grow (): void {
    const old = this.table
    this.resize(33 - this.shift)
    for (const node of old) if (node !== EMPTY) this.insert(node)
  }

  private resize (bits: number): void {
    this.table = new Int32Array(1 << bits).fill(EMPTY)
    this.dist = new Uint8Array(1 << bits)
    this.shift = 32 - bits
    this.mask = (1 << bits) - 1
  }
}
