/**
 * The TLSF free index on its own, against a fake NodeView: the bit tricks, the bin mapping
 * (monotonic, exact at every bin boundary, above 2^32 and up to 2^53 - 1), and random
 * insert/remove/find sequences compared with a brute-force model.
 */
import t from 'tap'
import fc from 'fast-check'
import { floorLog2, highestBit, lowestBit } from '../../src/allocator/bits.js'
import { BIN_COUNT, binAtLeast, binMin, binOf, createTlsfIndex } from '../../src/allocator/tlsf.js'
import { fitsIn } from '../../src/allocator/align.js'
import { CANDIDATES, type FreeIndex, type NodeView } from '../../src/allocator/free-index.js'

const MAX = Number.MAX_SAFE_INTEGER

/** Node storage like the core's: arrays replaced (not resized) when they grow. */
class FakeNodes implements NodeView {
  offsets = new Float64Array(2)
  sizes = new Float64Array(2)

  /** Makes room for node `id`; returns the new capacity when the arrays were replaced, else 0. */
  ensure (id: number): number {
    if (id < this.sizes.length) return 0
    const capacity = Math.max(id + 1, this.sizes.length * 2)
    const offsets = new Float64Array(capacity)
    const sizes = new Float64Array(capacity)
    offsets.set(this.offsets)
    sizes.set(this.sizes)
    this.offsets = offsets
    this.sizes = sizes
    return capacity
  }
}

t.test('floorLog2 splits above 2^32 instead of truncating', async (t) => {
  const reference = (x: number): number => x.toString(2).length - 1
  for (let k = 0; k <= 53; k++) {
    for (const x of [2 ** k - 1, 2 ** k, 2 ** k + 1]) {
      if (x >= 1 && x <= MAX) t.equal(floorLog2(x), reference(x), `floorLog2(${x})`)
    }
  }
  t.equal(floorLog2(0), -1)
  t.equal(floorLog2(2 ** 53), 53, 'a padded request just past 2^53')
  fc.assert(fc.property(fc.integer({ min: 1, max: MAX }), (x) => floorLog2(x) === reference(x)))
})

t.test('lowestBit and highestBit on 32-bit bitmap words, bit 31 included', async (t) => {
  t.equal(lowestBit(0), -1)
  t.equal(highestBit(0), -1)
  t.equal(lowestBit(1 << 31), 31)
  t.equal(highestBit(1 << 31), 31)
  t.equal(lowestBit(-1), 0)
  t.equal(highestBit(-1), 31)
  t.equal(lowestBit(0b101000), 3)
  t.equal(highestBit(0b101000), 5)
})

t.test('bin mapping: exact small sizes, known bins above 2^32 and at 2^53 - 1', async (t) => {
  for (let s = 0; s < 64; s++) t.equal(binOf(s), s, `size ${s} has its own bin`)
  t.equal(binOf(64), 64)
  t.equal(binOf(65), 64, 'from 64 on, bins are 2 wide')
  t.equal(binOf(66), 65)
  t.equal(binOf(2 ** 32 - 1), 895)
  t.equal(binOf(2 ** 32), 896, 'first bin of the 2^32 octave')
  t.equal(binOf(2 ** 32 + 2 ** 27 - 1), 896, 'sub-bins are 2^27 wide there')
  t.equal(binOf(2 ** 32 + 2 ** 27), 897)
  t.equal(binOf(2 ** 52), BIN_COUNT - 32)
  t.equal(binOf(MAX), BIN_COUNT - 1, 'the largest safe size is in the last bin')
  t.equal(binMin(BIN_COUNT), 2 ** 53)
})

t.test('bin mapping is exact at every bin boundary', async (t) => {
  let wrong = 0
  for (let b = 1; b < BIN_COUNT; b++) {
    const min = binMin(b)
    if (binOf(min) !== b || binOf(min - 1) !== b - 1) wrong++
    // A bin is at most 1/32 of its smallest size wide: the good-fit rounding bound.
    if (b >= 64 && binMin(b + 1) - min > min / 32) wrong++
  }
  t.equal(wrong, 0)
  t.equal(binOf(binMin(BIN_COUNT) - 1), BIN_COUNT - 1)
})

t.test('bin mapping is monotonic and binAtLeast is the first bin entirely >= need', async (t) => {
  const size = fc.oneof(
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: 0, max: 2 ** 33 }),
    fc.integer({ min: 0, max: MAX }),
    fc.tuple(fc.integer({ min: 0, max: 53 }), fc.integer({ min: -3, max: 3 }))
      .map(([k, d]) => Math.min(MAX, Math.max(0, 2 ** k + d)))
  )
  fc.assert(fc.property(size, size, (a, b) => {
    const [lo, hi] = a <= b ? [a, b] : [b, a]
    return binOf(lo) <= binOf(hi)
  }), { numRuns: 2000 })
  fc.assert(fc.property(size, (need) => {
    const bin = binAtLeast(need)
    return binMin(bin) >= need && (bin === 0 || binMin(bin - 1) < need)
  }), { numRuns: 2000 })
  t.equal(binAtLeast(MAX + 2 ** 30), BIN_COUNT, 'a padded request past 2^53 has no bin')
})

const sizeArb = fc.oneof(
  fc.integer({ min: 1, max: 100 }),
  fc.integer({ min: 1, max: 5000 }),
  fc.tuple(fc.integer({ min: 0, max: 52 }), fc.integer({ min: -2, max: 2 }))
    .map(([k, d]) => Math.min(MAX, Math.max(1, 2 ** k + d))),
  fc.integer({ min: 1, max: MAX })
)
const alignArb = fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 30 }).map((k) => 2 ** k))
const offsetArb = fc.oneof(
  fc.integer({ min: 0, max: 10000 }),
  fc.tuple(fc.integer({ min: 0, max: 2 ** 22 }), fc.integer({ min: 0, max: 31 })).map(([m, k]) => m * 2 ** k),
  fc.integer({ min: 0, max: MAX })
)

type Op =
  | { op: 'insert', offset: number, size: number }
  | { op: 'remove', pick: number, reuse: boolean }
  | { op: 'find', size: number, align: number }
  | { op: 'clear' }

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), offset: offsetArb, size: sizeArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat(), reuse: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('find' as const), size: sizeArb, align: alignArb }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) }
)

/** Runs `ops` on a TLSF index and a plain list of free nodes; returns the first disagreement. */
function replay (ops: Op[]): string | undefined {
  const nodes = new FakeNodes()
  const index: FreeIndex = createTlsfIndex(nodes)
  index.grow(nodes.sizes.length)
  let live: number[] = []
  const spare: number[] = []
  let nextId = 0
  const modelLargest = (): number => live.reduce((max, n) => Math.max(max, nodes.sizes[n]!), 0)

  for (const [i, step] of ops.entries()) {
    if (step.op === 'insert') {
      const node = spare.pop() ?? nextId++
      const grown = nodes.ensure(node)
      if (grown !== 0) index.grow(grown)
      nodes.sizes[node] = step.size
      nodes.offsets[node] = Math.min(step.offset, MAX - step.size)
      index.insert(node)
      live.push(node)
    } else if (step.op === 'remove') {
      if (live.length === 0) continue
      const node = live.splice(step.pick % live.length, 1)[0]!
      index.remove(node)
      // The core may change a node right after removing it, or recycle its id later.
      nodes.sizes[node] = 1 + (nodes.sizes[node]! % 7)
      if (step.reuse) spare.push(node)
    } else if (step.op === 'clear') {
      index.clear()
      spare.push(...live)
      live = []
    } else {
      const { size, align } = step
      const got = index.find(size, align)
      const fits = (n: number): boolean => fitsIn(nodes.offsets[n]!, nodes.sizes[n]!, size, align)
      if (got === -1) {
        // Refused only when no range of size + align - 1 bytes is free and, among the bins
        // below the rounded-up need, more than CANDIDATES ranges wait or none fits.
        const start = binAtLeast(size + align - 1)
        const between = live.filter((n) => binOf(nodes.sizes[n]!) >= binOf(size) && binOf(nodes.sizes[n]!) < start)
        if (live.some((n) => nodes.sizes[n]! >= size + align - 1)) return `op ${i}: find(${size}, ${align}) = -1 but a range of size + align - 1 bytes is free`
        if (between.length <= CANDIDATES && live.some(fits)) return `op ${i}: find(${size}, ${align}) = -1 but a range fits`
      } else {
        if (!live.includes(got)) return `op ${i}: find returned ${got}, not a free range`
        if (!fits(got)) return `op ${i}: find(${size}, ${align}) = ${got} which does not fit`
        // Good fit: from the request's own bin, else from the lowest non-empty bin entirely
        // >= size + align - 1 when there is one, else (the fallback) from the bins in between.
        const own = binOf(size)
        const start = binAtLeast(align > 1 ? size + align - 1 : size)
        const bins = live.map((n) => binOf(nodes.sizes[n]!)).filter((b) => b >= start)
        const gotBin = binOf(nodes.sizes[got]!)
        const expected = bins.length > 0 ? Math.min(...bins) : -1
        if (gotBin !== own && gotBin !== expected && !(expected === -1 && gotBin >= own && gotBin < start)) {
          return `op ${i}: find(${size}, ${align}) took bin ${gotBin}, expected ${own} or ${expected}`
        }
      }
    }
    const largest = index.largest()
    if (largest !== modelLargest()) return `op ${i}: largest() = ${largest}, model ${modelLargest()}`
  }
  return undefined
}

t.test('random insert/remove/find/clear sequences agree with a brute-force model', async (t) => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
    const failure = replay(ops)
    if (failure !== undefined) throw new Error(failure)
  }), { numRuns: 400 })
  t.pass('400 random sequences')
})

t.test('many ranges of close sizes: fallback within one bin, largest() after removing the max', async (t) => {
  // Sizes 1000..1039 share few bins, so find() must walk a bin's list to be exact.
  const ops: Op[] = []
  for (let s = 1000; s < 1040; s++) ops.push({ op: 'insert', offset: s * 4096, size: s })
  for (let s = 1040; s > 990; s--) ops.push({ op: 'find', size: s, align: 1 }, { op: 'find', size: s - 9, align: 1024 })
  for (let k = 0; k < 40; k++) ops.push({ op: 'remove', pick: 39 - k, reuse: false })
  t.equal(replay(ops), undefined)
})

t.test('the fallback serves exact fits the rounded-up search skips', async (t) => {
  const nodes = new FakeNodes()
  const index = createTlsfIndex(nodes)
  index.grow(nodes.sizes.length)
  nodes.offsets[0] = 0
  nodes.sizes[0] = 2 ** 40 + 1
  index.insert(0)
  t.equal(index.find(2 ** 40 + 1, 1), 0, 'a range of exactly the size asked')
  t.equal(index.find(2 ** 40 + 2, 1), -1)
  t.equal(index.find(2 ** 40, 2 ** 30), 0, 'offset 0 is aligned to anything: no padding needed')
  nodes.offsets[1] = 3
  nodes.sizes[1] = 100
  index.insert(1)
  t.equal(index.find(97, 2 ** 30), 0, 'only the range at offset 0 is aligned enough')
  t.equal(index.find(97, 1), 1, 'good fit: the smaller range')
  t.equal(index.largest(), 2 ** 40 + 1)
  index.remove(0)
  t.equal(index.largest(), 100)
  t.equal(index.find(97, 2 ** 30), -1, 'alignment beyond the range: the padding does not fit')
  t.equal(index.find(95, 8), 1, '5 bytes of padding, then 95 bytes, end exactly at 103')
  t.equal(index.find(96, 8), -1)
  index.clear()
  t.equal(index.largest(), 0)
  t.equal(index.find(1, 1), -1)
})
