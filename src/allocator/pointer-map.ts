/**
 * ptr -> node of the live block starting at ptr, in O(1) expected: open addressing with Robin
 * Hood linear probing over one Int32Array. Keys are not stored: a slot's key is offsets[node],
 * read from the segment store. Each slot packs the node id (low NODE_BITS bits) with how far the
 * entry sits from its home slot (`dist`, the 5 bits above), so a probe reads one array: slot and
 * distance share a cache line, and the table costs 4 bytes a slot.
 *
 * Why Robin Hood: on insert, an entry that has probed further takes the slot of one that has
 * probed less, so probe lengths stay short and even; a lookup stops as soon as it meets an entry
 * closer to home than itself (the key cannot be further on); and a delete shifts the following
 * entries back by one while their dist is above 0. Neither a miss nor a delete reads a key it
 * does not need, and keys (offsets) are the cache misses here.
 *
 * dist saturates at DIST_MAX, which stands for "DIST_MAX or more": where a decision needs the
 * true distance of a saturated entry, it is recomputed from the entry's key. Long probes are
 * therefore correct, only slower, and the table grows by load alone (doubling past 3/4, so it
 * holds 5.3 to 10.7 bytes per live block), never because of one long probe. A lower load would
 * shorten probes, but at up to 16 bytes per block it would take the allocator past its budget
 * of 64 bytes per block just after a doubling.
 *
 * The hash is keyed by a per-map random seed. Pointers are predictable (first-fit answers the
 * same pointers to the same requests), so with a public hash a client could place its blocks on
 * offsets that all share one home slot and make every operation walk them. Offsets go up to
 * 2^53: `offset >>> 0` is the low 32-bit word (ToUint32 is exact modulo 2^32 for integers),
 * offset * 2^-32 truncated the high one (multiplying by a power of two is exact); the words are
 * mixed by two multiply-xorshift rounds, and the home slot is the top bits.
 */
import { NIL, type SegmentStore } from './segments.js'

const EMPTY = -1
const MIN_BITS = 6
/** Node ids fit in the low NODE_BITS bits of a slot: the store never holds more (segments.ts MAX_NODES). */
const NODE_BITS = 26
const NODE_MASK = (1 << NODE_BITS) - 1
/** dist lives in the 5 bits above the node id (bit 31 stays clear, so EMPTY = -1 is no entry). */
const DIST_MAX = 31
const DIST_ONE = 1 << NODE_BITS
const TWO_POW_MINUS_32 = 2 ** -32

/** The map's 32-bit hash of an offset under a seed; its top bits are the home slot. */
export function hashOffset (offset: number, seed: number): number {
  let h = Math.imul((offset >>> 0) ^ seed, 0x9e3779b1)
  h = Math.imul(h ^ (h >>> 15) ^ ((offset * TWO_POW_MINUS_32) >>> 0), 0x85ebca6b)
  return h ^ (h >>> 13)
}

export class PointerMap {
  private table = new Int32Array(1 << MIN_BITS).fill(EMPTY)
  private shift = 32 - MIN_BITS
  private mask = (1 << MIN_BITS) - 1
  /** Slot of the last hit of get(): free() looks a block up, then deletes it. */
  private lastHit = 0
  count = 0

  constructor (private readonly store: SegmentStore, private readonly seed = (Math.random() * 2 ** 32) | 0) {}

  /** Node of the block at ptr, or NIL. */
  get (ptr: number): number {
    const { table, mask } = this
    const offsets = this.store.offsets
    for (let i = this.home(ptr), d = 0; ; i = (i + 1) & mask, d++) {
      const entry = table[i]!
      if (entry === EMPTY) return NIL
      const dist = entry >>> NODE_BITS
      // An entry closer to its home than we are to ours: the key is not further on. A saturated dist reads the key.
      if (dist < d && (dist < DIST_MAX || this.distAt(i, entry) < d)) return NIL
      const node = entry & NODE_MASK
      if (offsets[node] === ptr) {
        this.lastHit = i
        return node
      }
    }
  }

  /** Adds a block node, keyed by its offset (not already present). */
  add (node: number): void {
    if (4 * (this.count + 1) > 3 * (this.mask + 1)) this.grow()
    this.place(node)
    this.count++
  }

  /** Removes a block node that is present. */
  delete (node: number): void {
    const { table, mask } = this
    let i = this.lastHit
    if (table[i] === EMPTY || (table[i]! & NODE_MASK) !== node) {
      // Not the last hit of get(): probe from the node's home.
      i = this.home(this.store.offsets[node]!)
      while (table[i] === EMPTY || (table[i]! & NODE_MASK) !== node) i = (i + 1) & mask
    }
    // Backward shift: every following entry that is not at home moves one slot closer to it.
    for (let j = (i + 1) & mask, entry = table[j]!; entry !== EMPTY && entry >= DIST_ONE; i = j, j = (j + 1) & mask, entry = table[j]!) {
      table[i] = entry >>> NODE_BITS === DIST_MAX ? this.entry(entry & NODE_MASK, this.distAt(j, entry) - 1) : entry - DIST_ONE
    }
    table[i] = EMPTY
    this.count--
  }

  clear (): void {
    this.resize(MIN_BITS)
    this.lastHit = 0
    this.count = 0
  }

  /** Every node in the table, for check(). */
  * nodes (): IterableIterator<number> {
    for (const entry of this.table) if (entry !== EMPTY) yield entry & NODE_MASK
  }

  byteLength (): number {
    return this.table.byteLength
  }

  private home (offset: number): number {
    // `| 0`: the slot fits 31 bits (shift >= 1), and V8 then keeps the probe index an int32, not a double.
    return (hashOffset(offset, this.seed) >>> this.shift) | 0
  }

  /** Slot value for `node` at distance `dist` from home (saturated). */
  private entry (node: number, dist: number): number {
    return (Math.min(dist, DIST_MAX) << NODE_BITS) | node
  }

  /** True distance from home of the entry in slot i: the stored one, or recomputed from the key when saturated. */
  private distAt (i: number, entry: number): number {
    const dist = entry >>> NODE_BITS
    if (dist < DIST_MAX) return dist
    return (i - this.home(this.store.offsets[entry & NODE_MASK]!)) & this.mask
  }

  /** Robin Hood insert: the resident closer to its home than we are to ours moves on instead. */
  private place (node: number): void {
    const { table, mask } = this
    let i = this.home(this.store.offsets[node]!)
    for (let d = 0; ; i = (i + 1) & mask, d++) {
      const other = table[i]!
      if (other === EMPTY) {
        table[i] = this.entry(node, d)
        return
      }
      const resident = this.distAt(i, other)
      if (resident < d) {
        table[i] = this.entry(node, d)
        node = other & NODE_MASK
        d = resident
      }
    }
  }

  /** Doubles the table and puts every entry back. */
  private grow (): void {
    const old = this.table
    this.resize(33 - this.shift)
    for (const entry of old) if (entry !== EMPTY) this.place(entry & NODE_MASK)
  }

  private resize (bits: number): void {
    this.table = new Int32Array(1 << bits).fill(EMPTY)
    this.shift = 32 - bits
    this.mask = (1 << bits) - 1
  }
}
