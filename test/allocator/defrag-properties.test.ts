/**
 * Defragmentation plans against a shadow memory: each heap is backed by a real ArrayBuffer, every
 * block filled with a pattern of its own. After a random workload, a random plan (either goal,
 * random limits) is reserved, more random allocations and frees may run while it is open, the
 * a second plan made meanwhile must work around the first one's reservations, the test copies
 * each move's bytes, and the plan is committed with a random subset skipped. Then
 * every block's bytes are intact at its pointer, check() holds, the limits are kept, the plan's
 * destinations were free and disjoint, no allocation landed in a reservation, and, when nothing
 * else changed and nothing was skipped, the real stats are the plan's `after` (with compact never
 * lowering largestFree and hole delivering its range). All three strategies.
 */
import t from 'tap'
import fc from 'fast-check'
import { createAllocator } from '../../src/allocator/create.js'
import { OutOfMemoryError } from '../../src/allocator/errors.js'
import { STRATEGIES, type Allocator, type DefragMove, type DefragOptions, type Strategy } from '../../src/allocator/types.js'

interface Shadow {
  memory: Uint8Array
  /** Live blocks by ptr: the id their pattern is drawn from, and their size. */
  blocks: Map<number, { id: number, size: number }>
  nextId: number
}

type Op = { op: 'alloc', size: number, align?: number, tag?: string } | { op: 'free', pick: number }

const patternByte = (id: number, i: number): number => (id * 131 + i * 7 + (i >> 8)) & 255

function fill (shadow: Shadow, ptr: number, size: number): void {
  const id = shadow.nextId++
  for (let i = 0; i < size; i++) shadow.memory[ptr + i] = patternByte(id, i)
  shadow.blocks.set(ptr, { id, size })
}

/** Runs one op on the heap and its shadow; answers the ptr of a new block, or undefined. */
function apply (heap: Allocator, shadow: Shadow, op: Op, pinned: ReadonlySet<number> = new Set()): number | undefined {
  if (op.op === 'alloc') {
    try {
      const ptr = heap.alloc(op.size, op.align, op.tag)
      fill(shadow, ptr, op.size)
      return ptr
    } catch (error) {
      if (!(error instanceof OutOfMemoryError)) throw error
      return undefined
    }
  }
  const candidates = [...shadow.blocks.keys()].filter(ptr => !pinned.has(ptr))
  if (candidates.length === 0) return undefined
  const ptr = candidates[op.pick % candidates.length]!
  heap.free(ptr)
  shadow.blocks.delete(ptr)
  return undefined
}

const ops = (heapSize: number, minLength: number, maxLength: number) => fc.array(fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('alloc' as const),
      size: fc.integer({ min: 1, max: Math.max(1, heapSize >> 4) }),
      align: fc.option(fc.constantFrom(1, 2, 8, 32), { nil: undefined }),
      tag: fc.option(fc.constantFrom('a', 'bb'), { nil: undefined })
    }, { requiredKeys: ['op', 'size'] })
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('free' as const), pick: fc.nat() }) }
), { minLength, maxLength, size: 'max' })

const plans = (heapSize: number) => fc.oneof(
  fc.record({
    goal: fc.constant('compact' as const),
    maxBytes: fc.option(fc.integer({ min: 0, max: heapSize }), { nil: undefined }),
    maxMoves: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined })
  }, { requiredKeys: ['goal'] }),
  fc.record({
    goal: fc.constant('hole' as const),
    size: fc.integer({ min: 1, max: heapSize >> 1 }),
    align: fc.option(fc.constantFrom(1, 4, 64), { nil: undefined }),
    maxBytes: fc.option(fc.integer({ min: 0, max: heapSize }), { nil: undefined }),
    maxMoves: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined })
  }, { requiredKeys: ['goal', 'size'] })
)

const scenarios = fc.record({
  size: fc.integer({ min: 256, max: 4096 }),
  alignment: fc.constantFrom(1, 1, 4, 16)
}).chain(heap => fc.record({
  heap: fc.constant(heap),
  workload: ops(heap.size, 40, 160),
  /** Blocks freed after the workload, in address order: true frees (fragmentation). */
  sieve: fc.array(fc.boolean(), { maxLength: 80, size: 'max' }),
  options: plans(heap.size),
  /** Operations while the plan is open (none: the plan's `after` must come true). */
  meanwhile: fc.oneof(fc.constant([] as Op[]), ops(heap.size, 1, 12)),
  skips: fc.array(fc.boolean(), { maxLength: 20 })
}))

/** Whether some free range holds `size` bytes from a multiple of `align`. */
function hasHole (heap: Allocator, size: number, align: number): boolean {
  for (const range of heap.freeRanges()) {
    if (Math.ceil(range.offset / align) * align + size <= range.offset + range.size) return true
  }
  return false
}

const overlaps = (a: number, aSize: number, b: number, bSize: number): boolean => a < b + bSize && b < a + aSize

function checkPlanShape (heap: Allocator, shadow: Shadow, options: DefragOptions, moves: readonly DefragMove[]): void {
  const bytesMoved = moves.reduce((sum, move) => sum + move.size, 0)
  if (options.maxBytes !== undefined && bytesMoved > options.maxBytes) throw new Error(`moves ${bytesMoved} bytes, limit ${options.maxBytes}`)
  if (options.maxMoves !== undefined && moves.length > options.maxMoves) throw new Error(`${moves.length} moves, limit ${options.maxMoves}`)
  const destinations = [...moves].sort((a, b) => a.newPtr - b.newPtr)
  for (const [i, move] of destinations.entries()) {
    const block = heap.block(move.ptr)
    if (block === undefined || block.size !== move.size || block.tag !== move.tag || block.align !== move.align) throw new Error(`move ${JSON.stringify(move)} is not its block ${JSON.stringify(block)}`)
    const align = Math.max(block.align ?? 1, heap.alignment)
    if (move.newPtr % align !== 0) throw new Error(`destination ${move.newPtr} is not aligned to ${align}`)
    if (i > 0 && overlaps(destinations[i - 1]!.newPtr, destinations[i - 1]!.size, move.newPtr, move.size)) throw new Error('destinations overlap')
    for (const [ptr, live] of shadow.blocks) {
      if (overlaps(ptr, live.size, move.newPtr, move.size)) throw new Error(`destination ${move.newPtr} overlaps the block at ${ptr}`)
    }
    if (options.goal !== 'hole' && move.newPtr >= move.ptr) throw new Error(`compact moved ${move.ptr} up to ${move.newPtr}`)
  }
}

function checkBytes (heap: Allocator, shadow: Shadow): void {
  const listed = [...heap.blocks()]
  if (listed.length !== shadow.blocks.size) throw new Error(`${listed.length} blocks listed, ${shadow.blocks.size} live`)
  for (const block of listed) {
    const live = shadow.blocks.get(block.ptr)
    if (live === undefined || live.size !== block.size) throw new Error(`block ${block.ptr} is not the shadow's`)
    for (let i = 0; i < live.size; i++) {
      if (shadow.memory[block.ptr + i] !== patternByte(live.id, i)) throw new Error(`block ${block.ptr} (id ${live.id}) corrupted at byte ${i}`)
    }
  }
}

const RUNS = 200

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: plans keep every byte, the limits and their predictions`, async t => {
    let planned = 0
    let moved = 0
    let nonEmpty = 0
    fc.assert(fc.property(scenarios, ({ heap: options, workload, sieve, options: planOptions, meanwhile, skips }) => {
      const heap = createAllocator({ ...options, strategy: strategy as Strategy })
      const shadow: Shadow = { memory: new Uint8Array(new ArrayBuffer(options.size)), blocks: new Map(), nextId: 1 }
      for (const op of workload) apply(heap, shadow, op)
      for (const [i, block] of [...heap.blocks()].entries()) {
        if (sieve[i] !== true) continue
        heap.free(block.ptr)
        shadow.blocks.delete(block.ptr)
      }
      const before = heap.stats()
      let plan
      try {
        plan = heap.planDefrag(planOptions)
      } catch (error) {
        if (!(error instanceof OutOfMemoryError) || planOptions.goal !== 'hole') throw error
        // Refused: then the range cannot already exist, and the heap is untouched.
        if (hasHole(heap, planOptions.size, Math.max(planOptions.align ?? 1, heap.alignment))) throw new Error('hole refused although free')
        if (JSON.stringify(heap.stats()) !== JSON.stringify(before)) throw new Error('a refused plan changed the heap')
        return
      }
      planned++
      moved += plan.moves.length
      if (plan.moves.length > 0) nonEmpty++
      checkPlanShape(heap, shadow, planOptions, plan.moves)
      if (plan.bytesMoved !== plan.moves.reduce((sum, move) => sum + move.size, 0)) throw new Error('bytesMoved is not the sum of the moves')
      if (JSON.stringify(plan.before) !== JSON.stringify({ largestFree: before.largestFree, freeRanges: before.freeRanges, fragmentation: before.fragmentation, sawicki: before.sawicki })) throw new Error('before is not the stats')
      if (planOptions.goal === 'compact' && plan.after.largestFree < before.largestFree) throw new Error('compact lowers largestFree')
      if (JSON.stringify(heap.stats()) !== JSON.stringify(before)) throw new Error('planning changed the heap')

      heap.reserve(plan.moves)
      heap.check()
      const reserved = [...heap.segments()].filter(segment => segment.state === 'reserved')
      if (reserved.length !== plan.moves.length) throw new Error(`${reserved.length} reserved segments for ${plan.moves.length} moves`)
      const sources = new Set(plan.moves.map(move => move.ptr))
      for (const op of meanwhile) {
        const ptr = apply(heap, shadow, op, sources)
        if (ptr === undefined) continue
        const size = shadow.blocks.get(ptr)!.size
        if (plan.moves.some(move => overlaps(move.newPtr, move.size, ptr, size))) throw new Error(`an allocation at ${ptr} landed in a reservation`)
      }
      heap.check()

      // A second plan made while the first is open works around its reservations.
      const second = heap.planDefrag({ goal: 'compact' })
      checkPlanShape(heap, shadow, { goal: 'compact' }, second.moves.filter(move => !sources.has(move.ptr)))
      if (second.after.largestFree < heap.stats().largestFree) throw new Error('a second compact lowers largestFree')
      const secondMoves = second.moves.filter(move => !sources.has(move.ptr))
      heap.reserve(secondMoves)
      heap.releaseReservations(secondMoves)
      heap.check()

      // The client's copies, last move first: destinations are disjoint from everything live.
      const skipped = new Set(plan.moves.filter((_, i) => skips[i] === true).map(move => move.ptr))
      for (const move of [...plan.moves].reverse()) {
        if (skipped.has(move.ptr)) continue
        shadow.memory.copyWithin(move.newPtr, move.ptr, move.ptr + move.size)
        shadow.memory.fill(0xee, move.ptr, move.ptr + move.size)
      }
      heap.commitMoves(plan.moves, skipped)
      for (const move of plan.moves) {
        if (skipped.has(move.ptr)) continue
        shadow.blocks.set(move.newPtr, shadow.blocks.get(move.ptr)!)
        shadow.blocks.delete(move.ptr)
      }
      heap.check()
      checkBytes(heap, shadow)
      if ([...heap.segments()].some(segment => segment.state === 'reserved')) throw new Error('a reservation outlived the commit')

      if (meanwhile.length === 0 && skipped.size === 0) {
        const { largestFree, freeRanges, fragmentation, sawicki } = heap.stats()
        const real = { largestFree, freeRanges, fragmentation, sawicki }
        if (JSON.stringify(real) !== JSON.stringify(plan.after)) throw new Error(`after ${JSON.stringify(plan.after)}, real ${JSON.stringify(real)}`)
        if (planOptions.goal === 'hole' && !hasHole(heap, planOptions.size, Math.max(planOptions.align ?? 1, heap.alignment))) throw new Error('the hole was not delivered')
      }
    }), { numRuns: RUNS })
    t.ok(planned > RUNS / 2, `most scenarios plan (${planned} of ${RUNS})`)
    t.ok(nonEmpty > RUNS / 5 && moved > RUNS / 2, `and plans move blocks (${nonEmpty} plans move ${moved} blocks)`)
  })
}
