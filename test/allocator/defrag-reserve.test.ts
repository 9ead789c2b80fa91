/**
 * Defragmentation in the allocator, case by case: planDefrag's options and refusals, the hole
 * goal's choice of fewest bytes, reserve/commitMoves/releaseReservations and their refusals
 * (each changing nothing), what a reservation is to the rest of the API, snapshots that carry
 * reservations, atomically() undoing every step, and reset() clearing them. All three strategies.
 */
import t from 'tap'
import { createAllocator } from '../../src/allocator/create.js'
import { ExceedsHeapSizeError, InvalidArgumentError, InvalidPointerError, OutOfMemoryError } from '../../src/allocator/errors.js'
import { restoreAllocator } from '../../src/allocator/snapshot.js'
import { STRATEGIES, type Allocator, type DefragMove, type Strategy } from '../../src/allocator/types.js'

const ROLLBACK = new Error('roll back')

/**
 * Heap of 100 bytes: [0,10) block 'a' (align 2), [10,20) free, [20,25) block 'b', [25,40) free,
 * [40,60) block, [60,70) free, [70,100) block.
 */
function layout (strategy: Strategy): Allocator {
  const heap = createAllocator({ size: 100, strategy })
  heap.alloc(10, 2, 'a')
  const gap1 = heap.alloc(10)
  heap.alloc(5, undefined, 'b')
  const gap2 = heap.alloc(15)
  heap.alloc(20)
  const gap3 = heap.alloc(10)
  heap.alloc(30)
  for (const ptr of [gap1, gap2, gap3]) heap.free(ptr)
  return heap
}

/** Everything a change could touch, for "changes nothing" assertions. */
const state = (heap: Allocator) => JSON.stringify({ snapshot: heap.snapshot(), segments: [...heap.segments()], stats: heap.stats() })

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: planDefrag options`, async t => {
    const heap = layout(strategy)
    const before = state(heap)
    t.throws(() => heap.planDefrag({ goal: 'tidy' as 'hole' }), InvalidArgumentError, 'an unknown goal')
    t.throws(() => heap.planDefrag({ goal: 'hole' }), InvalidArgumentError, 'hole without a size')
    t.throws(() => heap.planDefrag({ goal: 'hole', size: 10, align: 3 }), InvalidArgumentError, 'an alignment that is no power of two')
    t.throws(() => heap.planDefrag({ size: 10 }), InvalidArgumentError, 'compact takes no size')
    t.throws(() => heap.planDefrag({ align: 4 }), InvalidArgumentError, 'compact takes no alignment')
    t.throws(() => heap.planDefrag({ maxBytes: -1 }), InvalidArgumentError, 'a negative limit')
    t.throws(() => heap.planDefrag({ maxMoves: 1.5 }), InvalidArgumentError, 'a fractional limit')
    t.throws(() => heap.planDefrag(null as never), InvalidArgumentError, 'options that are no object')
    t.throws(() => heap.planDefrag({ goal: 'hole', size: 101 }), ExceedsHeapSizeError, 'a hole larger than the heap')
    t.equal(state(heap), before, 'refusals change nothing')
  })

  t.test(`${strategy}: the hole goal moves the fewest bytes, or refuses`, async t => {
    const heap = layout(strategy)
    const plan = heap.planDefrag({ goal: 'hole', size: 30 })
    t.same(plan.moves, [{ ptr: 20, newPtr: 60, size: 5, tag: 'b' }], 'the 5-byte block leaves [10, 40) for the free range at 60')
    t.equal(plan.bytesMoved, 5)
    t.same(plan.after, { largestFree: 30, freeRanges: 2, fragmentation: 1 - 30 / 35, sawicki: 1 - Math.sqrt(30 * 30 + 5 * 5) / 35 })
    t.same(heap.planDefrag({ goal: 'hole', size: 15 }).moves, [], 'a free range that already holds it: an empty plan')
    t.same(heap.planDefrag({ goal: 'hole', size: 8, align: 8 }).moves, [], '8 bytes at a multiple of 8: [32, 40) is free')
    const full = t.throws(() => heap.planDefrag({ goal: 'hole', size: 36 })) as unknown as OutOfMemoryError
    t.ok(full instanceof OutOfMemoryError && full.reason === 'full', 'more than the free bytes: out of memory, full')
    const limited = t.throws(() => heap.planDefrag({ goal: 'hole', size: 30, maxBytes: 4 })) as unknown as OutOfMemoryError
    t.ok(limited instanceof OutOfMemoryError && limited.reason === 'fragmented', 'no plan within the limits: out of memory, fragmented')
    t.throws(() => heap.planDefrag({ goal: 'hole', size: 30, maxMoves: 0 }), OutOfMemoryError)
  })

  t.test(`${strategy}: compact`, async t => {
    const heap = layout(strategy)
    const plan = heap.planDefrag()
    t.equal(plan.goal, 'compact')
    t.ok(plan.moves.length > 0 && plan.after.largestFree > plan.before.largestFree, 'wins a larger free range')
    t.ok(plan.moves.every(move => move.newPtr < move.ptr), 'every move goes down')
    t.same(heap.planDefrag({ maxMoves: 0 }).moves, [], 'no moves allowed: an empty plan')
    t.same(heap.planDefrag({ maxBytes: 4 }).moves, [], 'no block of 4 bytes or less: an empty plan')
    const packed = createAllocator({ size: 64, strategy })
    packed.alloc(64)
    t.same(packed.planDefrag(), { goal: 'compact', moves: [], bytesMoved: 0, before: { largestFree: 0, freeRanges: 0, fragmentation: 0, sawicki: 0 }, after: { largestFree: 0, freeRanges: 0, fragmentation: 0, sawicki: 0 } }, 'a full heap: nothing to do')
  })

  t.test(`${strategy}: a reservation is neither a block nor free`, async t => {
    const heap = layout(strategy)
    const move: DefragMove = { ptr: 20, newPtr: 60, size: 5 }
    heap.reserve([move])
    heap.check()
    t.same([...heap.segments(55)].slice(0, 3), [
      { offset: 40, size: 20, state: 'used' },
      { offset: 60, size: 5, state: 'reserved' },
      { offset: 65, size: 5, state: 'free' }
    ])
    t.notOk([...heap.blocks()].some(block => block.ptr === 60), 'not in blocks()')
    t.equal(heap.block(60), undefined)
    t.equal(heap.sizeOf(60), undefined)
    const stats = heap.stats()
    t.equal(stats.free, 30, 'its bytes are not free')
    t.equal(stats.used, 70, 'they count as used')
    t.equal(stats.liveBlocks, 4, 'but it is no live block')
    t.match(t.throws(() => heap.free(60)), { reason: 'free' }, 'free() of it: no block there')
    t.throws(() => heap.free(60), InvalidPointerError)
    t.throws(() => heap.allocAt(62, 1), InvalidArgumentError, 'allocAt cannot take it')
    t.throws(() => heap.reserve([{ ptr: 0, newPtr: 60, size: 10 }]), InvalidArgumentError, 'nor another reserve')
    const taken: number[] = []
    for (;;) {
      try {
        taken.push(heap.alloc(1))
      } catch (error) {
        t.ok(error instanceof OutOfMemoryError, 'until the free bytes run out')
        break
      }
    }
    t.equal(taken.length, 30, 'alloc takes every free byte')
    t.notOk(taken.some(ptr => ptr >= 60 && ptr < 65), 'and none of the reservation')
    heap.check()
  })

  t.test(`${strategy}: reserve refuses bad moves and changes nothing`, async t => {
    const heap = layout(strategy)
    const before = state(heap)
    const refusals: Array<[string, unknown]> = [
      ['not an array', { ptr: 20 }],
      ['a move that is no object', [7]],
      ['a fractional ptr', [{ ptr: 20.5, newPtr: 60, size: 5 }]],
      ['a size of 0', [{ ptr: 20, newPtr: 60, size: 0 }]],
      ['a source that is no block', [{ ptr: 21, newPtr: 60, size: 5 }]],
      ['a size that is not the block', [{ ptr: 20, newPtr: 60, size: 4 }]],
      ['a destination on a block', [{ ptr: 20, newPtr: 55, size: 5 }]],
      ['a destination across a free range\'s end', [{ ptr: 20, newPtr: 67, size: 5 }]],
      ['a destination outside the heap', [{ ptr: 20, newPtr: 100, size: 5 }]],
      ['a negative destination', [{ ptr: 20, newPtr: -5, size: 5 }]],
      ['a destination off the block\'s alignment', [{ ptr: 0, newPtr: 25, size: 10 }]],
      ['overlapping destinations', [{ ptr: 20, newPtr: 60, size: 5 }, { ptr: 0, newPtr: 62, size: 10 }]],
      ['a block moved twice', [{ ptr: 20, newPtr: 60, size: 5 }, { ptr: 20, newPtr: 10, size: 5 }]],
      ['one good move and one bad', [{ ptr: 20, newPtr: 60, size: 5 }, { ptr: 0, newPtr: 41, size: 10 }]]
    ]
    for (const [what, moves] of refusals) {
      t.throws(() => heap.reserve(moves as DefragMove[]), InvalidArgumentError, what)
      t.equal(state(heap), before, `${what}: nothing changed`)
    }
  })

  t.test(`${strategy}: commitMoves moves blocks with their tags and alignments; skipped moves are released`, async t => {
    const heap = layout(strategy)
    const moves: DefragMove[] = [{ ptr: 0, newPtr: 26, size: 10, align: 2, tag: 'a' }, { ptr: 20, newPtr: 60, size: 5, tag: 'b' }]
    heap.reserve(moves)
    const counters = { allocs: heap.stats().allocs, frees: heap.stats().frees }
    heap.commitMoves(moves, new Set([20]))
    heap.check()
    t.same(heap.block(26), { ptr: 26, size: 10, align: 2, tag: 'a' }, 'the block and its metadata at the new ptr')
    t.equal(heap.block(0), undefined, 'the old ptr is free')
    t.same(heap.block(20), { ptr: 20, size: 5, tag: 'b' }, 'the skipped block stays')
    t.notOk([...heap.segments()].some(segment => segment.state === 'reserved'), 'no reservation is left')
    t.same([...heap.freeRanges()].slice(0, 2), [{ offset: 0, size: 20 }, { offset: 25, size: 1 }], 'the source merged with its free neighbour')
    t.same({ allocs: heap.stats().allocs, frees: heap.stats().frees }, counters, 'a move is no alloc and no free')
  })

  t.test(`${strategy}: commitMoves refuses and changes nothing`, async t => {
    const heap = layout(strategy)
    const moves: DefragMove[] = [{ ptr: 0, newPtr: 26, size: 10 }, { ptr: 20, newPtr: 60, size: 5 }]
    heap.reserve(moves)
    const before = state(heap)
    t.throws(() => heap.commitMoves([{ ptr: 0, newPtr: 28, size: 10 }]), InvalidArgumentError, 'a destination that is not the reservation')
    t.throws(() => heap.commitMoves([{ ptr: 0, newPtr: 26, size: 8 }]), InvalidArgumentError, 'a size that is not the reservation')
    t.throws(() => heap.commitMoves([{ ptr: 40, newPtr: 60, size: 5 }]), InvalidArgumentError, 'a source that is not the block')
    t.throws(() => heap.commitMoves([moves[0]!, { ...moves[0]!, ptr: 20 }]), InvalidArgumentError, 'two moves into one reservation')
    t.throws(() => heap.commitMoves(moves, new Set([40])), InvalidArgumentError, 'skipping a ptr no move has')
    t.throws(() => heap.commitMoves(moves, [20] as never), InvalidArgumentError, 'skipped that is no Set')
    t.equal(state(heap), before, 'nothing changed')
    heap.free(20)
    const freed = state(heap)
    t.throws(() => heap.commitMoves(moves), InvalidArgumentError, 'a source freed meanwhile')
    t.equal(state(heap), freed, 'nothing changed')
    heap.alloc(5, undefined, 'b')
    heap.commitMoves(moves, new Set([20]))
    t.throws(() => heap.commitMoves(moves), InvalidArgumentError, 'a second commit finds no reservation')
    heap.check()
  })

  t.test(`${strategy}: releaseReservations gives the destinations back`, async t => {
    const heap = layout(strategy)
    const original = JSON.stringify([...heap.segments()])
    const moves: DefragMove[] = [{ ptr: 0, newPtr: 26, size: 10 }, { ptr: 20, newPtr: 60, size: 5 }]
    heap.reserve(moves)
    const reserved = state(heap)
    t.throws(() => heap.releaseReservations([...moves, { ptr: 40, newPtr: 10, size: 2 }]), InvalidArgumentError, 'one that is not reserved')
    t.equal(state(heap), reserved, 'nothing changed')
    heap.releaseReservations(moves)
    heap.check()
    t.equal(JSON.stringify([...heap.segments()]), original, 'the layout is back')
    t.throws(() => heap.releaseReservations(moves), InvalidArgumentError, 'twice: nothing to release')
  })

  t.test(`${strategy}: snapshots carry reservations`, async t => {
    const heap = layout(strategy)
    t.equal(heap.snapshot().reservations, undefined, 'none: no field')
    const moves: DefragMove[] = [{ ptr: 0, newPtr: 26, size: 10 }, { ptr: 20, newPtr: 60, size: 5 }]
    heap.reserve(moves)
    const snapshot = heap.snapshot()
    t.same(snapshot.reservations, [{ offset: 26, size: 10 }, { offset: 60, size: 5 }])
    const copy = restoreAllocator(JSON.parse(JSON.stringify(snapshot)))
    copy.check()
    t.same([...copy.segments()], [...heap.segments()], 'the same segments')
    t.same(copy.stats(), heap.stats(), 'the same stats')
    for (const size of [3, 1, 7, 2, 1, 4]) {
      let mine: number | string
      let theirs: number | string
      try { mine = heap.alloc(size) } catch { mine = 'refused' }
      try { theirs = copy.alloc(size) } catch { theirs = 'refused' }
      t.equal(theirs, mine, `the same placement for ${size} bytes`)
    }
    copy.commitMoves(moves)
    copy.check()
    t.equal(copy.block(26)?.size, 10, 'and the plan commits in the copy')
    const bad = { ...snapshot, reservations: [{ offset: 0, size: 5 }] }
    t.throws(() => restoreAllocator(bad), InvalidArgumentError, 'a reservation over a block')
    t.throws(() => restoreAllocator({ ...snapshot, reservations: [{ offset: 60, size: 5 }, { offset: 26, size: 10 }] }), InvalidArgumentError, 'reservations out of order')
    t.throws(() => restoreAllocator({ ...snapshot, reservations: 'none' as never }), InvalidArgumentError, 'reservations that are no array')
  })

  t.test(`${strategy}: atomically undoes reserve, commit, release and reset`, async t => {
    const heap = layout(strategy)
    const moves: DefragMove[] = [{ ptr: 0, newPtr: 26, size: 10, align: 2, tag: 'a' }, { ptr: 20, newPtr: 60, size: 5, tag: 'b' }]
    const rollBack = (fn: () => void): void => {
      t.throws(() => heap.atomically(() => { fn(); throw ROLLBACK }), ROLLBACK)
      heap.check()
    }
    const plain = state(heap)
    rollBack(() => heap.reserve(moves))
    t.equal(state(heap), plain, 'reserve undone')
    heap.reserve(moves)
    const reserved = state(heap)
    rollBack(() => heap.commitMoves(moves, new Set([20])))
    t.equal(state(heap), reserved, 'commit undone: blocks, tags and reservations back')
    rollBack(() => heap.releaseReservations(moves))
    t.equal(state(heap), reserved, 'release undone')
    rollBack(() => heap.reset())
    t.equal(state(heap), reserved, 'reset undone, reservations included')
    rollBack(() => {
      heap.commitMoves(moves)
      heap.free(26)
      heap.alloc(30)
    })
    t.equal(state(heap), reserved, 'a commit followed by other changes, undone')
    heap.reset()
    heap.check()
    t.notOk([...heap.segments()].some(segment => segment.state === 'reserved'), 'reset clears reservations')
    t.same(heap.freeRanges().next().value, { offset: 0, size: 100 })
  })
}

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: plans on a heap of 2^53 - 1 bytes`, async t => {
    const heap = createAllocator({ size: Number.MAX_SAFE_INTEGER, strategy, alignment: 8 })
    const big = 2 ** 48
    const ptrs = [big, 3, big, 2 ** 40, big, 17, big].map((size, i) => heap.alloc(size, i % 2 === 0 ? 4096 : undefined, `b${i}`))
    const tail = [...heap.freeRanges()].at(-1)!
    heap.allocAt(tail.offset, tail.size)
    heap.free(ptrs[0]!)
    heap.free(ptrs[2]!)
    heap.free(ptrs[4]!)
    for (const options of [{}, { goal: 'hole' as const, size: 3 * big, align: 2 ** 20 }]) {
      const copy = restoreAllocator(heap.snapshot())
      const plan = copy.planDefrag(options)
      t.ok(plan.moves.length > 0, `${options.goal ?? 'compact'} moves blocks`)
      copy.reserve(plan.moves)
      copy.commitMoves(plan.moves)
      copy.check()
      const { largestFree, freeRanges, fragmentation, sawicki } = copy.stats()
      t.same({ largestFree, freeRanges, fragmentation }, { largestFree: plan.after.largestFree, freeRanges: plan.after.freeRanges, fragmentation: plan.after.fragmentation }, 'after is exact')
      t.ok(Math.abs(sawicki - plan.after.sawicki) < 1e-12, 'sawicki to rounding')
      t.ok(plan.moves.every(move => copy.block(move.newPtr)?.tag === move.tag && move.newPtr % 8 === 0), 'blocks moved with their tags, aligned')
    }
  })
}
