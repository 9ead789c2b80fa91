import t from 'tap'
import { createAllocator } from '../../src/allocator/index.js'
import { InvalidPointerError, OutOfMemoryError } from '../../src/allocator/errors.js'
import {
  BatchOpError, decodeCursor, encodeCursor, HeapNotFoundError, QuotaExceededError, Registry,
  type Change, type Heap, type RegistryLimits
} from '../../src/registry/index.js'

const LIMITS: RegistryLimits = { maxHeaps: 100, maxHeapSize: Number.MAX_SAFE_INTEGER, maxBlocksPerHeap: 1000 }

/** A change as recorded by the tests: without the HeapState it carries (functions). */
type Recorded = Change extends unknown ? (Change extends infer C ? C extends unknown ? Omit<C, 'state'> : never : never) : never

function registry (limits: Partial<RegistryLimits> = {}, changes?: Recorded[]): Registry {
  return new Registry({
    limits: { ...LIMITS, ...limits },
    ...(changes !== undefined ? { events: { changed: (change) => { changes.push(recorded(change)) } } } : {})
  })
}

function recorded (change: Change): Recorded {
  if (!('state' in change)) return change
  const { state: _state, ...rest } = change
  return rest
}

/** The error `fn` throws (tap's t.throws types its pattern too narrowly for custom fields). */
function caught (fn: () => unknown): unknown {
  try { fn() } catch (error) { return error }
  throw new Error('expected an error')
}

/** Everything observable about a heap, to compare before and after. */
function snapshot (heap: Heap) {
  return { stats: heap.stats(), layout: heap.segments(0, 1_000_000).items, blocks: heap.blocks(0, 1_000_000).items }
}

t.test('heap IDs carry 128 random bits in base64url and never repeat', async (t) => {
  const r = registry({ maxHeaps: 1000 })
  const ids = new Set<string>()
  for (let i = 0; i < 500; i++) {
    const { id } = r.create({ size: 10 })
    t.match(id, /^[A-Za-z0-9_-]{22}$/)
    t.equal(Buffer.from(id, 'base64url').length, 16)
    ids.add(id)
  }
  t.equal(ids.size, 500)
})

t.test('heaps are independent', async (t) => {
  const r = registry()
  const a = r.create({ size: 100 })
  const b = r.create({ size: 100, strategy: 'tlsf', alignment: 8, name: 'b' })
  t.equal(a.alloc(60).ptr, 0)
  t.equal(b.alloc(60).ptr, 0, 'b is untouched by a')
  t.equal(a.stats().used, 60)
  t.same(b.describe(), { id: b.id, size: 100, strategy: 'tlsf', alignment: 8, name: 'b', createdAt: b.createdAt })
  r.delete(a.id)
  t.throws(() => r.get(a.id), HeapNotFoundError)
  t.throws(() => r.delete(a.id), HeapNotFoundError)
  t.equal(r.get(b.id), b)
  t.equal(r.count, 1)
})

t.test('list pages in creation order and its cursor survives deletes', async (t) => {
  const r = registry()
  const heaps = Array.from({ length: 7 }, () => r.create({ size: 10 }))
  const first = r.list(0, 3)
  t.same(first.items.map((h) => h.id), heaps.slice(0, 3).map((h) => h.id))
  t.equal(first.next, heaps[3]!.seq)
  // The heap the cursor points at and one before it disappear between pages.
  r.delete(heaps[3]!.id)
  r.delete(heaps[1]!.id)
  const second = r.list(first.next!, 3)
  t.same(second.items.map((h) => h.id), [heaps[4], heaps[5], heaps[6]].map((h) => h!.id))
  t.equal(second.next, null)
  t.same(r.list(0, 100).items.length, 5)
  t.same(r.list(10_000, 10), { items: [], next: null })
})

t.test('list stays correct across compactions of deleted heaps', async (t) => {
  const r = registry({ maxHeaps: 1000 })
  const heaps = Array.from({ length: 300 }, () => r.create({ size: 10 }))
  heaps.forEach((heap, i) => { if (i % 3 !== 0) r.delete(heap.id) })
  const seen: string[] = []
  for (let from: number | null = 0; from !== null;) {
    const page = r.list(from, 7)
    seen.push(...page.items.map((h) => h.id))
    from = page.next
  }
  t.same(seen, heaps.filter((_, i) => i % 3 === 0).map((h) => h.id))
})

t.test('limits answer QuotaExceededError naming the limit', async (t) => {
  const r = registry({ maxHeaps: 2, maxHeapSize: 1000, maxBlocksPerHeap: 2 })
  t.match(caught(() => r.create({ size: 1001 })), { limit: 'maxHeapSize', value: 1000 })
  const heap = r.create({ size: 1000 })
  r.create({ size: 10 })
  t.throws(() => r.create({ size: 10 }), new QuotaExceededError('maxHeaps', 2, '2 heaps exist already'))
  heap.alloc(1)
  heap.alloc(1)
  t.match(caught(() => heap.alloc(1)), { limit: 'maxBlocksPerHeap', value: 2 })
  heap.free(0)
  t.equal(heap.alloc(1).ptr, 0, 'freeing makes room again')
})

t.test('tags and requested alignments follow their blocks', async (t) => {
  const r = registry()
  const heap = r.create({ size: 1000 })
  const a = heap.alloc(10, 8, 'a')
  t.same(a, { ptr: 0, size: 10, align: 8, tag: 'a' })
  heap.alloc(10, undefined, 'wall')
  const moved = heap.realloc(0, 500)
  t.ok(moved.moved)
  t.same(heap.block(moved.ptr), { ptr: moved.ptr, size: 500, align: 8, tag: 'a' })
  t.same(heap.alloc(5), { ptr: 0, size: 5 }, 'the old place has no tag left')
  t.same(heap.free(moved.ptr), { ptr: moved.ptr, size: 500, align: 8, tag: 'a' })
  heap.reset()
  t.same(heap.alloc(10), { ptr: 0, size: 10 }, 'reset clears tags')
  t.same(heap.segments(0, 10).items, [{ offset: 0, size: 10, state: 'used', ptr: 0 }, { offset: 10, size: 990, state: 'free' }])
})

t.test('block() says why a pointer is not a block', async (t) => {
  const heap = registry().create({ size: 100 })
  heap.alloc(10)
  t.throws(() => heap.block(100), new InvalidPointerError(100, 'out-of-bounds'))
  t.throws(() => heap.block(5), new InvalidPointerError(5, 'interior', 0))
  t.throws(() => heap.block(50), new InvalidPointerError(50, 'free'))
  t.match(caught(() => heap.free(50)), { reason: 'free' })
})

t.test('a non-atomic batch runs every op and reports each', async (t) => {
  const heap = registry().create({ size: 100 })
  const results = heap.batch([
    { op: 'alloc', size: 40, tag: 'x' },
    { op: 'alloc', size: 100 },
    { op: 'free', ptr: 0 },
    { op: 'free', ptr: 0 },
    { op: 'alloc', size: 30 },
    { op: 'realloc', ptr: 0, size: 35 }
  ], false)
  t.match(results, [
    { ok: true, op: 'alloc', ptr: 0, size: 40, tag: 'x' },
    { ok: false, op: 'alloc' },
    { ok: true, op: 'free', ptr: 0, size: 40, tag: 'x' },
    { ok: false, op: 'free' },
    { ok: true, op: 'alloc', ptr: 0, size: 30 },
    { ok: true, op: 'realloc', ptr: 0, size: 35, moved: false }
  ])
  t.type(results[1]!.ok === false && results[1]!.error, OutOfMemoryError)
  t.equal(heap.stats().used, 35)
})

t.test('an atomic batch that fails leaves the heap exactly as before, tags included', async (t) => {
  const heap = registry({ maxBlocksPerHeap: 5 }).create({ size: 1000 })
  heap.alloc(100, undefined, 'keep')
  const moveMe = heap.alloc(100, 16, 'move-me').ptr
  for (const [ops, index, code] of [
    [[{ op: 'free', ptr: 0 }, { op: 'alloc', size: 50, tag: 'new' }, { op: 'realloc', ptr: moveMe, size: 700 }, { op: 'alloc', size: 900 }], 3, 'OUT_OF_MEMORY'],
    [[{ op: 'alloc', size: 1 }, { op: 'alloc', size: 1 }, { op: 'alloc', size: 1 }, { op: 'alloc', size: 1 }], 3, 'QUOTA_EXCEEDED'],
    [[{ op: 'realloc', ptr: moveMe, size: 300 }, { op: 'free', ptr: moveMe }, { op: 'free', ptr: moveMe }], 2, 'INVALID_POINTER']
  ] as const) {
    const before = snapshot(heap)
    const error = t.throws(() => heap.batch(ops, true)) as BatchOpError
    t.type(error, BatchOpError)
    t.equal(error.index, index)
    t.equal((error.cause as unknown as { code: string }).code, code)
    t.same(snapshot(heap), before)
    const probe = heap.alloc(1).ptr // the allocator is usable after the rollback
    heap.free(probe)
    t.same(snapshot(heap).layout, before.layout)
  }
  t.same(heap.batch([{ op: 'free', ptr: 0 }, { op: 'alloc', size: 10, tag: 'n' }], true).map((r) => r.ok), [true, true])
  t.equal(heap.block(0).tag, 'n')
})

t.test('every change is announced with what it takes to replay it', async (t) => {
  const changes: Recorded[] = []
  const r = registry({}, changes)
  const heap = r.create({ size: 1000, alignment: 4, name: 'j' })
  heap.alloc(10, 32, 't')
  heap.alloc(20)
  heap.realloc(0, 200)
  heap.free(32)
  heap.batch([{ op: 'alloc', size: 5 }, { op: 'free', ptr: 999 }, { op: 'alloc', size: 7, tag: 'u' }], false)
  t.throws(() => heap.batch([{ op: 'alloc', size: 5 }, { op: 'alloc', size: 5000 }], true))
  t.throws(() => heap.alloc(5000))
  t.throws(() => heap.alloc(999), OutOfMemoryError)
  t.same(changes[0], { kind: 'heap-created', heap: heap.describe(), seq: heap.seq })
  t.same(changes[6], { kind: 'rolled-back', heapId: heap.id, mutations: [{ op: 'alloc', ptr: 40, size: 5 }] },
    'a failed atomic batch announces the ops it undid')
  t.same(changes.slice(7), [{ kind: 'counted', heapId: heap.id }],
    'of the refused single ops, only the out-of-memory one is announced: it changed failedAllocs')
  t.equal(heap.stats().failedAllocs, 1, 'a refused alloc is counted while listeners are attached')

  // Replaying the announced mutations with allocAt rebuilds the identical layout.
  const replica = createAllocator({ size: 1000, alignment: 4 })
  for (const change of changes) {
    if (change.kind !== 'mutations') continue
    for (const m of change.mutations) {
      if (m.op === 'alloc') replica.allocAt(m.ptr, m.size)
      else if (m.op === 'free') replica.free(m.ptr)
      else { replica.free(m.from); replica.allocAt(m.ptr, m.size) }
    }
  }
  t.same([...replica.segments()], heap.segments(0, 1000).items.map(({ offset, size, state }) => ({ offset, size, state })))

  heap.reset()
  r.delete(heap.id)
  t.same(changes.slice(-2), [{ kind: 'heap-reset', heapId: heap.id }, { kind: 'heap-deleted', heapId: heap.id }])
})

t.test('a change carries the heap as the change left it (a reset: as it was just before); a rolled-back batch is announced after the undo', async (t) => {
  const seen: Array<[string, number, number]> = []
  const r = new Registry({
    limits: LIMITS,
    events: { changed: (change) => { if ('state' in change) seen.push([change.kind, change.state.stats().liveBlocks, change.state.snapshot().blocks.length]) } }
  })
  const heap = r.create({ size: 100, strategy: 'tlsf' })
  heap.alloc(10, undefined, 'a')
  t.throws(() => heap.batch([{ op: 'alloc', size: 5 }, { op: 'alloc', size: 500 }], true))
  heap.reset()
  t.same(seen, [['heap-created', 0, 0], ['mutations', 1, 1], ['rolled-back', 1, 1], ['heap-reset', 1, 1]])
  t.equal(heap.liveBlocks, 0)
})

t.test('a failing listener rolls the change back', async (t) => {
  let fail = false
  const r = new Registry({
    limits: LIMITS,
    events: { changed: () => { if (fail) throw new Error('journal is down') } }
  })
  const heap = r.create({ size: 100 })
  heap.alloc(10, undefined, 'a')
  const before = snapshot(heap)
  fail = true
  t.throws(() => heap.alloc(10, undefined, 'b'), /journal is down/)
  t.throws(() => heap.free(0), /journal is down/)
  t.throws(() => heap.realloc(0, 50), /journal is down/)
  t.throws(() => heap.reset(), /journal is down/)
  t.throws(() => heap.batch([{ op: 'alloc', size: 1 }], false), /journal is down/)
  t.throws(() => r.create({ size: 10 }), /journal is down/)
  t.same(snapshot(heap), before)
  t.equal(r.count, 1)
})

t.test('cursors round-trip and reject what this service did not issue', async (t) => {
  for (const n of [0, 1, 4096, Number.MAX_SAFE_INTEGER]) t.equal(decodeCursor(encodeCursor(n)), n)
  for (const bad of ['', 'zzz', '!!', encodeCursor(0) + '=', Buffer.from('-1').toString('base64url'), Buffer.from('1e3').toString('base64url'),
    Buffer.from('9007199254740993').toString('base64url'), Buffer.from('007').toString('base64url')]) {
    t.equal(decodeCursor(bad), undefined, bad)
  }
})

t.test('maxBlocksPerTenant: a tenant\'s heaps share its quota of live blocks, beside the service\'s total', async (t) => {
  const r = registry({ maxBlocksTotal: 11, maxBlocksPerTenant: 4 })
  const a1 = r.create({ size: 100, tenant: 'a' })
  const a2 = r.create({ size: 100, tenant: 'a' })
  const b = r.create({ size: 100, tenant: 'b' })
  const open = r.create({ size: 100 })
  a1.alloc(1)
  a1.alloc(1)
  a2.alloc(1)
  a2.alloc(1)
  const refused = caught(() => a2.alloc(1))
  t.type(refused, QuotaExceededError)
  t.match(refused, { limit: 'maxBlocksPerTenant', value: 4, message: /tenant a already holds 4 live blocks/ })
  const atomic = caught(() => a1.batch([{ op: 'free', ptr: 0 }, { op: 'alloc', size: 1 }, { op: 'alloc', size: 1 }], true)) as BatchOpError
  t.match(atomic, { index: 2, cause: { limit: 'maxBlocksPerTenant' } }, 'a batch counts its own allocs and frees')
  t.match(a1.batch([{ op: 'alloc', size: 1 }, { op: 'free', ptr: 0 }, { op: 'alloc', size: 1 }], false).map((result) => result.ok), [false, true, true])
  for (let i = 0; i < 4; i++) b.alloc(1)
  t.match(caught(() => b.alloc(1)), { limit: 'maxBlocksPerTenant' }, 'every tenant has a quota of its own')
  open.alloc(1)
  open.alloc(1)
  open.alloc(1)
  t.match(caught(() => open.alloc(1)), { limit: 'maxBlocksTotal', value: 11 }, 'heaps without a tenant count only in the total')
  open.free(0)
  a2.reset()
  a1.alloc(1)
  t.equal(r.liveBlocks, 9)
  r.delete(a1.id, 'a')
  t.equal(r.liveBlocks, 6)
  for (let i = 0; i < 4; i++) a2.alloc(1)
  t.match(caught(() => a2.alloc(1)), { limit: 'maxBlocksPerTenant' }, 'a reset and a delete give the tenant its blocks back')
})
