/**
 * A durable registry: every change the registry announces (events.ts) is committed to SQLite
 * before the hook returns, so before the HTTP reply is sent; on start the registry is rebuilt
 * from the file with the identical layout (rebuild.ts).
 *
 * One announced change is one SQLite transaction (a whole batch included), written with prepared
 * statements. The journal is WAL with synchronous=NORMAL: a commit survives the process being
 * killed at any moment; after a power loss the last commits before the last checkpoint's fsync may
 * be lost, the file staying consistent. The database is opened in exclusive locking mode, so a
 * second server on the same file fails at start instead of interleaving writes.
 *
 * If a write fails, the hook throws: the heap rolls its change back and the request answers 500,
 * so nothing unrecorded is acknowledged. The store then refuses every later change until the
 * process restarts from the file, because an undone change may have reordered a tlsf heap's free
 * lists in a way the file does not know.
 *
 * tlsf heaps also journal their ops, cut by snapshots (snapshots.ts) so that the file and the
 * restart time stay proportional to the live blocks, not to the heap's history.
 */
import Database from 'better-sqlite3'
import type { Change, HeapDescription, Mutation, RegistryEvents } from '../events.js'
import type { Heap } from '../heap.js'
import type { Registry } from '../registry.js'
import type { HeapStats } from '../../allocator/types.js'
import { layOut, snapshotOf, type AllocatorSnapshot } from '../../allocator/snapshot.js'
import type { Allocator } from '../../allocator/types.js'
import { rebuildTlsf, replaySteps, restoreCounters, sameLayout, type StoredBlock, type StoredOp } from './rebuild.js'
import { READABLE_VERSIONS, SCHEMA, SCHEMA_VERSION, upgradeSchema } from './schema.js'
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_SLACK, snapshotDue, STALE_ROWS_PER_STEP, type EncodedSnapshot } from './snapshots.js'

export interface StoreOptions {
  /** Replay steps a tlsf journal may hold beyond twice the live blocks (snapshots.ts); SNAPSHOT_SLACK by default. */
  snapshotSlack?: number
}

export interface RestoreReport {
  heaps: number
  blocks: number
  /** tlsf ops replayed. */
  replayed: number
  /** tlsf heaps restored from a snapshot (plus the ops after it). */
  snapshots: number
  /**
   * Heaps whose history did not replay to the recorded layout and were laid out from their blocks
   * instead; a snapshot of that layout replaces their journal, so later restarts are exact again.
   */
  fellBack: string[]
}

interface HeapRow {
  id: string
  seq: number
  description: string
  allocs: number
  frees: number
  reallocs: number
  failed_allocs: number
  peak_used: number
  peak_live_blocks: number
}

interface BlockRow { ptr: number, size: number, align: number | null, tag: string | null }
/** An ops row as an array (op, ptr, size, align, from_ptr, undone): read raw, as journals can be long. */
type OpRow = [op: string, ptr: number | null, size: number | null, align: number | null, fromPtr: number | null, undone: string | null]

/** What the store keeps in memory about a tlsf heap's journal. */
interface Journal {
  /** Replay steps in the ops table since the snapshot (or since empty). */
  steps: number
  /** The snapshot's through_op while op rows before it may remain to be deleted; 0 when none do. */
  stale: number
  /** False when the heap cannot be snapshotted (an allocator that is not the library's own): the journal just grows. */
  snapshots: boolean
}

export class StoreFailedError extends Error {
  constructor (cause: unknown) {
    super(`the durable store failed earlier and accepts no changes until restart: ${String(cause)}`, { cause })
    this.name = 'StoreFailedError'
  }
}

export class SqliteStore implements RegistryEvents {
  private readonly db: Database.Database
  private readonly statements: Statements
  /** Heaps whose history is journaled (tlsf), by ID. */
  private readonly journals = new Map<string, Journal>()
  private readonly snapshotSlack: number
  /** The owner of each heap, to look it up in the registry (which hides other tenants' heaps). */
  private readonly owners = new Map<string, string | undefined>()
  /** The live heap with this ID, in the registry restore() filled (whose tenant owns it does not matter here). */
  private heapOf: (heapId: string) => Heap = () => { throw new Error('restore() must run before changes are recorded') }
  private failure: unknown = undefined
  private readonly record: (change: Change) => void

  constructor (file: string, options: StoreOptions = {}) {
    this.snapshotSlack = options.snapshotSlack ?? SNAPSHOT_SLACK
    this.db = new Database(file)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.pragma('locking_mode = EXCLUSIVE')
    const version = this.db.pragma('user_version', { simple: true }) as number
    if (!READABLE_VERSIONS.includes(version)) throw new Error(`${file}: schema version ${version}, expected at most ${SCHEMA_VERSION}`)
    this.db.exec(SCHEMA)
    upgradeSchema(this.db)
    this.db.pragma(`user_version = ${SCHEMA_VERSION}`)
    this.statements = prepare(this.db)
    this.record = this.db.transaction((change: Change) => this.write(change))
  }

  changed (change: Change): void {
    if (this.failure !== undefined) throw new StoreFailedError(this.failure)
    try {
      this.record(change)
    } catch (error) {
      this.failure = error
      throw error
    }
  }

  /** Re-creates every recorded heap in `registry` (empty, before serving), then records its changes. */
  restore (registry: Registry): RestoreReport {
    const report: RestoreReport = { heaps: 0, blocks: 0, replayed: 0, snapshots: 0, fellBack: [] }
    for (const row of this.statements.heaps.all() as HeapRow[]) {
      const description = JSON.parse(row.description) as HeapDescription
      const blocks = (this.statements.blocks.all(row.id) as BlockRow[]).map(toBlock)
      this.owners.set(row.id, description.tenant)
      registry.restore(description, row.seq, (allocator) => {
        if (description.strategy === 'tlsf') {
          const { snapshot, throughOp } = this.snapshotOf(row.id)
          const journal = this.journal(description)
          journal.stale = throughOp
          const tally = { ops: 0, steps: 0 }
          try {
            rebuildTlsf(allocator, snapshot, this.opsOf(row.id, throughOp, tally))
            if (!sameLayout(allocator, blocks)) throw new Error('replayed layout differs from the recorded blocks')
            journal.steps = tally.steps
            report.replayed += tally.ops
            if (snapshot !== undefined) report.snapshots++
          } catch {
            // The blocks table is authoritative: keep every block where it is, even if later
            // pointers may then differ from an uninterrupted run.
            report.fellBack.push(row.id)
            allocator.reset()
            layOut(allocator, blocks)
            this.restartHistory(row.id, journal, allocator)
          }
        } else {
          layOut(allocator, blocks)
        }
        restoreCounters(allocator, {
          allocs: row.allocs,
          frees: row.frees,
          reallocs: row.reallocs,
          failedAllocs: row.failed_allocs,
          peakUsed: row.peak_used,
          peakLiveBlocks: row.peak_live_blocks
        })
        return blocks
      })
      report.heaps++
      report.blocks += blocks.length
    }
    this.heapOf = (heapId) => registry.get(heapId, this.owners.get(heapId))
    return report
  }

  close (): void {
    if (this.db.open) this.db.close()
  }

  private write (change: Change): void {
    const s = this.statements
    switch (change.kind) {
      case 'heap-created': {
        const heap = change.heap
        s.insertHeap.run({
          id: heap.id,
          seq: change.seq,
          size: heap.size,
          strategy: heap.strategy,
          alignment: heap.alignment,
          name: heap.name ?? null,
          createdAt: heap.createdAt,
          description: JSON.stringify(heap)
        })
        if (heap.strategy === 'tlsf') this.journal(heap)
        this.owners.set(heap.id, heap.tenant)
        return
      }
      case 'heap-deleted':
        s.deleteBlocks.run(change.heapId)
        this.forgetHistory(change.heapId)
        s.deleteHeap.run(change.heapId)
        this.journals.delete(change.heapId)
        this.owners.delete(change.heapId)
        return
      case 'counted':
        this.saveCounters(change.heapId)
        return
      case 'heap-reset':
        s.deleteBlocks.run(change.heapId)
        this.forgetHistory(change.heapId)
        this.saveCounters(change.heapId)
        return
      case 'mutations': {
        const journal = this.journals.get(change.heapId)
        for (const mutation of change.mutations) {
          this.writeBlock(change.heapId, mutation)
          if (journal !== undefined) this.writeOp(change.heapId, mutation)
        }
        const stats = this.saveCounters(change.heapId)
        if (journal === undefined) return
        journal.steps += change.mutations.length
        if (journal.stale > 0) this.deleteStale(change.heapId, journal, change.mutations.length)
        // An empty heap is a single free range whatever its history: nothing left to replay.
        if (stats.liveBlocks === 0) this.forgetHistory(change.heapId)
        else this.snapshotIfDue(change.heapId, journal, stats)
        return
      }
      case 'rolled-back': {
        const journal = this.journals.get(change.heapId)
        if (journal === undefined) return
        s.insertOp.run(change.heapId, 'rolled-back', null, null, null, null, JSON.stringify(change.mutations))
        // No snapshot here: this is announced before the heap undoes the batch, so the heap in
        // memory is not yet the one the journal describes. The next change takes it if due.
        journal.steps += replaySteps({ op: 'rolled-back', mutations: change.mutations })
      }
    }
  }

  /** The journal of tlsf heap `heap`, created empty when new. */
  private journal (heap: HeapDescription): Journal {
    let journal = this.journals.get(heap.id)
    if (journal === undefined) {
      journal = { steps: 0, stale: 0, snapshots: true }
      this.journals.set(heap.id, journal)
    }
    return journal
  }

  /**
   * After a fallback the heap in memory is the one laid out from its blocks: a snapshot of it
   * replaces the journal that did not replay, so the next restart rebuilds this heap exactly.
   */
  private restartHistory (heapId: string, journal: Journal, allocator: Allocator): void {
    const snapshot = snapshotOf(allocator)
    if (snapshot === undefined) {
      journal.snapshots = false
      return
    }
    const encoded = encodeSnapshot(snapshot)
    this.db.transaction(() => {
      this.statements.saveSnapshot.run(heapId, encoded.blocks, encoded.free_order, 0)
      this.statements.deleteOps.run(heapId)
    })()
    journal.steps = 0
    journal.stale = 0
  }

  /** Drops a heap's snapshot and ops (it is empty, reset or deleted). */
  private forgetHistory (heapId: string): void {
    this.statements.deleteOps.run(heapId)
    this.statements.deleteSnapshot.run(heapId)
    const journal = this.journals.get(heapId)
    if (journal !== undefined) {
      journal.steps = 0
      journal.stale = 0
    }
  }

  /**
   * Replaces the snapshot and ops of a tlsf heap by a snapshot of the live heap, when the ops
   * outgrew its live blocks. This runs in the transaction of the change that crossed the line, after
   * the heap applied it and before it is acknowledged: the snapshot is the heap that change left, and
   * if the commit fails the heap undoes the change and the file keeps the old snapshot and ops.
   * The ops it replaces are not deleted here (that was most of the pause): the snapshot names the
   * last of them (through_op), a restore skips them, and the next changes delete them (deleteStale).
   */
  private snapshotIfDue (heapId: string, journal: Journal, stats: HeapStats): void {
    if (!journal.snapshots || !snapshotDue(journal.steps, stats.liveBlocks, this.snapshotSlack)) return
    const snapshot = this.heapOf(heapId).snapshot()
    if (snapshot === undefined) {
      journal.snapshots = false
      return
    }
    const encoded = encodeSnapshot(snapshot)
    const throughOp = (this.statements.lastOp.get(heapId) as number | null) ?? 0
    this.statements.saveSnapshot.run(heapId, encoded.blocks, encoded.free_order, throughOp)
    journal.steps = 0
    journal.stale = throughOp
  }

  /**
   * Deletes a few of the op rows a snapshot replaced, in the transaction of a later change: a
   * share proportional to that change's steps, so they are gone long before the next snapshot
   * (which comes after 2 x live + slack steps). Row `through_op` itself stays (schema.ts).
   */
  private deleteStale (heapId: string, journal: Journal, steps: number): void {
    const limit = STALE_ROWS_PER_STEP * steps
    if (this.statements.deleteStale.run(heapId, journal.stale, limit).changes < limit) journal.stale = 0
  }

  private snapshotOf (heapId: string): { snapshot: AllocatorSnapshot | undefined, throughOp: number } {
    const row = this.statements.snapshot.get(heapId) as (EncodedSnapshot & { through_op: number }) | undefined
    return row === undefined ? { snapshot: undefined, throughOp: 0 } : { snapshot: decodeSnapshot(row), throughOp: row.through_op }
  }

  /**
   * The heap's ops in order, read one row at a time (a journal may hold millions), counted into
   * `tally` as they go. Nothing else may use the connection until the iteration ends or is abandoned.
   */
  private * opsOf (heapId: string, afterOp: number, tally: { ops: number, steps: number }): Generator<StoredOp> {
    for (const row of this.statements.ops.iterate(heapId, afterOp) as IterableIterator<OpRow>) {
      const op = toOp(row)
      tally.ops++
      tally.steps += replaySteps(op)
      yield op
    }
  }

  private writeBlock (heapId: string, mutation: Mutation): void {
    const s = this.statements
    switch (mutation.op) {
      case 'alloc':
        s.insertBlock.run(heapId, mutation.ptr, mutation.size, mutation.align ?? null, mutation.tag ?? null)
        return
      case 'free':
        s.deleteBlock.run(heapId, mutation.ptr)
        return
      case 'realloc':
        s.moveBlock.run(mutation.ptr, mutation.size, heapId, mutation.from)
    }
  }

  private writeOp (heapId: string, mutation: Mutation): void {
    const insert = this.statements.insertOp
    switch (mutation.op) {
      case 'alloc':
        insert.run(heapId, 'alloc', mutation.ptr, mutation.size, mutation.align ?? null, null, null)
        return
      case 'free':
        insert.run(heapId, 'free', mutation.ptr, null, null, null, null)
        return
      case 'realloc':
        insert.run(heapId, 'realloc', mutation.ptr, mutation.size, null, mutation.from, null)
    }
  }

  private saveCounters (heapId: string): HeapStats {
    const stats = this.heapOf(heapId).stats()
    this.statements.counters.run({
      id: heapId,
      allocs: stats.allocs,
      frees: stats.frees,
      reallocs: stats.reallocs,
      failedAllocs: stats.failedAllocs,
      peakUsed: stats.peakUsed,
      peakLiveBlocks: stats.peakLiveBlocks
    })
    return stats
  }
}

type Statements = ReturnType<typeof prepare>

function prepare (db: Database.Database) {
  return {
    insertHeap: db.prepare(`INSERT INTO heaps (id, seq, size, strategy, alignment, name, created_at, description)
      VALUES (@id, @seq, @size, @strategy, @alignment, @name, @createdAt, @description)`),
    deleteHeap: db.prepare('DELETE FROM heaps WHERE id = ?'),
    counters: db.prepare(`UPDATE heaps SET allocs = @allocs, frees = @frees, reallocs = @reallocs,
      failed_allocs = @failedAllocs, peak_used = @peakUsed, peak_live_blocks = @peakLiveBlocks WHERE id = @id`),
    insertBlock: db.prepare('INSERT INTO blocks (heap_id, ptr, size, align, tag) VALUES (?, ?, ?, ?, ?)'),
    deleteBlock: db.prepare('DELETE FROM blocks WHERE heap_id = ? AND ptr = ?'),
    moveBlock: db.prepare('UPDATE blocks SET ptr = ?, size = ? WHERE heap_id = ? AND ptr = ?'),
    deleteBlocks: db.prepare('DELETE FROM blocks WHERE heap_id = ?'),
    insertOp: db.prepare('INSERT INTO ops (heap_id, op, ptr, size, align, from_ptr, undone) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    deleteOps: db.prepare('DELETE FROM ops WHERE heap_id = ?'),
    heaps: db.prepare('SELECT id, seq, description, allocs, frees, reallocs, failed_allocs, peak_used, peak_live_blocks FROM heaps ORDER BY seq'),
    blocks: db.prepare('SELECT ptr, size, align, tag FROM blocks WHERE heap_id = ? ORDER BY ptr'),
    ops: db.prepare('SELECT op, ptr, size, align, from_ptr, undone FROM ops WHERE heap_id = ? AND id > ? ORDER BY id').raw(true),
    lastOp: db.prepare('SELECT max(id) FROM ops WHERE heap_id = ?').pluck(),
    deleteStale: db.prepare('DELETE FROM ops WHERE id IN (SELECT id FROM ops WHERE heap_id = ? AND id < ? ORDER BY id LIMIT ?)'),
    snapshot: db.prepare('SELECT blocks, free_order, through_op FROM snapshots WHERE heap_id = ?'),
    saveSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots (heap_id, blocks, free_order, through_op) VALUES (?, ?, ?, ?)'),
    deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE heap_id = ?')
  }
}

function toBlock (row: BlockRow): StoredBlock {
  const block: StoredBlock = { ptr: row.ptr, size: row.size }
  if (row.align !== null) block.align = row.align
  if (row.tag !== null) block.tag = row.tag
  return block
}

function toOp ([op, ptr, size, align, fromPtr, undone]: OpRow): StoredOp {
  switch (op) {
    case 'alloc': {
      const alloc: Mutation = { op: 'alloc', ptr: ptr!, size: size! }
      if (align !== null) alloc.align = align
      return alloc
    }
    case 'free':
      return { op: 'free', ptr: ptr! }
    case 'realloc':
      return { op: 'realloc', from: fromPtr!, ptr: ptr!, size: size! }
    case 'rolled-back':
      return { op: 'rolled-back', mutations: JSON.parse(undone!) as Mutation[] }
    default:
      throw new Error(`unknown op ${op} in the journal`)
  }
}

/** Opens (or creates) the store at `file`. */
export function openStore (file: string, options: StoreOptions = {}): SqliteStore {
  return new SqliteStore(file, options)
}
