/**
 * Test harness for a FreeIndex on its own. FakeNodes stands in for the allocator core's node
 * storage: node ids over a Float64Array pair, ids recycled, arrays replaced (not resized) on
 * growth as the core does, plus a brute-force first fit and best fit (a sorted scan) under the
 * strategies' rule for alignment (free-index.ts CANDIDATES): the first range that fits among the
 * first CANDIDATES ranges of at least `size` bytes in the policy's order, else the first range of
 * at least size + align - 1 bytes. `opsArb` and `runOps` drive random insert/remove/move/find
 * sequences against that model.
 */

import fc from 'fast-check'
import { fitsIn } from '../../src/allocator/align.js'
import { CANDIDATES, type FreeIndex, type FreeIndexFactory, type NodeView } from '../../src/allocator/free-index.js'
import { prng } from './prng.js'

export class FakeNodes implements NodeView {
  offsets = new Float64Array(2)
  sizes = new Float64Array(2)
  readonly index: FreeIndex
  /** Ids currently inserted in the index. */
  readonly live = new Set<number>()
  private readonly usedOffsets = new Set<number>()
  private readonly spare: number[] = []
  private next = 0

  constructor (factory: FreeIndexFactory) {
    this.index = factory(this)
    this.index.grow(this.offsets.length)
  }

  /** Adds a free range and inserts it in the index; returns its node id. */
  add (offset: number, size: number): number {
    const id = this.spare.pop() ?? this.next++
    if (id >= this.offsets.length) this.growTo(2 * this.offsets.length)
    this.offsets[id] = offset
    this.sizes[id] = size
    this.index.insert(id)
    this.live.add(id)
    this.usedOffsets.add(offset)
    return id
  }

  drop (id: number): void {
    this.index.remove(id)
    this.live.delete(id)
    this.usedOffsets.delete(this.offsets[id]!)
    this.spare.push(id)
  }

  /** Changes a range in place: remove, update, insert, the order the core uses. */
  move (id: number, offset: number, size: number): void {
    this.index.remove(id)
    this.usedOffsets.delete(this.offsets[id]!)
    this.usedOffsets.add(offset)
    this.offsets[id] = offset
    this.sizes[id] = size
    this.index.insert(id)
  }

  clear (): void {
    this.index.clear()
    for (const id of this.live) this.spare.push(id)
    this.live.clear()
    this.usedOffsets.clear()
  }

  hasOffset (offset: number): boolean {
    return this.usedOffsets.has(offset)
  }

  /** Brute force: lowest-address range where the aligned block fits (under the CANDIDATES rule), or -1. */
  firstFit (size: number, align: number): number {
    return this.boundedFit(size, align, (a, b) => this.offsets[a]! - this.offsets[b]!)
  }

  /** Brute force: smallest range where the aligned block fits, lowest address on ties (under the CANDIDATES rule), or -1. */
  bestFit (size: number, align: number): number {
    return this.boundedFit(size, align, (a, b) => this.sizes[a]! - this.sizes[b]! || this.offsets[a]! - this.offsets[b]!)
  }

  /** Ranges of at least `size` bytes in `order`: the first that fits among the first CANDIDATES, else the first of size + align - 1 bytes. */
  private boundedFit (size: number, align: number, order: (a: number, b: number) => number): number {
    const ranges = [...this.live].filter(id => this.sizes[id]! >= size).sort(order)
    const hit = ranges.slice(0, CANDIDATES).find(id => fitsIn(this.offsets[id]!, this.sizes[id]!, size, align))
    return hit ?? ranges.find(id => this.sizes[id]! >= size + align - 1) ?? -1
  }

  largest (): number {
    let max = 0
    for (const id of this.live) max = Math.max(max, this.sizes[id]!)
    return max
  }

  private growTo (capacity: number): void {
    const offsets = new Float64Array(capacity)
    offsets.set(this.offsets)
    const sizes = new Float64Array(capacity)
    sizes.set(this.sizes)
    this.offsets = offsets
    this.sizes = sizes
    this.index.grow(capacity)
  }
}

export type Op =
  | { kind: 'add', offset: number, size: number }
  | { kind: 'drop', pick: number }
  | { kind: 'move', pick: number, offset: number, size: number }
  | { kind: 'nudge', pick: number, by: number, resize: number }
  | { kind: 'find', size: number, align: number }
  | { kind: 'findNear', pick: number, shrink: number, align: number }
  | { kind: 'clear' }

/** Numbers from tiny to 2^51: a * 2^k + b spreads values over every alignment residue. */
const spread = (min: number): fc.Arbitrary<number> => fc.oneof(
  fc.integer({ min, max: 64 }),
  fc.integer({ min, max: 2 ** 20 }),
  fc.tuple(fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 1023 }))
    .map(([a, k, b]) => Math.max(min, Math.min(a * 2 ** k + b, 2 ** 51)))
)
/** Few distinct small sizes make ties (best fit must then take the lowest address). */
const sizeArb = fc.oneof(fc.constantFrom(1, 2, 3, 8, 64, 4096), spread(1))
const alignArb = fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 30 })).map((k) => 2 ** k)
const pickArb = fc.nat({ max: 1000 })

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('add' as const), offset: spread(0), size: sizeArb }), weight: 32 },
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: pickArb }), weight: 16 },
  { arbitrary: fc.record({ kind: fc.constant('move' as const), pick: pickArb, offset: spread(0), size: sizeArb }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('nudge' as const), pick: pickArb, by: fc.integer({ min: -8, max: 8 }), resize: fc.integer({ min: -8, max: 8 }) }), weight: 16 },
  { arbitrary: fc.record({ kind: fc.constant('find' as const), size: sizeArb, align: alignArb }), weight: 16 },
  { arbitrary: fc.record({ kind: fc.constant('findNear' as const), pick: pickArb, shrink: fc.nat({ max: 70 }), align: alignArb }), weight: 24 },
  { arbitrary: fc.constant({ kind: 'clear' as const }), weight: 1 }
)

/** Op sequences of up to 200 steps (fast-check's default size would keep them near 10). */
export const opsArb = fc.array(opArb, { maxLength: 200, size: 'max' })

/**
 * Applies `ops`, comparing every find with the brute-force `policy` and largest() after every
 * step; `check` (the tree's invariants) runs after every step too. Throws on the first mismatch.
 */
export function runOps (nodes: FakeNodes, ops: Op[], policy: 'first' | 'best', check: () => void): void {
  const model = policy === 'first' ? nodes.firstFit.bind(nodes) : nodes.bestFit.bind(nodes)
  const compare = (size: number, align: number): void => {
    const got = nodes.index.find(size, align)
    const want = model(size, align)
    if (got !== want) {
      throw new Error(`find(${size}, ${align}): index says ${describe(nodes, got)}, model says ${describe(nodes, want)}`)
    }
  }
  for (const op of ops) {
    const ids = [...nodes.live]
    switch (op.kind) {
      case 'add':
        if (!nodes.hasOffset(op.offset)) nodes.add(op.offset, op.size)
        break
      case 'drop':
        if (ids.length > 0) nodes.drop(ids[op.pick % ids.length]!)
        break
      case 'move':
        if (ids.length > 0 && !nodes.hasOffset(op.offset)) nodes.move(ids[op.pick % ids.length]!, op.offset, op.size)
        break
      case 'nudge': {
        // a small change of key, often staying between the same neighbours (the in-place path)
        if (ids.length === 0) break
        const id = ids[op.pick % ids.length]!
        const offset = Math.max(0, nodes.offsets[id]! + op.by)
        if (op.by === 0 || !nodes.hasOffset(offset)) nodes.move(id, offset, Math.max(1, nodes.sizes[id]! + op.resize))
        break
      }
      case 'find':
        compare(op.size, op.align)
        break
      case 'findNear': {
        const base = ids.length > 0 ? nodes.sizes[ids[op.pick % ids.length]!]! : 1
        compare(Math.max(1, base - op.shrink), op.align)
        break
      }
      case 'clear':
        nodes.clear()
        break
    }
    if (nodes.index.largest() !== nodes.largest()) {
      throw new Error(`largest(): index says ${nodes.index.largest()}, model says ${nodes.largest()}`)
    }
    check()
  }
}

function describe (nodes: FakeNodes, id: number): string {
  return id === -1 ? 'none' : `node ${id} [${nodes.offsets[id]}, +${nodes.sizes[id]}]`
}

export interface SeededRun {
  /** Finds compared with the model. */
  finds: number
  /** Steps where find() or largest() disagreed with the model, described. */
  mismatches: string[]
}

/**
 * A long seeded run (20 000 steps, thousands of ranges): half adds, 40 % drops, 10 % finds with
 * random alignments, every find compared with the brute-force `policy` and largest() after every
 * step; `check` (the tree's invariants) every 1000 steps and at the end. Sizes are
 * 1 + [0, 2^(4 + x * sizeBits)), so a small `sizeBits` makes many ranges tie.
 */
export function seededRun (nodes: FakeNodes, seed: number, sizeBits: number, policy: 'first' | 'best', check: () => void): SeededRun {
  const model = policy === 'first' ? nodes.firstFit.bind(nodes) : nodes.bestFit.bind(nodes)
  const random = prng(seed)
  const randomSize = (): number => 1 + Math.floor(random() * 2 ** (4 + random() * sizeBits))
  const run: SeededRun = { finds: 0, mismatches: [] }
  for (let i = 0; i < 20_000; i++) {
    const r = random()
    const ids = [...nodes.live]
    if (r < 0.5 || ids.length === 0) {
      const offset = Math.floor(random() * 2 ** 45)
      if (!nodes.hasOffset(offset)) nodes.add(offset, randomSize())
    } else if (r < 0.9) {
      nodes.drop(ids[Math.floor(random() * ids.length)]!)
    } else {
      const size = randomSize()
      const align = 2 ** Math.floor(random() * 31)
      if (nodes.index.find(size, align) !== model(size, align)) run.mismatches.push(`find(${size}, ${align}) at step ${i}`)
      run.finds++
    }
    if (nodes.index.largest() !== nodes.largest()) run.mismatches.push(`largest() at step ${i}`)
    if (i % 1000 === 0) check()
  }
  check()
  return run
}
