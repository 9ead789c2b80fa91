/** Recording heaps in the SQLite store: a recording comes back exactly after a restart, and goes on as if none happened. */
import t from 'tap'
import { Registry, type Heap } from '../../src/registry/index.js'
import { SqliteStore } from '../../src/registry/store/sqlite/store.js'
import { StoreDamagedError } from '../../src/registry/store/errors.js'
import { dbOf, LIMITS, open, rows, tempFile } from './helpers.js'

/** The same requests on any heap: every kind of change a recording keeps, and some it must not. */
function workload (heap: Heap, round: number): void {
  const a = heap.alloc(100 + round).ptr
  const b = heap.alloc(40, 64).ptr
  heap.realloc(a, 50)
  heap.realloc(b, 4000)
  heap.batch([{ op: 'alloc', size: 30 }, { op: 'free', ptr: 999_999 }, { op: 'alloc', size: 20 }], false)
  t.throws(() => heap.batch([{ op: 'alloc', size: 10 }, { op: 'free', ptr: 999_999 }], true), 'a refused atomic batch')
  heap.free(a)
}

function traceOf (heap: Heap) {
  return { ops: [...heap.recording!.ops()], complete: heap.recording!.complete }
}

t.test('a recording survives a restart exactly, and goes on with the right ids', async (t) => {
  const file = tempFile(t)
  const reference = new Registry({ limits: LIMITS })
  const expected = reference.create({ size: 1 << 20, strategy: 'tlsf', record: true })
  const first = open(t, file)
  const heap = first.registry.create({ size: 1 << 20, strategy: 'tlsf', record: true })
  const plain = first.registry.create({ size: 1000 })
  plain.alloc(10)
  for (const h of [expected, heap]) {
    workload(h, 0)
    h.reset()
    workload(h, 1)
  }
  t.same(traceOf(heap), traceOf(expected))
  first.stop()

  const second = open(t, file)
  const restored = second.registry.get(heap.id)
  t.same(traceOf(restored), traceOf(expected), 'the same ops, ids and state after the restart')
  t.equal(second.registry.get(plain.id).recording, undefined, 'a heap that did not record still does not')
  workload(restored, 2)
  workload(expected, 2)
  t.same(traceOf(restored), traceOf(expected), 'later ops name the blocks by the ids they had before the restart')
  second.stop()

  const third = open(t, file)
  t.same(traceOf(third.registry.get(heap.id)), traceOf(expected), 'and again after a second restart')
})

t.test('blocks a defragmentation moved keep their ids across a restart', async (t) => {
  const file = tempFile(t)
  const reference = new Registry({ limits: LIMITS })
  const expected = reference.create({ size: 1000, strategy: 'tlsf', record: true })
  const first = open(t, file)
  const heap = first.registry.create({ size: 1000, strategy: 'tlsf', record: true })
  for (const h of [expected, heap]) {
    for (let i = 0; i < 5; i++) h.alloc(100)
    h.free(0)
    h.free(200)
    const plan = h.planDefrag({ goal: 'compact' })
    t.ok(plan.moves.length > 0, 'the plan moves blocks')
    h.commitDefrag(plan.id)
  }
  first.stop()

  const second = open(t, file)
  const restored = second.registry.get(heap.id)
  for (const h of [expected, restored]) {
    for (const { ptr } of h.blocks(0, 100).items) h.free(ptr)
  }
  t.same(traceOf(restored), traceOf(expected), 'the frees after the restart name the moved blocks by their ids')
  t.same(traceOf(restored).ops.slice(-3).map((op) => op.op), ['free', 'free', 'free'])
})

t.test('a recording stopped at its limit stays stopped across a restart', async (t) => {
  const file = tempFile(t)
  const limits = { ...LIMITS, maxRecordedOps: 5 }
  const openWith = () => {
    const store = SqliteStore.open(file, { background: false })
    t.teardown(() => store.close())
    const registry = new Registry({ limits, events: store.events })
    registry.load(store.load())
    return { registry, store }
  }
  const first = openWith()
  const heap = first.registry.create({ size: 1000, record: true })
  for (let i = 0; i < 7; i++) heap.alloc(10)
  t.same({ ops: heap.recording!.length, complete: heap.recording!.complete }, { ops: 5, complete: false })
  heap.free(0)
  first.store.close()

  const second = openWith()
  const restored = second.registry.get(heap.id).recording!
  t.same({ ops: restored.length, complete: restored.complete }, { ops: 5, complete: false })
  t.same([...restored.ops()].map((op) => op.id), [0, 1, 2, 3, 4])
})

t.test('a deleted heap\'s history goes with the cleanup', async (t) => {
  const file = tempFile(t)
  const session = open(t, file)
  const heap = session.registry.create({ size: 1 << 20, record: true })
  heap.batch(Array.from({ length: 2500 }, () => ({ op: 'alloc' as const, size: 8 })), false)
  t.equal(rows(session.store, 'SELECT count(*) FROM recorded_ops'), 2500)
  session.registry.delete(heap.id)
  t.equal(rows(session.store, 'SELECT count(*) FROM recorded_ops'), 2500, 'the delete itself is O(1)')
  session.store.cleanUp()
  t.equal(rows(session.store, 'SELECT count(*) FROM recorded_ops'), 0)
})

t.test('a recording with a gap is damage, named as such', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1000, record: true })
  for (let i = 0; i < 4; i++) heap.alloc(10)
  dbOf(first.store).prepare('DELETE FROM recorded_ops WHERE seq = 2').run()
  first.stop()
  let failure: unknown
  try {
    open(t, file)
  } catch (error) {
    failure = error
  }
  t.ok(failure instanceof StoreDamagedError, 'StoreDamagedError')
  t.match((failure as Error).message, /recorded op 3 follows op 1: the recording has a gap/)
})
