/**
 * Bulk work in a SQLite store is bounded per change: a reset or a delete of a heap of many blocks
 * writes a few rows, and the rows it leaves go in slices of at most SLICE_ROWS (cleanup.ts) between
 * requests, while the heap already reads as reset or deleted, across a restart too.
 */
import t from 'tap'
import { HeapNotFoundError } from '../../src/registry/index.js'
import { SLICE_ROWS } from '../../src/registry/store/sqlite/cleanup.js'
import { observable, open, rows, tempFile } from './helpers.js'

const BLOCKS = 20_000

for (const strategy of ['first-fit', 'tlsf'] as const) {
  t.test(`${strategy}: a reset and a delete of ${BLOCKS} blocks write a few rows; the cleanup deletes the rest in bounded slices`, async (t) => {
    const file = tempFile(t)
    const first = open(t, file)
    const reset = first.registry.create({ size: 1 << 30, strategy })
    const deleted = first.registry.create({ size: 1 << 30, strategy })
    for (const heap of [reset, deleted]) {
      for (let i = 0; i < BLOCKS / 1000; i++) heap.batch(Array.from({ length: 1000 }, (_, j) => ({ op: 'alloc' as const, size: 8 + (j % 5), tag: `t${j}` })), false)
    }
    first.store.cleanUp()
    const changes = () => rows(first.store, 'SELECT total_changes()')

    let before = changes()
    reset.reset()
    t.ok(changes() - before <= 5, `the reset wrote ${changes() - before} rows`)
    before = changes()
    first.registry.delete(deleted.id)
    t.ok(changes() - before <= 5, `the delete wrote ${changes() - before} rows`)
    t.ok(rows(first.store, 'SELECT count(*) FROM blocks') >= 2 * BLOCKS, 'the old rows are still there')
    reset.alloc(100, undefined, 'after the reset')
    const expected = observable(reset)
    first.stop()

    // A restart before the cleanup: the rows left behind are not the heaps' blocks.
    const second = open(t, file)
    t.same(observable(second.registry.get(reset.id)), expected, 'the reset heap holds only what came after the reset')
    t.throws(() => second.registry.get(deleted.id), HeapNotFoundError)
    let slices = 0
    for (;;) {
      const start = rows(second.store, 'SELECT total_changes()')
      const more = second.store.cleanUp(1)
      const deletedRows = rows(second.store, 'SELECT total_changes()') - start
      t.ok(deletedRows <= SLICE_ROWS + 1, `slice ${slices} deleted ${deletedRows} rows`)
      slices++
      if (!more) break
    }
    t.ok(slices >= (2 * BLOCKS) / SLICE_ROWS, `${slices} slices`)
    t.equal(rows(second.store, 'SELECT count(*) FROM blocks'), 1, 'only the live block is left')
    t.equal(rows(second.store, 'SELECT count(*) FROM obsolete'), 0)
    t.same(observable(second.registry.get(reset.id)), expected)
  })
}
