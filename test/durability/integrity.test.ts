/**
 * The checks at start (src/registry/store/sqlite/integrity.ts): a damaged file stops the start with
 * one message naming the file and the fault, never a partial restore; a missing or 0-byte file is
 * a new store; a second store on the same file is refused.
 */
import { closeSync, openSync, readSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { StoreDamagedError, StoreInUseError } from '../../src/registry/store/errors.js'
import { SqliteStore } from '../../src/registry/store/sqlite/store.js'
import { Registry } from '../../src/registry/index.js'
import { LIMITS, observable, open, tempFile } from './helpers.js'

/** A file holding two heaps with blocks, closed. */
function recorded (t: Test): { file: string, ids: string[] } {
  const file = tempFile(t)
  const session = open(t, file, { snapshotSlack: 16 })
  const a = session.registry.create({ size: 1 << 16, strategy: 'tlsf', name: 'a' })
  const b = session.registry.create({ size: 1 << 16, strategy: 'best-fit' })
  for (let i = 0; i < 300; i++) {
    a.alloc(8 + i % 50, undefined, `a${i}`)
    b.alloc(16 + i % 30, i % 4 === 0 ? 64 : undefined)
  }
  // Enough history for the tlsf heap to have a snapshot as well as a journal.
  const last = a.blocks(0, 1000).items.at(-1)!.ptr
  for (let i = 0; i < 400; i++) a.realloc(last, 8 + i % 2)
  session.stop()
  return { file, ids: [a.id, b.id] }
}

/** Loads `file` as the server does: the registry rebuilt from the store, all of it or nothing. */
function load (file: string): Registry {
  const store = SqliteStore.open(file, { background: false })
  try {
    const registry = new Registry({ limits: LIMITS, events: store.events })
    registry.load(store.load())
    return registry
  } finally {
    store.close()
  }
}

function damage (file: string, sql: string): void {
  const raw = new Database(file)
  raw.exec(sql)
  raw.close()
}

t.test('a missing file and a 0-byte file are new, empty stores', async (t) => {
  const missing = tempFile(t)
  t.equal(load(missing).count, 0)
  const empty = tempFile(t)
  writeFileSync(empty, '')
  const session = open(t, empty)
  t.equal(session.registry.count, 0)
  const heap = session.registry.create({ size: 100 })
  heap.alloc(10)
  session.stop()
  t.same(observable(load(empty).get(heap.id)), observable(heap), 'and they record heaps like any other')
})

t.test('an intact file passes the checks', async (t) => {
  const { file, ids } = recorded(t)
  t.same(load(file).list(0, 10).items.map((heap) => heap.id), ids)
})

for (const [what, sql, fault] of [
  ['a deleted block row', 'DELETE FROM blocks WHERE ptr = (SELECT max(ptr) FROM blocks)', /heap \S+: 299 block rows, but its counters record 300 live blocks/],
  ['an extra block row', "INSERT INTO blocks (heap_id, generation, ptr, size) SELECT id, generation, size - 1, 1 FROM heaps WHERE strategy = 'tlsf'", /block rows, but its counters record/],
  ['a changed block size', 'UPDATE blocks SET size = size + 1 WHERE ptr = (SELECT min(ptr) FROM blocks)', /overlaps|holds|aligned/],
  ['a dropped blocks table', 'DROP TABLE blocks', /table blocks is missing/],
  ['a dropped heaps table', 'DROP TABLE heaps', /table heaps is missing/],
  ['a schema version from the future', 'PRAGMA user_version = 99', /schema version 99/],
  ['tables without a schema version', 'PRAGMA user_version = 0', /no schema version/],
  ['an unreadable snapshot', "UPDATE snapshots SET blocks = x'0102030405'", /its snapshot cannot be read/],
  ['a heap whose description is not its columns', "UPDATE heaps SET size = 12345 WHERE strategy = 'tlsf'", /description differs/]
] as const) {
  t.test(`${what} stops the load with one message naming the file`, async (t) => {
    const { file } = recorded(t)
    damage(file, sql)
    const error = t.throws(() => load(file), StoreDamagedError) as Error
    t.match(error.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged: `))
    t.match(error.message, fault)
  })
}

t.test('a truncated file stops the load, naming the file', async (t) => {
  const { file } = recorded(t)
  truncateSync(file, Math.floor(statSync(file).size / 2))
  const error = t.throws(() => load(file), StoreDamagedError) as Error
  t.match(error.message, `${file} is damaged`)
})

t.test('a file with flipped bits stops the load, naming the file', async (t) => {
  const { file } = recorded(t)
  const fd = openSync(file, 'r+')
  const page = Buffer.alloc(16)
  // The header of the second page (its type and cell count): garbage there is what a bad sector leaves.
  readSync(fd, page, 0, 16, 4096)
  for (let i = 0; i < page.length; i++) page[i] = page[i]! ^ 0x5a
  writeSync(fd, page, 0, 16, 4096)
  closeSync(fd)
  const error = t.throws(() => load(file), StoreDamagedError) as Error
  t.match(error.message, `${file} is damaged`)
})

t.test('not a database at all stops the load, naming the file', async (t) => {
  const file = tempFile(t)
  writeFileSync(file, 'heapd heaps\n'.repeat(500))
  t.throws(() => load(file), { name: 'StoreDamagedError', message: `${file} is damaged` })
})

t.test('a second store on the same file is refused while the first is open, and welcome once it closes', async (t) => {
  const file = tempFile(t)
  const first = SqliteStore.open(file)
  t.throws(() => SqliteStore.open(file), StoreInUseError)
  t.throws(() => SqliteStore.open(file), { message: `${file} is in use by another process (one heapd per data file)` })
  first.close()
  const second = SqliteStore.open(file)
  t.teardown(() => second.close())
  t.equal(second.ready(), true)
})

t.test('the file stays readable by other readers while the store has it open (an online backup)', async (t) => {
  const { file, ids } = recorded(t)
  const session = open(t, file)
  session.registry.get(ids[0]!).alloc(5, undefined, 'while open')
  const backup = `${file}.backup`
  const reader = new Database(file, { readonly: true })
  await reader.backup(backup)
  reader.close()
  session.stop()
  t.same(load(backup).list(0, 10).items.map((heap) => heap.id), ids)
  t.same(observable(load(backup).get(ids[0]!)), observable(load(file).get(ids[0]!)), 'the backup holds the last change')
})
