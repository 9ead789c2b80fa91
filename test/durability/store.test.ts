/** The SQLite store with a registry: what a restart restores, refused allocs, alignments, exact later pointers, tenants. */
import t from 'tap'
import type { Strategy } from '../../src/allocator/index.js'
import { HeapNotFoundError } from '../../src/registry/index.js'
import { StoreUnavailableError } from '../../src/registry/store/errors.js'
import { dbOf, nextPointers, observable as snapshot, open, tempFile } from './helpers.js'

t.test('a reopened file restores heaps with names, tags, alignments, layout and counters; deleted heaps stay gone', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const a = first.registry.create({ size: 4096, strategy: 'first-fit', alignment: 8, name: 'a' })
  const gone = first.registry.create({ size: 100 })
  const b = first.registry.create({ size: 1 << 20, strategy: 'best-fit' })
  a.alloc(10, 64, 'x')
  a.alloc(20, undefined, 'y')
  a.alloc(30)
  a.free(16)
  // Refused allocs change no layout, only their count (failedAllocs), which is written at once.
  t.throws(() => a.alloc(5000))
  t.throws(() => a.alloc(4090))
  a.batch([{ op: 'alloc', size: 7, tag: 'z' }, { op: 'realloc', ptr: 0, size: 100 }], false)
  b.alloc(1000, 4096, 'big')
  b.reset()
  b.alloc(5, undefined, 'after-reset')
  gone.alloc(1)
  first.registry.delete(gone.id)
  const before = [snapshot(a), snapshot(b)]
  first.stop()

  const second = open(t, file)
  t.equal(second.registry.count, 2)
  t.throws(() => second.registry.get(gone.id), HeapNotFoundError)
  t.same([snapshot(second.registry.get(a.id)), snapshot(second.registry.get(b.id))], before)
  t.same(second.registry.list(0, 10).items.map((heap) => heap.id), [a.id, b.id], 'creation order kept')
  const x = second.registry.get(a.id).blocks(0, 100).items.find((block) => block.tag === 'x')
  t.match(x, { size: 100, align: 64 }, 'the moved block keeps its tag and alignment')
  t.equal(x!.ptr % 64, 0)
  const c = second.registry.create({ size: 10 })
  t.ok(c.seq > b.seq, 'new heaps come after restored ones')
})

t.test('refused allocs are counted in the file even when nothing changes after them', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const single = first.registry.create({ size: 100 })
  const batched = first.registry.create({ size: 100, strategy: 'tlsf' })
  single.alloc(10)
  t.throws(() => single.alloc(500))
  t.throws(() => single.alloc(95))
  batched.alloc(10)
  t.match(batched.batch([{ op: 'alloc', size: 95 }, { op: 'free', ptr: 3 }], false), [{ ok: false }, { ok: false }])
  const before = [snapshot(single), snapshot(batched)]
  t.same(before.map((heap) => heap.stats.failedAllocs), [1, 1], 'only out of memory counts: 500 exceeds the heap, 95 does not fit')
  first.stop()

  const second = open(t, file)
  t.same([snapshot(second.registry.get(single.id)), snapshot(second.registry.get(batched.id))], before)
})

t.test('a block that asked for a larger alignment keeps it through a restore and a moving realloc', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1 << 16 })
  heap.alloc(3)
  const aligned = heap.alloc(10, 1024)
  heap.alloc(3)
  first.stop()
  const restored = open(t, file).registry.get(heap.id)
  const moved = restored.realloc(aligned.ptr, 5000)
  t.equal(moved.ptr % 1024, 0)
  t.equal(moved.ptr, heap.realloc(aligned.ptr, 5000).ptr, 'as the original heap moves it')
})

const strategies: Strategy[] = ['first-fit', 'best-fit', 'tlsf']
for (const strategy of strategies) {
  t.test(`${strategy}: after a restore the next pointers are those of the heap that never stopped`, async (t) => {
    const file = tempFile(t)
    const first = open(t, file)
    const heap = first.registry.create({ size: 1 << 16, strategy })
    let state = 7
    const next = (n: number) => { state = (state * 1103515245 + 12345) % 2 ** 31; return state % n }
    const live: number[] = []
    for (let i = 0; i < 600; i++) {
      const r = next(10)
      try {
        if (r < 5 || live.length === 0) live.push(heap.alloc(1 + next(300), next(4) === 0 ? 32 : undefined).ptr)
        else if (r < 8) heap.free(live.splice(next(live.length), 1)[0]!)
        else if (r < 9) {
          const i = next(live.length)
          live[i] = heap.realloc(live[i]!, 1 + next(400)).ptr
        } else {
          // An atomic batch that fails after changing the heap: its undo reorders tlsf free lists.
          heap.batch([{ op: 'alloc', size: 1 + next(200) }, { op: 'free', ptr: live[next(live.length)]! }, { op: 'alloc', size: 1 << 20 }], true)
        }
      } catch {}
    }
    first.stop()
    const restored = open(t, file).registry.get(heap.id)
    t.same(snapshot(restored), snapshot(heap))
    const original: number[] = []
    const again: number[] = []
    for (let i = 0; i < 200; i++) {
      const size = 1 + next(200)
      try { original.push(heap.alloc(size).ptr) } catch { original.push(-1) }
      try { again.push(restored.alloc(size).ptr) } catch { again.push(-1) }
    }
    t.same(again, original)
  })
}

t.test('a tlsf heap that emptied or was reset keeps no history to replay', async (t) => {
  const file = tempFile(t)
  const { registry, store } = open(t, file)
  const heap = registry.create({ size: 1000, strategy: 'tlsf' })
  const count = () => (store as unknown as { db: { prepare: (sql: string) => { get: () => { n: number } } } }).db.prepare('SELECT count(*) AS n FROM ops').get().n
  heap.alloc(10)
  heap.alloc(20)
  t.equal(count(), 2)
  heap.free(0)
  heap.free(10)
  store.cleanUp()
  t.equal(count(), 1, 'compacted when empty (the last row stays as the boundary)')
  heap.alloc(10)
  heap.reset()
  store.cleanUp()
  t.equal(count(), 1, 'compacted on reset')
})

t.test('a write that fails for another reason than the disk is a bug: it is thrown as it is, and the change is undone', async (t) => {
  const file = tempFile(t)
  const { registry, store } = open(t, file)
  const heap = registry.create({ size: 1000 })
  heap.alloc(10, undefined, 'kept')
  const before = snapshot(heap)
  ;(store as unknown as { db: { exec: (sql: string) => void } }).db.exec('DROP TABLE blocks')
  t.throws(() => heap.alloc(20), /no such table/)
  t.same(snapshot(heap), before, 'the heap is as before')
  t.ok(store.ready(), 'not a fault of the disk: readiness is kept')
})

t.test('heaps of tenants are recorded and restored with their owner', async (t) => {
  const file = tempFile(t)
  const first = open(t, file)
  const heap = first.registry.create({ size: 1000, tenant: 'acme' })
  heap.alloc(10, undefined, 'mine')
  first.stop()
  const { registry } = open(t, file)
  t.throws(() => registry.get(heap.id), HeapNotFoundError, 'hidden from others')
  t.same(registry.get(heap.id, 'acme').blocks(0, 10).items, [{ ptr: 0, size: 10, tag: 'mine' }])
})

t.test('a store that cannot grow answers StoreUnavailableError, the heap unchanged; once it can commit again the file equals memory, later pointers included', async (t) => {
  const file = tempFile(t)
  const first = open(t, file, { retryInterval: 0 })
  const heap = first.registry.create({ size: 1 << 24, strategy: 'tlsf' })
  for (let i = 0; i < 50; i++) heap.alloc(10 + i, undefined, `t${i}`)
  const db = dbOf(first.store)
  // SQLite's own cap on the file's pages: the same SQLITE_FULL a full disk gives.
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
  let refused: unknown
  let before = snapshot(heap)
  for (let i = 0; i < 20_000 && refused === undefined; i++) {
    try {
      const live = heap.blocks(0, 1000).items
      if (i % 5 === 4) heap.batch([{ op: 'free', ptr: live[i % live.length]!.ptr }, { op: 'alloc', size: 1 << 30 }], true)
      else heap.alloc(20 + i % 100, undefined, 'a tag that takes room in the file')
      before = snapshot(heap)
    } catch (error) {
      if (error instanceof StoreUnavailableError) refused = error
    }
  }
  t.type(refused, StoreUnavailableError, 'the store fills up')
  t.match((refused as Error).message, `the store (${file}) cannot commit changes: database or disk is full (SQLITE_FULL)`)
  t.same(snapshot(heap), before, 'the heap is as before the refused change')

  // (Readiness on a full disk is tested on a real one, full-disk.test.ts: the page cap leaves the WAL room to commit a probe.)
  db.pragma('max_page_count = 1073741823')
  t.equal(first.store.ready(), true, 'ready once it can commit')
  heap.alloc(7, undefined, 'after')
  const expected = snapshot(heap)
  first.stop()
  const restored = open(t, file).registry.get(heap.id)
  t.same(snapshot(restored), expected)
  t.same(nextPointers(restored, 200, 3), nextPointers(heap, 200, 3), 'the later pointers of the heap that never stopped')
})
