/**
 * TLSF: two-level segregated fit (Masmano, Ripoll, Crespo, Real, 2004) over sizes up to 2^53 - 1.
 *
 * Bin math. Free ranges are filed in bins by size. A size s >= 32 with top bit k = floor(log2 s)
 * lies in [2^k, 2^(k+1)); that octave (the first level) is cut into SL_COUNT = 32 equal
 * sub-bins (the second level) of width 2^(k-5), and the sub-bin is the 5 bits below the top bit:
 *
 *   fl = k - 4          sl = floor(s / 2^(k-5)) - 32          bin = fl * 32 + sl
 *
 * Sizes below 32 get fl = 0 and sl = s, so bins 0..63 hold one exact size each and the bin
 * index grows with the size: bin(a) <= bin(b) whenever a <= b. A bin spans at most 1/32 of
 * its sizes (~3% rounding), like a float with a 5-bit mantissa (cf. sebbbi/OffsetAllocator).
 * The largest safe size has k = 52, fl = 48: 49 first-level classes, 1568 bins.
 *
 * Bitmaps. Bit fl of the first-level bitmap says "class fl has a non-empty bin"; bit sl of
 * slMap[fl] says "bin fl * 32 + sl is non-empty". 49 classes do not fit a 32-bit word, so the
 * first-level bitmap is two words (flLo: classes 0..31, flHi: 32..48). floor(log2 s) of a size
 * above 2^32 uses the high word floor(s / 2^32) (bits.ts); `| 0` never touches a size, only the
 * bitmap words. Finding the first non-empty bin >= b is: mask slMap[fl] below sl, take its
 * lowest set bit; else the lowest set first-level bit above fl, then its lowest sub-bin.
 *
 * Policy (good fit), in three steps:
 * 1. The head of the request's own bin, bin(size), when the request fits in it: the tightest
 *    fit TLSF can see in O(1) (one fitsIn test).
 * 2. A request for `size` bytes aligned to `align` fits in any range of at least
 *    need = size + align - 1 bytes (at most align - 1 bytes of padding). It is rounded up to the
 *    first bin whose every range is >= need; the bitmaps give the first non-empty bin from
 *    there, and the head of its list serves: O(1), no list walk.
 * 3. Fallback, bounded. Rounding up skips the ranges of the bins from bin(size) up to the
 *    rounded-up bin, some of which may fit (a request for 515 when bin [512, 528) holds ranges
 *    of 512, at its head, and 520; a large alignment over a small size). Before answering
 *    NIL, find() tests the ranges of those bins in order, bins by size and each list from its
 *    head, and takes the first that fits, but tests CANDIDATES ranges at most: walking them
 *    all would cost O(free ranges) on a heap shattered into ranges just too small.
    When none of those fits, a range of `need` bytes can only be in need's own bin, and only
 *    the largest free range can tell: largest() (below) answers it, with its node.
 * Steps 1 and 2 are O(1), step 3 O(CANDIDATES) plus largest() (O(CROWDED), below). So NIL means no free range of
 * need bytes exists (exact for align = 1), and none of the first CANDIDATES ranges of the bins
 * between fits once aligned.
 *
 * List order. A range is inserted at the head of its bin's list when its offset is lower than
 * the head's, else right after the head. O(1), and the head tends to be a low address, which
 * keeps the heap's footprint closer to first fit's; a just-freed range is still near the front.
 *
 * largest(). The highest non-empty bin is O(1) from the bitmaps; bins 0..63 are exact sizes.
 * Above them the exact maximum (and a node of that size) is cached: an insert raises it in O(1),
 * removing a range of another size leaves it, removing a range of exactly that size invalidates
 * it, and the next largest() finds it in the top bin again. A bin of up to CROWDED ranges is
 * walked (bounded); a crowded bin keeps its ranges in a max-heap by size as well (BinHeap below),
 * built when its count passes CROWDED (O(CROWDED)) and dropped when it falls under half of that,
 * so its maximum is the heap's root. Every step is O(CROWDED + log n), while a heap of usual
 * shape, whose bins hold few ranges each, pays one count per insert and remove and no heap at all.
 *
 * Snapshots. Because list order is history, order() lists every free node (bins in increasing
 * order, each list head first) and restoreOrder() files nodes back at the tails of their lists in
 * that order, so a heap rebuilt from its layout plus this order picks exactly as the original.
 *
 * Memory: two Int32 links per node (8 bytes); bins, counts and bitmaps are fixed (~13 KB), plus
 * the shared BIN_MIN table (12.5 KB per process). Once some bin is crowded, an Int32 place per
 * node, and 12 bytes per range of a crowded bin.
 */
import { CANDIDATES, type FreeIndex, type FreeIndexFactory, type NodeView } from './free-index.js'
import { NIL } from './segments.js'
import { fitsIn } from './align.js'
import { floorLog2, highestBit, lowestBit } from './bits.js'

const SL_BITS = 5
const SL_COUNT = 1 << SL_BITS
/** Sizes below this have one bin each. */
const EXACT_LIMIT = 2 * SL_COUNT
const FL_COUNT = 52 - SL_BITS + 2
export const BIN_COUNT = FL_COUNT * SL_COUNT
/** Ranges a bin holds before it keeps them in a max-heap too: the most largest() walks. */
export const CROWDED = 32

/** INV_STEP[k] = 2^-(k - SL_BITS): multiplying by it is an exact division by the sub-bin width. */
const INV_STEP = new Float64Array(64)
for (let k = SL_BITS; k < 64; k++) INV_STEP[k] = 2 ** -(k - SL_BITS)

/** BIN_MIN[b] = smallest size filed in bin b; BIN_MIN[BIN_COUNT] = 2^53, past every safe size. */
const BIN_MIN = new Float64Array(BIN_COUNT + 1)
for (let b = 0; b <= BIN_COUNT; b++) {
  const fl = b >>> SL_BITS
  const sl = b & (SL_COUNT - 1)
  BIN_MIN[b] = fl === 0 ? sl : (SL_COUNT + sl) * 2 ** (fl - 1)
}

/** The bin of a size (>= 0). Sizes >= 2^53 map past BIN_COUNT - 1. */
export function binOf (size: number): number {
  if (size < SL_COUNT) return size
  if (size < 2 ** 32) {
    // Below 2^32 (almost every call) in integer ops only: clz32 for the top bit, a shift for the five below it.
    const top = 31 - Math.clz32(size)
    return ((top - SL_BITS + 1) << SL_BITS) + (size >>> (top - SL_BITS)) - SL_COUNT
  }
  const k = floorLog2(size)
  return ((k - SL_BITS + 1) << SL_BITS) + Math.floor(size * INV_STEP[k]!) - SL_COUNT
}

/** Smallest size filed in bin `bin` (0 <= bin <= BIN_COUNT). */
export function binMin (bin: number): number {
  return BIN_MIN[bin]!
}

/** First bin whose every range is at least `need` bytes; BIN_COUNT when there is none. */
export function binAtLeast (need: number): number {
  if (need > Number.MAX_SAFE_INTEGER) return BIN_COUNT
  const bin = binOf(need)
  return BIN_MIN[bin]! < need ? bin + 1 : bin
}

class TlsfIndex implements FreeIndex {
  /**
   * Each node's list links side by side (next at 2n, prev at 2n + 1): unlinking reads both, from
   * one cache line. Sized by grow(): the core may call the factory before its own arrays exist.
   */
  private links = new Int32Array(0)
  private readonly heads = new Int32Array(BIN_COUNT).fill(NIL)
  private readonly slMap = new Int32Array(FL_COUNT)
  private flLo = 0
  private flHi = 0
  /** Exact size of the largest free range and a node of that size (NIL when none), when maxValid. */
  private maxSize = 0
  private maxNode = NIL
  private maxValid = true
  /** Ranges per bin. */
  private readonly counts = new Int32Array(BIN_COUNT)
  /** The max-heaps of crowded bins (above EXACT_LIMIT, more than CROWDED ranges), by bin. */
  private crowded: Array<BinHeap | undefined> = []
  /** Each node's place in its crowded bin's heap; allocated when a bin first gets crowded. */
  private places = new Int32Array(0)
  private capacity = 0

  constructor (private readonly nodes: NodeView) {}

  grow (capacity: number): void {
    this.capacity = Math.max(this.capacity, capacity)
    if (this.places.length > 0 && this.places.length < capacity) this.places = grown(this.places, capacity)
    if (2 * capacity <= this.links.length) return
    this.links = grown(this.links, 2 * capacity)
  }

  insert (node: number): void {
    const size = this.nodes.sizes[node]!
    const bin = binOf(size)
    const head = this.heads[bin]!
    if (size > this.maxSize && this.maxValid) this.raiseMax(node, size)
    this.count(bin, node, size)
    if (head !== NIL && this.nodes.offsets[node]! > this.nodes.offsets[head]!) {
      // Higher than the head: goes second, so the head stays the lower of the two.
      const after = this.links[2 * head]!
      this.links[2 * node] = after
      this.links[2 * node + 1] = head
      this.links[2 * head] = node
      if (after !== NIL) this.links[2 * after + 1] = node
      return
    }
    this.links[2 * node] = head
    this.links[2 * node + 1] = NIL
    if (head !== NIL) this.links[2 * head + 1] = node
    else this.markNonEmpty(bin)
    this.heads[bin] = node
  }

  remove (node: number): void {
    const size = this.nodes.sizes[node]!
    const next = this.links[2 * node]!
    const prev = this.links[2 * node + 1]!
    if (next !== NIL) this.links[2 * next + 1] = prev
    if (prev !== NIL) {
      this.links[2 * prev] = next
    } else {
      const bin = binOf(size)
      this.heads[bin] = next
      if (next === NIL) this.markEmpty(bin)
    }
    if (size === this.maxSize) this.maxValid = false
    this.uncount(binOf(size), node)
  }

  /** A range joins `bin`: counted, and in the bin's heap when it is crowded (or becomes so now). */
  private count (bin: number, node: number, size: number): void {
    const count = ++this.counts[bin]!
    const heap = this.crowded[bin]
    if (heap !== undefined) heap.insert(node, size, this.places)
    else if (count > CROWDED && bin >= EXACT_LIMIT) this.crowd(bin, node, size)
  }

  /** A range leaves `bin`; a crowded bin under half of CROWDED drops its heap. */
  private uncount (bin: number, node: number): void {
    const count = --this.counts[bin]!
    const heap = this.crowded[bin]
    if (heap === undefined) return
    if (count < CROWDED / 2) this.crowded[bin] = undefined
    else heap.remove(node, this.places)
  }

  /** Builds `bin`'s heap from its list (CROWDED ranges) and the joining node, not yet linked. */
  private crowd (bin: number, node: number, size: number): void {
    if (this.places.length < this.capacity) this.places = grown(this.places, this.capacity)
    const heap = new BinHeap()
    const sizes = this.nodes.sizes
    for (let other = this.heads[bin]!; other !== NIL; other = this.links[2 * other]!) heap.insert(other, sizes[other]!, this.places)
    heap.insert(node, size, this.places)
    this.crowded[bin] = heap
  }

  /** Sets bin's bits in the bitmaps (it just got its first range). */
  private markNonEmpty (bin: number): void {
    const fl = bin >>> SL_BITS
    this.slMap[fl]! |= 1 << (bin & (SL_COUNT - 1))
    if (fl < 32) this.flLo |= 1 << fl
    else this.flHi |= 1 << (fl - 32)
  }

  /** Clears bin's bit, and its class's when that was the class's last non-empty bin. */
  private markEmpty (bin: number): void {
    const fl = bin >>> SL_BITS
    const bits = this.slMap[fl]! & ~(1 << (bin & (SL_COUNT - 1)))
    this.slMap[fl] = bits
    if (bits !== 0) return
    if (fl < 32) this.flLo &= ~(1 << fl)
    else this.flHi &= ~(1 << (fl - 32))
  }

  /** In place when the range stays in its bin: a split off the big tail, a merge that does not cross a bin. */
  resizeInPlace (node: number, size: number): boolean {
    const old = this.nodes.sizes[node]!
    const bin = binOf(old)
    if (size < BIN_MIN[bin]! || size >= BIN_MIN[bin + 1]!) return false
    this.crowded[bin]?.resize(node, size, this.places)
    if (old === this.maxSize && size < old) this.maxValid = false
    else if (size > this.maxSize && this.maxValid) this.raiseMax(node, size)
    return true
  }

  private raiseMax (node: number, size: number): void {
    this.maxSize = size
    this.maxNode = node
  }

  find (size: number, align: number): number {
    const own = binOf(size)
    const head = this.heads[own]!
    if (head !== NIL && (align > 1
      ? fitsIn(this.nodes.offsets[head]!, this.nodes.sizes[head]!, size, align)
      : this.nodes.sizes[head]! >= size)) return head
    const start = align > 1 ? binAtLeast(size + (align - 1)) : BIN_MIN[own]! < size ? own + 1 : own
    const bin = this.firstNonEmpty(start)
    if (bin !== -1) return this.heads[bin]!
    const node = this.scan(own, start, size, align)
    // Past the scan, a range of need bytes can only be the largest: it lies in need's own bin.
    return node === NIL && this.largest() >= size + (align - 1) ? this.maxNode : node
  }

  /** The fallback: the first range where the request fits among the first CANDIDATES ranges of bins [from, to), or NIL. */
  private scan (from: number, to: number, size: number, align: number): number {
    const { offsets, sizes } = this.nodes
    let examined = 0
    for (let bin = this.firstNonEmpty(from); bin !== -1 && bin < to; bin = this.firstNonEmpty(bin + 1)) {
      for (let node = this.heads[bin]!; node !== NIL; node = this.links[2 * node]!) {
        if (fitsIn(offsets[node]!, sizes[node]!, size, align)) return node
        if (++examined === CANDIDATES) return NIL
      }
    }
    return NIL
  }

  /** First non-empty bin >= `bin`, or -1. */
  private firstNonEmpty (bin: number): number {
    if (bin >= BIN_COUNT) return -1
    let fl = bin >>> SL_BITS
    const bits = this.slMap[fl]! & (-1 << (bin & (SL_COUNT - 1)))
    if (bits !== 0) return (fl << SL_BITS) + lowestBit(bits)
    fl = this.firstClassFrom(fl + 1)
    return fl === -1 ? -1 : (fl << SL_BITS) + lowestBit(this.slMap[fl]!)
  }

  /** First non-empty first-level class >= `fl` (0 <= fl <= FL_COUNT), or -1. */
  private firstClassFrom (fl: number): number {
    if (fl < 32) {
      const lo = this.flLo & (-1 << fl)
      if (lo !== 0) return lowestBit(lo)
      return this.flHi === 0 ? -1 : 32 + lowestBit(this.flHi)
    }
    const hi = this.flHi & (-1 << (fl - 32))
    return hi === 0 ? -1 : 32 + lowestBit(hi)
  }

  largest (): number {
    if (this.maxValid) return this.maxSize
    const fl = this.flHi !== 0 ? 32 + highestBit(this.flHi) : highestBit(this.flLo)
    this.maxSize = 0
    this.maxNode = NIL
    if (fl !== -1) {
      const bin = (fl << SL_BITS) + highestBit(this.slMap[fl]!)
      const heap = this.crowded[bin]
      if (heap !== undefined) {
        this.raiseMax(heap.top(), heap.topKey())
      } else {
        const sizes = this.nodes.sizes
        // An exact bin's head has the bin's size; other bins hold at most CROWDED ranges here.
        const last = bin < EXACT_LIMIT ? this.links[2 * this.heads[bin]!]! : NIL
        for (let node = this.heads[bin]!; node !== last; node = this.links[2 * node]!) {
          if (sizes[node]! > this.maxSize) this.raiseMax(node, sizes[node]!)
        }
      }
    }
    this.maxValid = true
    return this.maxSize
  }

  /** Bins in increasing order, each list from its head: the whole state a pick depends on, besides the layout. */
  order (): number[] {
    const nodes: number[] = []
    for (let bin = this.firstNonEmpty(0); bin !== -1; bin = this.firstNonEmpty(bin + 1)) {
      for (let node = this.heads[bin]!; node !== NIL; node = this.links[2 * node]!) nodes.push(node)
    }
    return nodes
  }

  /** Files every node at the tail of its bin's list, in the given order (insert() would put it near the head). */
  restoreOrder (nodes: readonly number[]): void {
    this.clear()
    const tails = new Int32Array(BIN_COUNT).fill(NIL)
    for (const node of nodes) {
      const size = this.nodes.sizes[node]!
      const bin = binOf(size)
      const tail = tails[bin]!
      // Counted before it is linked, as insert() does: a bin getting crowded heaps its list and the node.
      this.count(bin, node, size)
      this.links[2 * node] = NIL
      this.links[2 * node + 1] = tail
      if (tail !== NIL) {
        this.links[2 * tail] = node
      } else {
        this.heads[bin] = node
        this.markNonEmpty(bin)
      }
      tails[bin] = node
      if (size > this.maxSize) this.raiseMax(node, size)
    }
  }

  clear (): void {
    this.heads.fill(NIL)
    this.slMap.fill(0)
    this.flLo = 0
    this.flHi = 0
    this.maxSize = 0
    this.maxNode = NIL
    this.maxValid = true
    this.counts.fill(0)
    this.crowded = []
  }
}

function grown (array: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(length)
  larger.set(array)
  return larger
}

/**
 * A binary max-heap of one crowded bin's ranges by size. `places[node]` is the node's index in it
 * plus one, so that any range leaves or changes size in O(log n). Keys are kept beside the nodes:
 * a resize is told before the core writes the new size.
 */
class BinHeap {
  private nodes = new Int32Array(2 * CROWDED)
  private keys = new Float64Array(2 * CROWDED)
  private length = 0

  top (): number { return this.nodes[0]! }
  topKey (): number { return this.keys[0]! }

  insert (node: number, size: number, places: Int32Array): void {
    if (this.length === this.nodes.length) {
      this.nodes = grown(this.nodes, 2 * this.length)
      const keys = new Float64Array(2 * this.length)
      keys.set(this.keys)
      this.keys = keys
    }
    this.siftUp(this.length++, node, size, places)
  }

  remove (node: number, places: Int32Array): void {
    const at = places[node]! - 1
    const last = --this.length
    if (at === last) return
    this.settle(at, this.nodes[last]!, this.keys[last]!, places)
  }

  resize (node: number, size: number, places: Int32Array): void {
    this.settle(places[node]! - 1, node, size, places)
  }

  /** Puts (node, key) at `at` and moves it up or down to its place. */
  private settle (at: number, node: number, key: number, places: Int32Array): void {
    if (at > 0 && this.keys[(at - 1) >>> 1]! < key) this.siftUp(at, node, key, places)
    else this.siftDown(at, node, key, places)
  }

  private siftUp (at: number, node: number, key: number, places: Int32Array): void {
    while (at > 0) {
      const parent = (at - 1) >>> 1
      if (this.keys[parent]! >= key) break
      this.place(at, this.nodes[parent]!, this.keys[parent]!, places)
      at = parent
    }
    this.place(at, node, key, places)
  }

  private siftDown (at: number, node: number, key: number, places: Int32Array): void {
    for (;;) {
      let child = 2 * at + 1
      if (child >= this.length) break
      if (child + 1 < this.length && this.keys[child + 1]! > this.keys[child]!) child++
      if (this.keys[child]! <= key) break
      this.place(at, this.nodes[child]!, this.keys[child]!, places)
      at = child
    }
    this.place(at, node, key, places)
  }

  private place (at: number, node: number, key: number, places: Int32Array): void {
    this.nodes[at] = node
    this.keys[at] = key
    places[node] = at + 1
  }
}

export const createTlsfIndex: FreeIndexFactory = (nodes) => new TlsfIndex(nodes)
