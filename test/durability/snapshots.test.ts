/**
 * Snapshots of tlsf heaps in the store (src/registry/store/sqlite/snapshots.ts): a heap that never
 * empties keeps a bounded journal, restores from its snapshot plus the ops after it, and then
 * answers exactly as the heap that never stopped; files from before snapshots still restore.
 */
import Database from 'better-sqlite3'
import t from 'tap'
import type { SqliteStore } from '../../src/registry/store/sqlite/store.js'
import { SCHEMA_VERSION } from '../../src/registry/store/sqlite/schema.js'
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_SLACK, type EncodedSnapshot } from '../../src/registry/store/sqlite/snapshots.js'
import { Registry, type Heap } from '../../src/registry/index.js'
import { LIMITS, open, tempFile } from './helpers.js'

/** Rows in `table`; 'journal': the op rows after their heap's snapshot (the rows a restart replays). */
function count (store: SqliteStore, table: 'ops' | 'snapshots' | 'journal'): number {
  const db = (store as unknown as { db: Database.Database }).db
  const from = table === 'journal' ? 'ops LEFT JOIN snapshots USING (heap_id) WHERE ops.id > coalesce(snapshots.through_op, 0)' : table
  return (db.prepare(`SELECT count(*) AS n FROM ${from}`).get() as { n: number }).n
}

/** Rewrites a file of the current schema as version 3 wrote it: no generations, live counts or obsolete table. */
function toVersion3 (raw: Database.Database): void {
  raw.exec(`
    CREATE TABLE blocks_v3 (heap_id TEXT NOT NULL, ptr INTEGER NOT NULL, size INTEGER NOT NULL, align INTEGER, tag TEXT,
      PRIMARY KEY (heap_id, ptr)) WITHOUT ROWID;
    INSERT INTO blocks_v3 SELECT b.heap_id, b.ptr, b.size, b.align, b.tag FROM blocks b JOIN heaps h ON h.id = b.heap_id AND h.generation = b.generation;
    DROP TABLE blocks;
    ALTER TABLE blocks_v3 RENAME TO blocks;
    ALTER TABLE heaps DROP COLUMN live_blocks;
    ALTER TABLE heaps DROP COLUMN used;
    ALTER TABLE heaps DROP COLUMN generation;
    DROP TABLE obsolete;
  `)
  raw.pragma('user_version = 3')
}

/** Blocks in the one snapshot of the file (0 when there is none, or it is the empty heap). */
function snapshotBlocks (store: SqliteStore): number {
  const db = (store as unknown as { db: Database.Database }).db
  const row = db.prepare('SELECT blocks, free_order FROM snapshots').get() as EncodedSnapshot | undefined
  return row === undefined ? 0 : decodeSnapshot(row).blocks.length
}

function observable (heap: Heap) {
  return { stats: heap.stats(), layout: heap.segments(0, 1_000_000).items, blocks: heap.blocks(0, 1_000_000).items }
}

/** A seeded stream of allocs (some aligned, tagged), frees, reallocs and atomic batches that fail, keeping about `target` blocks live. */
/** The answers of `steps` steps of a driver on a heap (its live pointers in `live`, updated). */
function answersOf (step: ReturnType<typeof driver>, steps: number, heap: Heap, live: number[]): string[] {
  const answers: string[] = []
  for (let i = 0; i < steps; i++) answers.push(step(heap, live))
  return answers
}

function driver (seed: number, target: number) {
  let state = seed
  const next = (n: number) => { state = (state * 1103515245 + 12345) % 2 ** 31; return state % n }
  return (heap: Heap, live: number[]): string => {
    const r = next(20)
    try {
      if (live.length < 2 || (r < 9 && live.length < target + next(target / 4))) {
        const block = heap.alloc(1 + next(next(8) === 0 ? 2000 : 120), next(5) === 0 ? 64 : undefined, next(3) === 0 ? `t${next(100)}` : undefined)
        live.push(block.ptr)
        return `+${block.ptr}`
      }
      if (r < 16) { heap.free(live.splice(next(live.length), 1)[0]!); return 'freed' }
      if (r < 19) { const i = next(live.length); live[i] = heap.realloc(live[i]!, 1 + next(300)).ptr; return `~${live[i]}` }
      heap.batch([{ op: 'free', ptr: live[next(live.length)]! }, { op: 'alloc', size: 1 + next(50) }, { op: 'alloc', size: 1 << 30 }], true)
      return 'committed'
    } catch (error) {
      return (error as Error).name
    }
  }
}

t.test('a tlsf heap that never empties keeps a bounded journal and restores to the heap that never stopped', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1 << 20, strategy: 'tlsf', alignment: 8 })
  const step = driver(11, 300)
  const live: number[] = []
  const OPS = 20_000
  let maxOps = 0
  let maxLive = 0
  let minLive = Infinity
  for (let i = 0; i < OPS; i++) {
    step(heap, live)
    minLive = Math.min(minLive, heap.stats().liveBlocks)
    maxLive = Math.max(maxLive, heap.stats().liveBlocks)
    if (i % 50 === 0) {
      first.store.cleanUp()
      maxOps = Math.max(maxOps, count(first.store, 'ops'))
    }
  }
  t.ok(minLive > 0, 'the heap never emptied (which would drop its history anyway)')
  t.comment(`op rows: at most ${maxOps} over ${OPS} ops, ${maxLive} live blocks at most`)
  t.ok(heap.stats().allocs + heap.stats().frees > 2 * OPS / 3)
  t.ok(maxOps <= 2 * maxLive + SNAPSHOT_SLACK + 3, `op rows stay at most 2 x live + slack: max ${maxOps} rows for up to ${maxLive} live blocks over ${OPS} ops`)
  t.equal(count(first.store, 'snapshots'), 1, 'one snapshot for the heap')
  const rowsAtStop = count(first.store, 'journal')
  first.stop()

  const second = open(t, file)
  t.match(second.report, { heaps: 1, snapshots: 1, fellBack: [] })
  t.equal(second.report.replayed, rowsAtStop, 'only the ops after the snapshot are replayed')
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap), 'same layout, tags, alignments and counters')
  const again = driver(99, 300)
  const original = driver(99, 300)
  const liveCopy = [...live]
  const expected: string[] = []
  const actual: string[] = []
  for (let i = 0; i < 3000; i++) {
    expected.push(original(heap, live))
    actual.push(again(restored, liveCopy))
  }
  t.same(actual, expected, 'later pointers are those of the heap that never stopped')
  t.same(observable(restored), observable(heap))
})

t.test('restarts at many moments around snapshots each rebuild the heap that never stopped', async (t) => {
  const file = tempFile(t)
  const reference = new Registry({ limits: LIMITS }).create({ size: 1 << 16, strategy: 'tlsf' })
  let session = open(t, file, { snapshotSlack: 16 })
  const id = session.registry.create({ size: 1 << 16, strategy: 'tlsf' }).id
  const stepReference = driver(5, 40)
  const stepDurable = driver(5, 40)
  const liveReference: number[] = []
  const liveDurable: number[] = []
  let fromSnapshot = 0
  for (let restart = 0; restart < 30; restart++) {
    const heap = session.registry.get(id)
    const answers: Array<[string, string]> = []
    for (let i = 0, n = 20 + (restart * 37) % 90; i < n; i++) answers.push([stepDurable(heap, liveDurable), stepReference(reference, liveReference)])
    t.ok(answers.every(([durable, expected]) => durable === expected), `round ${restart}: same answers`)
    session.stop()
    session = open(t, file, { snapshotSlack: 16 })
    fromSnapshot += session.report.snapshots
    t.same(observable(session.registry.get(id)), observable(reference), `restart ${restart}: same heap`)
  }
  t.ok(fromSnapshot > 10, `most restarts began from a snapshot (${fromSnapshot} of 30)`)
})

t.test('the snapshot is taken when the journal passes 2 x live + slack; emptying or resetting drops it with the ops', async (t) => {
  const file = tempFile(t)
  const { registry, store } = open(t, file, { snapshotSlack: 4 })
  const heap = registry.create({ size: 1 << 16, strategy: 'tlsf' })
  /** 2 allocs, then in-place reallocs of the last block: 2 live blocks, so the 9th op (9 > 2 x 2 + 4) takes the snapshot. */
  const churn = (reallocs: number) => {
    heap.alloc(100)
    const last = heap.alloc(10).ptr
    for (let i = 0; i < reallocs; i++) heap.realloc(last, 10 + (i % 2) * 50)
  }
  churn(6)
  t.same([count(store, 'snapshots'), count(store, 'journal')], [0, 8], '8 ops, no snapshot yet')
  heap.realloc(100, 120)
  t.same([count(store, 'snapshots'), count(store, 'journal')], [1, 0], 'the 9th op takes the snapshot: no ops after it')
  t.equal(count(store, 'ops'), 9, 'the replaced rows are not deleted in the change')
  heap.realloc(100, 130)
  t.equal(store.cleanUp(), false, 'the cleanup deletes them')
  t.same([count(store, 'snapshots'), count(store, 'journal'), count(store, 'ops')], [1, 1, 2], 'all but the last replaced row')
  heap.reset()
  t.same([count(store, 'journal'), snapshotBlocks(store)], [0, 0], 'reset: the history starts from the empty heap')
  churn(6)
  t.same([count(store, 'journal'), snapshotBlocks(store)], [8, 0])
  t.throws(() => heap.batch([{ op: 'realloc', ptr: 100, size: 20 }, { op: 'alloc', size: 1 << 20 }], true))
  t.same([count(store, 'journal'), snapshotBlocks(store)], [0, 2], 'a failed atomic batch is journaled, here past the line: the snapshot of the undone heap is taken')
  heap.realloc(100, 30)
  t.same([count(store, 'journal'), snapshotBlocks(store)], [1, 2], 'the next change is journaled after it')
  for (const block of heap.blocks(0, 100).items) heap.free(block.ptr)
  t.same([count(store, 'journal'), snapshotBlocks(store)], [0, 0], 'emptied')
})

t.test('a file from before snapshots (schema version 1) restores by replay, then takes snapshots', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1 << 18, strategy: 'tlsf' })
  const step = driver(3, 100)
  const live: number[] = []
  for (let i = 0; i < 500; i++) step(heap, live)
  const journaled = count(first.store, 'ops')
  first.stop()
  const raw = new Database(file)
  toVersion3(raw)
  raw.exec('DROP TABLE snapshots')
  raw.pragma('user_version = 1')
  raw.close()

  const second = open(t, file)
  t.match(second.report, { snapshots: 0, replayed: journaled, fellBack: [] })
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap))
  t.same(answersOf(driver(4, 100), 3000, restored, [...live]), answersOf(driver(4, 100), 3000, heap, live), 'the answers of the heap that never stopped')
  t.equal(count(second.store, 'snapshots'), 1, 'snapshots once the journal outgrows the heap')
  t.equal((second.store as unknown as { db: Database.Database }).db.pragma('user_version', { simple: true }), SCHEMA_VERSION, 'upgraded to the current version')
})

t.test('a version 2 file (JSON snapshots without through_op, their ops deleted) restores from its snapshot, then upgrades', async (t) => {
  const file = tempFile(t)
  const first = open(t, file, { snapshotSlack: 16 })
  const heap = first.registry.create({ size: 1 << 18, strategy: 'tlsf' })
  const step = driver(6, 60)
  const live: number[] = []
  for (let i = 0; i < 400; i++) step(heap, live)
  const journaled = count(first.store, 'journal')
  first.stop()
  const raw = new Database(file)
  toVersion3(raw)
  raw.exec('DELETE FROM ops WHERE id <= (SELECT through_op FROM snapshots WHERE snapshots.heap_id = ops.heap_id)')
  raw.exec('ALTER TABLE snapshots DROP COLUMN through_op')
  // Version 2 wrote snapshots as JSON arrays of the same numbers.
  const row = raw.prepare('SELECT heap_id, blocks, free_order FROM snapshots').get() as EncodedSnapshot & { heap_id: string }
  const decoded = decodeSnapshot(row)
  const flat = decoded.blocks.flatMap((block) => [block.ptr, block.size, block.align ?? 0])
  raw.prepare('UPDATE snapshots SET blocks = ?, free_order = ? WHERE heap_id = ?').run(JSON.stringify(flat), JSON.stringify(decoded.freeOrder), row.heap_id)
  raw.pragma('user_version = 2')
  raw.close()

  const second = open(t, file, { snapshotSlack: 16 })
  t.match(second.report, { snapshots: 1, replayed: journaled, fellBack: [] })
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap))
  t.same(answersOf(driver(7, 60), 1000, restored, [...live]), answersOf(driver(7, 60), 1000, heap, live), 'the answers of the heap that never stopped')
  t.equal((second.store as unknown as { db: Database.Database }).db.pragma('user_version', { simple: true }), SCHEMA_VERSION)
})

t.test('a journal that does not replay is replaced by a snapshot of the fallback layout, so later restarts are exact', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1 << 16, strategy: 'tlsf' })
  const step = driver(8, 50)
  const live: number[] = []
  for (let i = 0; i < 300; i++) step(heap, live)
  first.stop()
  const raw = new Database(file)
  raw.exec("UPDATE ops SET ptr = ptr + 1 WHERE id = (SELECT min(id) FROM ops WHERE op = 'alloc')")
  raw.close()

  const second = open(t, file)
  t.same(second.report.fellBack, [heap.id], 'the tampered journal is refused')
  const fallen = second.registry.get(heap.id)
  t.same(observable(fallen).blocks, observable(heap).blocks, 'every block kept where it was')
  const liveFallen = [...live]
  const stepFallen = driver(9, 50)
  for (let i = 0; i < 200; i++) stepFallen(fallen, liveFallen)
  second.stop()

  const third = open(t, file)
  t.match(third.report, { snapshots: 1, fellBack: [] })
  const restored = third.registry.get(heap.id)
  t.same(observable(restored), observable(fallen))
  t.same(answersOf(driver(10, 50), 500, restored, [...liveFallen]), answersOf(driver(10, 50), 500, fallen, liveFallen), 'the answers of the heap that went on in memory')
})

t.test('a journal that would not replay is replaced by a snapshot of the live heap, so the next restart is exact', async (t) => {
  const file = tempFile(t)
  const first = open(t, file, { snapshotSlack: 4 })
  const heap = first.registry.create({ size: 1 << 16, strategy: 'tlsf' })
  heap.alloc(100)
  const last = heap.alloc(10).ptr
  const db = (first.store as unknown as { db: Database.Database }).db
  db.exec("UPDATE ops SET ptr = ptr + 1 WHERE op = 'alloc'")
  for (let i = 0; i < 6; i++) heap.realloc(last, 10 + (i % 2) * 50)
  t.same([count(first.store, 'snapshots'), count(first.store, 'ops')], [0, 8], 'not due yet: the tampered ops are still there')
  heap.realloc(last, 20)
  t.same([count(first.store, 'snapshots'), count(first.store, 'journal')], [1, 0], 'the snapshot is the live heap, not a replay of the file')
  heap.alloc(5, undefined, 'after')
  first.stop()

  const second = open(t, file, { snapshotSlack: 4 })
  t.match(second.report, { snapshots: 1, replayed: 1, fellBack: [] }, 'restored from the snapshot, not laid out from the blocks')
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap))
  t.same(answersOf(driver(21, 10), 300, restored, [0, last, 16]), answersOf(driver(21, 10), 300, heap, [0, last, 16]))
})

t.test('a restart right after a snapshot of the live heap, with no ops after it, gives the later pointers of the heap that never stopped', async (t) => {
  const file = tempFile(t)
  const first = open(t, file, { snapshotSlack: 16 })
  // Large blocks among small ones, alignments above the heap's, tags, moving reallocs and undone
  // atomic batches: every kind of history the free lists' order remembers.
  const heap = first.registry.create({ size: 1 << 20, strategy: 'tlsf', alignment: 8 })
  const step = driver(31, 200)
  const live: number[] = []
  let snapshots = 0
  let steps = 0
  while (steps < 20_000 && snapshots < 3) {
    step(heap, live)
    steps++
    if (count(first.store, 'journal') === 0 && count(first.store, 'snapshots') === 1 && heap.stats().liveBlocks > 100) snapshots++
  }
  t.equal(snapshots, 3, `a third snapshot after ${steps} steps`)
  first.stop()

  const second = open(t, file, { snapshotSlack: 16 })
  t.match(second.report, { heaps: 1, snapshots: 1, replayed: 0, fellBack: [] }, 'the snapshot alone')
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(heap), 'same layout, tags, alignments and counters')
  t.same(answersOf(driver(32, 200), 3000, restored, [...live]), answersOf(driver(32, 200), 3000, heap, live), 'the same later pointers')
})

t.test('a snapshot that fails to commit fails its change, which the heap undoes; the file keeps the journal before it', async (t) => {
  const file = tempFile(t)
  const first = open(t, file, { snapshotSlack: 4 })
  const heap = first.registry.create({ size: 1 << 16, strategy: 'tlsf' })
  const reference = new Registry({ limits: LIMITS }).create({ size: 1 << 16, strategy: 'tlsf' })
  for (const target of [heap, reference]) {
    target.alloc(100)
    target.alloc(10)
    for (let i = 0; i < 6; i++) target.realloc(100, 10 + (i % 2) * 50)
  }
  const db = (first.store as unknown as { db: Database.Database }).db
  db.exec("CREATE TRIGGER full_disk BEFORE INSERT ON snapshots BEGIN SELECT RAISE(ABORT, 'disk full'); END")
  const before = observable(heap)
  t.throws(() => heap.realloc(100, 20), /disk full/, 'the change that would take the snapshot fails')
  t.same(observable(heap).blocks, before.blocks, 'and is undone in memory')
  t.same([count(first.store, 'snapshots'), count(first.store, 'ops')], [0, 8], 'neither the snapshot nor the op was written')
  first.stop()
  const raw = new Database(file)
  raw.exec('DROP TRIGGER full_disk')
  raw.close()

  const second = open(t, file, { snapshotSlack: 4 })
  t.match(second.report, { snapshots: 0, replayed: 8, fellBack: [] })
  const restored = second.registry.get(heap.id)
  t.same(observable(restored), observable(reference), 'the heap as of the last acknowledged change')
  t.same(answersOf(driver(41, 10), 300, restored, [0, 100]), answersOf(driver(41, 10), 300, reference, [0, 100]))
})

t.test('snapshots encode exactly, up to the largest safe integer', async (t) => {
  const snapshot = {
    blocks: [{ ptr: 0, size: 1 }, { ptr: 2 ** 30, size: 3, align: 2 ** 30 }, { ptr: 2 ** 52, size: Number.MAX_SAFE_INTEGER - 2 ** 52 }],
    freeOrder: [2 ** 30 + 3, 1]
  }
  const encoded = encodeSnapshot(snapshot)
  t.ok(Buffer.isBuffer(encoded.blocks) && Buffer.isBuffer(encoded.free_order), 'binary')
  t.same(decodeSnapshot(encoded), snapshot)
  t.same(decodeSnapshot({ blocks: '[0,1,0,8,2,16]', free_order: '[1,10]' }), { blocks: [{ ptr: 0, size: 1 }, { ptr: 8, size: 2, align: 16 }], freeOrder: [1, 10] }, 'and the JSON of version 2 files')
})
