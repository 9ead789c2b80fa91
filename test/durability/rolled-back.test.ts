/**
 * Refused atomic batches in a SQLite store: an undone batch writes nothing that outlives the next
 * snapshot, so the file and the restart follow the live blocks, not the number or size of the
 * refused requests; and a restart still gives the later pointers of the heap that never stopped
 * (the undo may reorder tlsf free lists, and that order is kept).
 */
import t from 'tap'
import { SNAPSHOT_SLACK } from '../../src/registry/store/sqlite/snapshots.js'
import { fileBytes, nextPointers, observable, open, rows, tempFile } from './helpers.js'

/** `count` allocs of 1 byte, then a free of the heap's last byte, which is no block: refused at its last op. */
function doomed (count: number) {
  return [...Array.from({ length: count }, () => ({ op: 'alloc' as const, size: 1 })), { op: 'free' as const, ptr: (1 << 20) - 1 }]
}

t.test('big refused batches on an empty heap write nothing at all', async (t) => {
  const session = open(t, tempFile(t))
  const heap = session.registry.create({ size: 1 << 20, strategy: 'tlsf' })
  const before = rows(session.store, 'SELECT total_changes()')
  for (let i = 0; i < 50; i++) t.throws(() => heap.batch(doomed(2000), true))
  t.equal(rows(session.store, 'SELECT total_changes()'), before, 'not a row written')
  t.equal(heap.stats().liveBlocks, 0)
})

t.test('refused batches larger than the heap: the file stays the size of the live blocks, and a restart answers as the heap that never stopped', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1 << 20, strategy: 'tlsf' })
  for (let i = 0; i < 20; i++) heap.alloc(16 + i * 8)
  for (let i = 0; i < 20; i += 3) heap.free(heap.blocks(0, 100).items[i % heap.liveBlocks]!.ptr)
  const small = fileBytes(first.store)
  for (let i = 0; i < 300; i++) {
    t.throws(() => heap.batch(doomed(2000), true))
    // A change now and then, so that what the refusals wrote would have to be kept for replay.
    if (i % 10 === 0) heap.free(heap.alloc(40).ptr)
  }
  first.store.cleanUp()
  const journal = rows(first.store, 'SELECT count(*) FROM ops') + rows(first.store, "SELECT coalesce(sum(length(undone)), 0) FROM ops WHERE op = 'rolled-back'")
  t.ok(journal <= 2 * heap.liveBlocks + SNAPSHOT_SLACK, `the journal stays within 2 x live + slack (${journal})`)
  t.ok(fileBytes(first.store) < small + 64 * 1024, `the file stays small: ${fileBytes(first.store)} bytes, ${small} before the refusals`)
  first.stop()

  const second = open(t, file)
  t.match(second.report, { heaps: 1, fellBack: [] })
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap))
  t.same(nextPointers(restored, 300, 5), nextPointers(heap, 300, 5), 'the same later pointers')
})

t.test('refused batches smaller than the heap are journaled, cut by snapshots like any change', async (t) => {
  const file = tempFile(t)
  const first = open(t, file, { snapshotSlack: 16 })
  const heap = first.registry.create({ size: 1 << 20, strategy: 'tlsf' })
  for (let i = 0; i < 64; i++) heap.alloc(8 + (i % 7) * 16)
  for (let i = 0; i < 64; i += 2) heap.free(heap.blocks(0, 100).items[i / 2]!.ptr)
  let most = 0
  for (let i = 0; i < 400; i++) {
    const live = heap.blocks(0, 100).items
    t.throws(() => heap.batch([{ op: 'free', ptr: live[i % live.length]!.ptr }, { op: 'alloc', size: 5 }, { op: 'free', ptr: 1 }], true))
    first.store.cleanUp()
    most = Math.max(most, rows(first.store, 'SELECT count(*) FROM ops'))
  }
  t.ok(most <= 2 * heap.liveBlocks + 16 + 2, `op rows at most 2 x live + slack: ${most}`)
  first.stop()

  const second = open(t, file, { snapshotSlack: 16 })
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap))
  t.same(nextPointers(restored, 300, 9), nextPointers(heap, 300, 9), 'the same later pointers')
})
