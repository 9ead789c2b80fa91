/**
 * The SQLite store (HEAPD_DATA): every change the registry announces (events.ts) is committed
 * to the file before the hook returns, so before it is answered; on start the heaps come back
 * from the file (load) after checks that refuse a damaged file (integrity.ts).
 *
 * One announced change is one SQLite transaction (a whole batch included), written with prepared
 * statements. The journal is WAL with synchronous=NORMAL: a commit survives the process being
 * killed at any moment; after a power loss the last commits before the last checkpoint's fsync may
 * be lost, the file staying consistent. A lock file beside it (lock.ts) keeps a second server off
 * the same file, while other readers (an online backup) may still read it.
 *
 * A commit that fails (disk full, I/O error) throws StoreUnavailableError: the heap rolls its
 * change back and the client is answered 503. The undo may leave a tlsf heap's free lists in an
 * order the file does not know, so that heap is marked unsynced, and the next commit touching it
 * also records its snapshot; until a commit succeeds the store is not ready, and ready() tries
 * that re-sync itself, so the service recovers when the disk does.
 *
 * tlsf heaps also journal their ops, cut by snapshots (snapshots.ts), so that the file and the
 * restart time stay proportional to the live blocks, not to the heap's history. Bulk deletions (a
 * reset, a deleted heap, replaced ops) are O(1) in the change and finished in slices (cleanup.ts).
 *
 * The answer to a change made under an Idempotency-Key rides on the change's event and is written
 * in the change's transaction (idempotency.ts): after a crash both are in the file or neither is.
 * Expired keys are deleted by the cleanup, started at most once every KEY_SWEEP_INTERVAL_MS.
 *
 * A heap's defragmentation plan is one row of defrag_plans (the plan as JSON), written with the
 * change that makes, commits or ends it; a commit moves the blocks' rows. The heap's `used` column
 * counts its blocks only, not the bytes its open plan reserves. A tlsf heap's history starts afresh
 * from a snapshot at every plan change, so that its reservations are those of the open plan
 * (rebuild.ts).
 */
import Database from 'better-sqlite3'
import type { Plan } from '../../defrag.js'
import type { Change, HeapState, Mutation, RegistryEvents } from '../../events.js'
import type { IdempotencyRecord } from '../../idempotency.js'
import { StoreDamagedError, StoreInUseError, StoreOpenError, StoreUnavailableError } from '../errors.js'
import type { Store, StoredHeap, StoredOp } from '../store.js'
import { Cleanup, type CleanupOptions } from './cleanup.js'
import { checkFile, checkHeap, type BlockRow, type HeapRow } from './integrity.js'
import { acquireLock, type Lock } from './lock.js'
import { RecordedOps } from './recordings.js'
import { SCHEMA_VERSION, upgradeSchema } from './schema.js'
import { decodeSnapshot, encodeSnapshot, SNAPSHOT_SLACK, snapshotDue, type EncodedSnapshot } from './snapshots.js'

export interface SqliteStoreOptions extends CleanupOptions {
  /** Replay steps a tlsf journal may hold beyond twice the live blocks (snapshots.ts); SNAPSHOT_SLACK by default. */
  snapshotSlack?: number
  /** Milliseconds between two attempts of a failing store to commit again in ready(); RETRY_INTERVAL_MS by default. */
  retryInterval?: number
}

/** An ops row as an array (op, ptr, size, align, from_ptr, undone): read raw, as journals can be long. */
type OpRow = [op: string, ptr: number | null, size: number | null, align: number | null, fromPtr: number | null, undone: string | null]

/** What the store keeps in memory about a heap. */
interface Tracked {
  /** Generation of its rows in the blocks table. */
  generation: number
  /** tlsf heaps: replay steps in the ops table since the snapshot (or since empty); undefined for the others. */
  steps: number | undefined
  /** Bytes reserved by the heap's open defragmentation plan: counted as used by the heap, not by its blocks. */
  reserved: number
}

/** Milliseconds between two attempts of a failing store to commit again (ready): readiness probes come often. */
export const RETRY_INTERVAL_MS = 1000

/** Milliseconds between two cleanups started for expired Idempotency-Keys: their rows go in slices, not on every request. */
export const KEY_SWEEP_INTERVAL_MS = 60_000

interface KeyRow { scope: string, key: string, fingerprint: string, expires_at: number, status: number, location: string | null, body: string | null }

export class SqliteStore implements Store {
  readonly location: string
  readonly events: RegistryEvents
  private readonly db: Database.Database
  private readonly lock: Lock
  private readonly statements: Statements
  private readonly snapshotSlack: number
  private readonly retryInterval: number
  private readonly heaps = new Map<string, Tracked>()
  /** Heaps whose state in memory may differ from the file since a commit failed: the next commit records them whole. */
  private readonly unsynced = new Map<string, HeapState>()
  private failure: unknown = undefined
  private lastAttempt = 0
  /** Set when the change being written left rows to the cleanup. */
  private obsoleted = false
  private readonly record: (change: Change) => void
  private readonly cleanup: Cleanup
  private readonly recordedOps: RecordedOps
  private readonly now: () => number
  private lastKeySweep = 0

  /** Opens (or creates) the store at `file`: locks it, checks it, upgrades its schema, proves it can be written. */
  static open (file: string, options: SqliteStoreOptions = {}): SqliteStore {
    let lock: Lock
    try {
      lock = acquireLock(file)
    } catch (error) {
      throw openError(file, error)
    }
    let db: Database.Database | undefined
    try {
      db = opened(file)
      upgradeSchema(db, checkFile(db, file))
      // A write at start: a store that cannot be written refuses to start instead of failing every change.
      db.pragma(`user_version = ${SCHEMA_VERSION}`)
      return new SqliteStore(file, db, lock, options)
    } catch (error) {
      db?.close()
      lock.release()
      throw openError(file, error)
    }
  }

  private constructor (file: string, db: Database.Database, lock: Lock, options: SqliteStoreOptions) {
    this.location = file
    this.db = db
    this.lock = lock
    this.snapshotSlack = options.snapshotSlack ?? SNAPSHOT_SLACK
    this.retryInterval = options.retryInterval ?? RETRY_INTERVAL_MS
    this.statements = prepare(db)
    this.now = options.now ?? Date.now
    this.record = db.transaction((change: Change) => {
      if (change.kind === 'answered') return this.writeAnswer(change.record)
      this.write(change)
      if (change.answered !== undefined) this.writeAnswer(change.answered)
      const heapId = heapIdOf(change)
      const state = this.unsynced.get(heapId)
      // A reset or a delete records the heap afresh anyway.
      if (state !== undefined && change.kind !== 'heap-deleted' && change.kind !== 'heap-reset') this.resync(heapId, state)
    })
    this.events = { changed: (change) => this.changed(change) }
    this.cleanup = new Cleanup(db, options)
    this.recordedOps = new RecordedOps(db, file)
  }

  /** The heaps of the file in creation order, each checked against its counters (integrity.ts). */
  * load (): Iterable<StoredHeap> {
    try {
      for (const row of this.statements.heaps.all() as HeapRow[]) {
        const blocks = this.statements.blocks.all(row.id, row.generation) as BlockRow[]
        const stored = checkHeap(this.location, row, blocks)
        if (stored.description.record === true) stored.recording = this.recordedOps.load(row.id)
        const tracked: Tracked = { generation: row.generation, steps: undefined, reserved: 0 }
        this.heaps.set(row.id, tracked)
        const planRow = this.statements.plan.get(row.id) as string | undefined
        if (planRow !== undefined) {
          stored.plan = this.decodedPlan(row.id, planRow)
          tracked.reserved = reservedBytes(stored.plan)
        }
        if (stored.description.strategy === 'tlsf') {
          const snapshotRow = this.statements.snapshot.get(row.id) as (EncodedSnapshot & { through_op: number }) | undefined
          const snapshot = snapshotRow === undefined ? undefined : this.decoded(row.id, snapshotRow)
          tracked.steps = 0
          stored.history = {
            ...(snapshot !== undefined && snapshot.blocks.length > 0 ? { snapshot } : {}),
            ops: this.opsOf(row.id, snapshotRow?.through_op ?? 0, tracked)
          }
        }
        yield stored
      }
    } catch (error) {
      throw isDamage(error) ? new StoreDamagedError(this.location, (error as Error).message) : error
    }
    this.cleanup.start()
  }

  /** The Idempotency-Keys of the file not yet expired, oldest first. */
  * loadKeys (): Iterable<IdempotencyRecord> {
    for (const row of this.statements.keys.iterate(this.now()) as IterableIterator<KeyRow>) {
      yield {
        scope: row.scope,
        key: row.key,
        fingerprint: row.fingerprint,
        expiresAt: row.expires_at,
        answer: {
          status: row.status,
          ...(row.location !== null ? { location: row.location } : {}),
          ...(row.body !== null ? { body: row.body } : {})
        }
      }
    }
  }

  ready (): boolean {
    if (this.failure === undefined) return true
    const now = Date.now()
    if (now - this.lastAttempt < this.retryInterval) return false
    this.lastAttempt = now
    try {
      this.db.transaction(() => {
        for (const [heapId, state] of this.unsynced) this.resync(heapId, state)
        this.db.pragma(`user_version = ${SCHEMA_VERSION}`)
      })()
    } catch {
      return false
    }
    this.unsynced.clear()
    this.failure = undefined
    return true
  }

  close (): void {
    this.cleanup.stop()
    if (this.db.open) this.db.close()
    this.lock.release()
  }

  /** Runs up to `slices` slices of the pending cleanup now; answers whether some remains (for tests and tools). */
  cleanUp (slices = Infinity): boolean {
    return this.cleanup.run(slices)
  }

  private changed (change: Change): void {
    if (change.kind === 'answered') return this.answered(change)
    const heapId = heapIdOf(change)
    const tracked = this.heaps.get(heapId)
    const saved = tracked === undefined ? undefined : { ...tracked }
    try {
      this.record(change)
    } catch (error) {
      this.obsoleted = false
      if (tracked !== undefined && saved !== undefined) Object.assign(tracked, saved)
      if (change.kind === 'heap-created') this.heaps.delete(heapId)
      // Undone in memory, the heap may differ from the file (tlsf's free order): record it whole next time.
      if ('state' in change && change.kind !== 'heap-created') this.unsynced.set(heapId, change.state)
      if (!isUnavailable(error)) throw error
      this.failure = error
      this.lastAttempt = Date.now()
      throw new StoreUnavailableError(this.location, error)
    }
    this.failure = undefined
    this.unsynced.delete(heapId)
    if (this.obsoleted) this.cleanup.start()
    this.obsoleted = false
    if (change.answered !== undefined) this.sweepKeysNow()
  }

  /** A keyed request's answer with no change of its own: its own transaction. */
  private answered (change: Change & { kind: 'answered' }): void {
    try {
      this.record(change)
    } catch (error) {
      if (!isUnavailable(error)) throw error
      this.failure = error
      this.lastAttempt = Date.now()
      throw new StoreUnavailableError(this.location, error)
    }
    this.sweepKeysNow()
  }

  /** Starts the cleanup for expired keys, at most once every KEY_SWEEP_INTERVAL_MS. */
  private sweepKeysNow (): void {
    const now = this.now()
    if (now - this.lastKeySweep < KEY_SWEEP_INTERVAL_MS) return
    this.lastKeySweep = now
    this.cleanup.start()
  }

  private writeAnswer (record: IdempotencyRecord): void {
    const { answer } = record
    this.statements.saveKey.run(record.scope, record.key, record.fingerprint, record.expiresAt, answer.status, answer.location ?? null, answer.body ?? null)
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
        this.heaps.set(heap.id, { generation: 0, steps: heap.strategy === 'tlsf' ? 0 : undefined, reserved: 0 })
        return
      }
      case 'heap-deleted':
        s.deleteHeap.run(change.heapId)
        s.deleteSnapshot.run(change.heapId)
        s.deletePlan.run(change.heapId)
        this.obsolete(change.heapId, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
        this.heaps.delete(change.heapId)
        return
      case 'counted':
        this.saveCounters(change.heapId, change.state)
        return
      case 'heap-reset': {
        const tracked = this.tracked(change.heapId)
        tracked.generation++
        s.setGeneration.run(tracked.generation, change.heapId)
        this.recordedOps.write(change.heapId, change.state)
        s.deletePlan.run(change.heapId)
        tracked.reserved = 0
        this.obsolete(change.heapId, tracked.generation, 0)
        if (tracked.steps !== undefined) this.startHistory(change.heapId, tracked, undefined)
        this.saveCounters(change.heapId, change.state, true)
        return
      }
      case 'mutations': {
        const tracked = this.tracked(change.heapId)
        for (const mutation of change.mutations) this.writeBlock(change.heapId, tracked.generation, mutation)
        this.recordedOps.write(change.heapId, change.state)
        const stats = this.saveCounters(change.heapId, change.state)
        if (tracked.steps === undefined) return
        // An empty heap is a single free range whatever its history: nothing left to replay.
        if (stats.liveBlocks === 0) return this.startHistory(change.heapId, tracked, undefined)
        for (const mutation of change.mutations) this.writeOp(change.heapId, mutation)
        tracked.steps += change.mutations.length
        if (snapshotDue(tracked.steps, stats.liveBlocks, this.snapshotSlack)) this.startHistory(change.heapId, tracked, change.state)
        return
      }
      case 'rolled-back': {
        const tracked = this.tracked(change.heapId)
        if (tracked.steps === undefined) return
        const live = change.state.stats().liveBlocks
        // The heap is as the file has it, but for the order of tlsf's free lists. Recording the
        // undo costs the batch's size, a snapshot the heap's: the cheaper of the two is written.
        if (live === 0) return
        if (change.mutations.length >= live) return this.startHistory(change.heapId, tracked, change.state)
        s.insertOp.run(change.heapId, 'rolled-back', null, null, null, null, JSON.stringify(change.mutations.map(replayable)))
        tracked.steps += change.mutations.length
        if (snapshotDue(tracked.steps, live, this.snapshotSlack)) this.startHistory(change.heapId, tracked, change.state)
        return
      }
      case 'rebuilt': {
        const tracked = this.tracked(change.heapId)
        if (tracked.steps !== undefined) this.startHistory(change.heapId, tracked, change.state)
        return
      }
      case 'defrag-planned':
      case 'defrag-committed':
      case 'defrag-ended':
        if (change.kind === 'defrag-committed') this.recordedOps.write(change.heapId, change.state)
        this.writePlan(change)
    }
  }

  private writePlan (change: Change & { kind: 'defrag-planned' | 'defrag-committed' | 'defrag-ended' }): void {
    const s = this.statements
    const tracked = this.tracked(change.heapId)
    switch (change.kind) {
      case 'defrag-planned':
        s.savePlan.run(change.heapId, JSON.stringify(change.plan))
        tracked.reserved = reservedBytes(change.plan)
        break
      case 'defrag-committed': {
        const skipped = new Set(change.skipped)
        for (const move of change.moves) {
          if (!skipped.has(move.ptr)) s.moveBlock.run(move.newPtr, move.size, change.heapId, tracked.generation, move.ptr)
        }
        s.commitPlan.run(JSON.stringify(change.result), change.heapId, change.planId)
        tracked.reserved = 0
        break
      }
      case 'defrag-ended':
        s.deletePlan.run(change.heapId)
        tracked.reserved = 0
    }
    this.saveCounters(change.heapId, change.state)
    // A fresh snapshot holds exactly the open plan's reservations: the history never replays a plan.
    if (tracked.steps !== undefined) this.startHistory(change.heapId, tracked, change.state)
  }

  private decodedPlan (heapId: string, text: string): Plan {
    try {
      return JSON.parse(text) as Plan
    } catch (error) {
      throw new StoreDamagedError(this.location, `heap ${heapId}: its defragmentation plan is not JSON (${(error as Error).message})`)
    }
  }

  private decoded (heapId: string, row: EncodedSnapshot) {
    try {
      return decodeSnapshot(row)
    } catch (error) {
      throw new StoreDamagedError(this.location, `heap ${heapId}: its snapshot cannot be read (${(error as Error).message})`)
    }
  }

  /** Records a heap that may differ from the file whole: its counters, and a tlsf heap's snapshot. */
  private resync (heapId: string, state: HeapState): void {
    const tracked = this.heaps.get(heapId)
    if (tracked === undefined) return
    this.saveCounters(heapId, state)
    if (tracked.steps !== undefined) this.startHistory(heapId, tracked, state)
  }

  /**
   * Starts a tlsf heap's history afresh: from a snapshot of `state` as it is now, or from the
   * empty heap when `state` is undefined. The ops so far are replaced, left to the cleanup but for
   * the last (schema.ts).
   */
  private startHistory (heapId: string, tracked: Tracked, state: HeapState | undefined): void {
    const s = this.statements
    const throughOp = (s.lastOp.get(heapId) as number | null) ?? 0
    const encoded = encodeSnapshot(state === undefined ? { blocks: [], freeOrder: [] } : state.snapshot())
    s.saveSnapshot.run(heapId, encoded.blocks, encoded.free_order, throughOp)
    if (throughOp > 0) this.obsolete(heapId, 0, throughOp)
    tracked.steps = 0
  }

  /** Leaves the heap's blocks of generations before `beforeGeneration` and its ops before `beforeOp` to the cleanup. */
  private obsolete (heapId: string, beforeGeneration: number, beforeOp: number): void {
    this.statements.insertObsolete.run(heapId, beforeGeneration, beforeOp)
    this.obsoleted = true
  }

  private tracked (heapId: string): Tracked {
    const tracked = this.heaps.get(heapId)
    if (tracked === undefined) throw new Error(`heap ${heapId} is not in the store`)
    return tracked
  }

  /**
   * The heap's ops after `afterOp` in order, read one row at a time (a journal may hold
   * millions), counted into the heap's steps as they go. Nothing else may use the connection
   * until the iteration ends or is abandoned.
   */
  private * opsOf (heapId: string, afterOp: number, tracked: Tracked): Generator<StoredOp> {
    try {
      for (const row of this.statements.ops.iterate(heapId, afterOp) as IterableIterator<OpRow>) {
        const op = toOp(row)
        tracked.steps = (tracked.steps ?? 0) + (op.op === 'rolled-back' ? op.mutations.length : 1)
        yield op
      }
    } catch (error) {
      throw isDamage(error) ? new StoreDamagedError(this.location, (error as Error).message) : error
    }
  }

  private writeBlock (heapId: string, generation: number, mutation: Mutation): void {
    const s = this.statements
    switch (mutation.op) {
      case 'alloc':
        s.insertBlock.run(heapId, generation, mutation.ptr, mutation.size, mutation.align ?? null, mutation.tag ?? null)
        return
      case 'free':
        s.deleteBlock.run(heapId, generation, mutation.ptr)
        return
      case 'realloc':
        s.moveBlock.run(mutation.ptr, mutation.size, heapId, generation, mutation.from)
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

  /** Records the heap's counters; `emptied`: as the reset about to happen leaves them (no block, the history kept). */
  private saveCounters (heapId: string, state: HeapState, emptied = false) {
    const stats = emptied ? { ...state.stats(), liveBlocks: 0, used: 0 } : state.stats()
    const reserved = emptied ? 0 : this.heaps.get(heapId)?.reserved ?? 0
    this.statements.counters.run({
      id: heapId,
      allocs: stats.allocs,
      frees: stats.frees,
      reallocs: stats.reallocs,
      failedAllocs: stats.failedAllocs,
      peakUsed: stats.peakUsed,
      peakLiveBlocks: stats.peakLiveBlocks,
      liveBlocks: stats.liveBlocks,
      used: stats.used - reserved
    })
    return stats
  }
}

/** Bytes an open plan reserves: its moves' destinations. */
function reservedBytes (plan: Plan): number {
  if (plan.committed !== undefined) return 0
  let bytes = 0
  for (const move of plan.moves) bytes += move.size
  return bytes
}

function heapIdOf (change: Exclude<Change, { kind: 'answered' }>): string {
  return change.kind === 'heap-created' ? change.heap.id : change.heapId
}

/** A mutation as a journal replays it: tags play no part in placement and stay in the blocks table. */
function replayable (mutation: Mutation): Mutation {
  if (mutation.op !== 'alloc' || mutation.tag === undefined) return mutation
  const { tag: _tag, ...rest } = mutation
  return rest
}

/** Opens the file with the journal settings; a file SQLite cannot read fails here. */
function opened (file: string): Database.Database {
  // No busy wait: the lock file already keeps other servers away, and a failing disk should be told at once.
  const db = new Database(file, { timeout: 0 })
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

function codeOf (error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'string' ? code : ''
}

function isDamage (error: unknown): boolean {
  return error instanceof Database.SqliteError && /^SQLITE_(CORRUPT|NOTADB|FORMAT)/.test(codeOf(error))
}

/** A fault of the disk or the system, not of this program: the store may work again later. */
function isUnavailable (error: unknown): boolean {
  if (!(error instanceof Database.SqliteError)) return false
  const code = codeOf(error)
  return /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL|PERM|CORRUPT|NOTADB)/.test(code)
}

/** The error to report for a failed open: one sentence naming the file. */
function openError (file: string, error: unknown): Error {
  if (error instanceof StoreDamagedError || error instanceof StoreInUseError || error instanceof StoreOpenError) return error
  if (isDamage(error)) return new StoreDamagedError(file, (error as Error).message)
  if (codeOf(error).startsWith('SQLITE_BUSY') || codeOf(error).startsWith('SQLITE_LOCKED')) return new StoreInUseError(file)
  return new StoreOpenError(file, error)
}

type Statements = ReturnType<typeof prepare>

function prepare (db: Database.Database) {
  return {
    insertHeap: db.prepare(`INSERT INTO heaps (id, seq, size, strategy, alignment, name, created_at, description)
      VALUES (@id, @seq, @size, @strategy, @alignment, @name, @createdAt, @description)`),
    deleteHeap: db.prepare('DELETE FROM heaps WHERE id = ?'),
    counters: db.prepare(`UPDATE heaps SET allocs = @allocs, frees = @frees, reallocs = @reallocs,
      failed_allocs = @failedAllocs, peak_used = @peakUsed, peak_live_blocks = @peakLiveBlocks,
      live_blocks = @liveBlocks, used = @used WHERE id = @id`),
    setGeneration: db.prepare('UPDATE heaps SET generation = ? WHERE id = ?'),
    insertBlock: db.prepare('INSERT INTO blocks (heap_id, generation, ptr, size, align, tag) VALUES (?, ?, ?, ?, ?, ?)'),
    deleteBlock: db.prepare('DELETE FROM blocks WHERE heap_id = ? AND generation = ? AND ptr = ?'),
    moveBlock: db.prepare('UPDATE blocks SET ptr = ?, size = ? WHERE heap_id = ? AND generation = ? AND ptr = ?'),
    insertOp: db.prepare('INSERT INTO ops (heap_id, op, ptr, size, align, from_ptr, undone) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    heaps: db.prepare(`SELECT id, seq, size, strategy, alignment, description, allocs, frees, reallocs, failed_allocs,
      peak_used, peak_live_blocks, live_blocks, used, generation FROM heaps ORDER BY seq`),
    blocks: db.prepare('SELECT ptr, size, align, tag FROM blocks WHERE heap_id = ? AND generation = ? ORDER BY ptr'),
    ops: db.prepare('SELECT op, ptr, size, align, from_ptr, undone FROM ops WHERE heap_id = ? AND id > ? ORDER BY id').raw(true),
    lastOp: db.prepare('SELECT max(id) FROM ops WHERE heap_id = ?').pluck(),
    snapshot: db.prepare('SELECT blocks, free_order, through_op FROM snapshots WHERE heap_id = ?'),
    saveSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots (heap_id, blocks, free_order, through_op) VALUES (?, ?, ?, ?)'),
    deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE heap_id = ?'),
    insertObsolete: db.prepare('INSERT INTO obsolete (heap_id, before_generation, before_op) VALUES (?, ?, ?)'),
    saveKey: db.prepare(`INSERT OR REPLACE INTO idempotency_keys (scope, key, fingerprint, expires_at, status, location, body)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    plan: db.prepare('SELECT plan FROM defrag_plans WHERE heap_id = ?').pluck(),
    savePlan: db.prepare('INSERT OR REPLACE INTO defrag_plans (heap_id, plan) VALUES (?, ?)'),
    commitPlan: db.prepare("UPDATE defrag_plans SET plan = json_set(plan, '$.committed', json(?)) WHERE heap_id = ? AND plan ->> '$.id' = ?"),
    deletePlan: db.prepare('DELETE FROM defrag_plans WHERE heap_id = ?'),
    keys: db.prepare(`SELECT scope, key, fingerprint, expires_at, status, location, body FROM idempotency_keys
      WHERE expires_at > ? ORDER BY expires_at`)
  }
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
