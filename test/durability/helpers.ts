/** Shared by the store tests: temporary files, a registry recording into a SQLite store, what a heap shows. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import type { Test } from 'tap'
import { SqliteStore, type SqliteStoreOptions } from '../../src/registry/store/sqlite/store.js'
import { Registry, type Heap, type LoadReport, type RegistryLimits } from '../../src/registry/index.js'

export const LIMITS: RegistryLimits = { maxHeaps: 100, maxHeapSize: Number.MAX_SAFE_INTEGER, maxBlocksPerHeap: 1_000_000 }

export function tempDir (t: Test, prefix = 'heapd-store-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function tempFile (t: Test): string {
  return join(tempDir(t), 'heaps.db')
}

export interface Session {
  registry: Registry
  store: SqliteStore
  report: LoadReport
  /** Closes the file; the registry goes on in memory, as the process that never stopped. */
  stop: () => void
}

/** A registry recording into the store at `file` after loading it; the cleanup runs only when asked (store.cleanUp). */
export function open (t: Test, file: string, options: SqliteStoreOptions = {}): Session {
  const store = SqliteStore.open(file, { background: false, ...options })
  t.teardown(() => store.close())
  let recording = true
  const registry = new Registry({ limits: LIMITS, events: { changed: (change) => { if (recording) store.events.changed(change) } } })
  const report = registry.load(store.load())
  return { registry, store, report, stop: () => { recording = false; store.close() } }
}

/** The store's connection, for tests that look at or damage the file. */
export function dbOf (store: SqliteStore): Database.Database {
  return (store as unknown as { db: Database.Database }).db
}

export function rows (store: SqliteStore, sql: string): number {
  return dbOf(store).prepare(sql).pluck().get() as number
}

/** Bytes of the database (pages in use and free), the WAL checkpointed into it first. */
export function fileBytes (store: SqliteStore): number {
  const db = dbOf(store)
  db.pragma('wal_checkpoint(TRUNCATE)')
  return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number)
}

/** Everything observable about a heap. */
export function observable (heap: Heap) {
  return {
    description: heap.describe(),
    stats: heap.stats(),
    layout: heap.segments(0, 10_000_000).items,
    blocks: heap.blocks(0, 10_000_000).items
  }
}

/** The pointers of `n` allocs of seeded sizes (-1 for a refusal): what a heap answers next. */
export function nextPointers (heap: Heap, n: number, seed: number): number[] {
  let state = seed
  const answers: number[] = []
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    try {
      const ptr = heap.alloc(1 + state % 300).ptr
      answers.push(ptr)
      if (state % 3 === 0) heap.free(ptr)
    } catch {
      answers.push(-1)
    }
  }
  return answers
}
