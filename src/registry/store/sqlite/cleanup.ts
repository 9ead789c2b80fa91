/**
 * The cleanup of the SQLite store: rows that no longer count (the blocks of a reset or deleted
 * heap, the ops a snapshot replaced), listed in the `obsolete` table by the change that left them,
 * are deleted here in slices of at most SLICE_ROWS rows, one transaction each, one slice per turn
 * of the event loop. A change thus never pays for a heap's size: a reset of a million blocks
 * costs a few rows, and the million rows go a slice at a time between requests. A slice that fails
 * (disk full: a delete needs room in the WAL too) is tried again a second later; a restart goes on
 * from the table. Idempotency-Keys past their expiry go the same way, after the obsolete rows.
 */
import type Database from 'better-sqlite3'

/** Rows deleted per slice: a few milliseconds of work. */
export const SLICE_ROWS = 1000

const RETRY_MS = 1000

export interface CleanupOptions {
  /** Run slices on the event loop by themselves (the default); false: only when cleanUp() is called. */
  background?: boolean
  /** The clock Idempotency-Keys expire by, in ms since the epoch; Date.now unless a test pins it. */
  now?: () => number
}

interface ObsoleteRow { id: number, heap_id: string, before_generation: number, before_op: number }

export class Cleanup {
  private readonly background: boolean
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined
  private stopped = false
  private readonly next: Database.Statement
  private readonly blocks: Database.Statement
  private readonly ops: Database.Statement
  private readonly recordedOps: Database.Statement
  private readonly done: Database.Statement
  private readonly expiredKeys: Database.Statement
  private readonly anyExpiredKey: Database.Statement
  private readonly now: () => number
  private readonly slice: () => boolean

  constructor (db: Database.Database, options: CleanupOptions = {}) {
    this.background = options.background ?? true
    this.next = db.prepare('SELECT id, heap_id, before_generation, before_op FROM obsolete ORDER BY id LIMIT 1')
    this.blocks = db.prepare(`DELETE FROM blocks WHERE (heap_id, generation, ptr) IN
      (SELECT heap_id, generation, ptr FROM blocks WHERE heap_id = ? AND generation < ? LIMIT ?)`)
    this.ops = db.prepare('DELETE FROM ops WHERE id IN (SELECT id FROM ops WHERE heap_id = ? AND id < ? ORDER BY id LIMIT ?)')
    this.recordedOps = db.prepare(`DELETE FROM recorded_ops WHERE (heap_id, seq) IN
      (SELECT heap_id, seq FROM recorded_ops WHERE heap_id = ? LIMIT ?)`)
    this.done = db.prepare('DELETE FROM obsolete WHERE id = ?')
    this.expiredKeys = db.prepare(`DELETE FROM idempotency_keys WHERE rowid IN
      (SELECT rowid FROM idempotency_keys WHERE expires_at <= ? LIMIT ?)`)
    this.anyExpiredKey = db.prepare('SELECT 1 FROM idempotency_keys WHERE expires_at <= ? LIMIT 1')
    this.now = options.now ?? Date.now
    this.slice = db.transaction(() => this.deleteSlice())
  }

  /** Schedules slices until nothing is left (in the background mode). */
  start (): void {
    if (!this.background || this.stopped || this.timer !== undefined) return
    this.timer = setImmediate(() => this.tick())
    this.timer.unref()
  }

  stop (): void {
    this.stopped = true
    if (this.timer === undefined) return
    clearImmediate(this.timer as NodeJS.Immediate)
    clearTimeout(this.timer as NodeJS.Timeout)
    this.timer = undefined
  }

  /** Runs up to `slices` slices now; answers whether work remains. */
  run (slices = Infinity): boolean {
    for (let i = 0; i < slices; i++) if (!this.slice()) return false
    return this.next.get() !== undefined || this.anyExpiredKey.get(this.now()) !== undefined
  }

  private tick (): void {
    this.timer = undefined
    if (this.stopped) return
    let more: boolean
    try {
      more = this.slice()
    } catch {
      this.timer = setTimeout(() => this.tick(), RETRY_MS)
      this.timer.unref()
      return
    }
    if (more) this.start()
  }

  /** Deletes up to SLICE_ROWS obsolete rows, then expired keys; answers whether any work was left to do. */
  private deleteSlice (): boolean {
    let budget = SLICE_ROWS
    while (budget > 0) {
      const row = this.next.get() as ObsoleteRow | undefined
      if (row === undefined) break
      budget -= this.blocks.run(row.heap_id, row.before_generation, budget).changes
      if (budget > 0) budget -= this.ops.run(row.heap_id, row.before_op, budget).changes
      // A deleted heap (every generation obsolete): its recorded history goes too.
      if (budget > 0 && row.before_generation === Number.MAX_SAFE_INTEGER) budget -= this.recordedOps.run(row.heap_id, budget).changes
      if (budget > 0) this.done.run(row.id)
    }
    if (budget > 0) budget -= this.expiredKeys.run(this.now(), budget).changes
    return budget === 0
  }
}
