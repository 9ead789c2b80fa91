/**
 * The recorded_ops table: the history of heaps created with `record: true` (registry/recording.ts).
 *
 * A change to such a heap appends, in its own transaction, the ops its recording gained: those
 * past the largest `seq` the file holds for the heap (an indexed lookup, so nothing is counted in
 * memory that an undone transaction could leave wrong). When the recording stops at its limit, a
 * row of op STOPPED follows its last op. A deleted heap's rows go with the cleanup (cleanup.ts).
 */
import type Database from 'better-sqlite3'
import type { HeapState } from '../../events.js'
import { RECORDED_ALLOC, RECORDED_FREE, RECORDED_MOVE, RECORDED_RESIZE, type RecordedEntry, type RecordedKind } from '../../recording.js'
import { StoreDamagedError } from '../errors.js'
import type { StoredRecording } from '../store.js'

/** The op of the row that marks a recording stopped at its limit. */
const STOPPED = 0

type Row = [seq: number, op: number, traceId: number, size: number, align: number, ptr: number]

export class RecordedOps {
  private readonly lastSeq: Database.Statement
  private readonly insert: Database.Statement
  private readonly rows: Database.Statement

  constructor (db: Database.Database, private readonly file: string) {
    this.lastSeq = db.prepare('SELECT max(seq) FROM recorded_ops WHERE heap_id = ?').pluck()
    this.insert = db.prepare('INSERT INTO recorded_ops (heap_id, seq, op, trace_id, size, align, ptr) VALUES (?, ?, ?, ?, ?, ?, ?)')
    this.rows = db.prepare('SELECT seq, op, trace_id, size, align, ptr FROM recorded_ops WHERE heap_id = ? ORDER BY seq').raw(true)
  }

  /** Appends what the heap's recording gained since the file last heard of it; nothing for a heap that does not record. */
  write (heapId: string, state: HeapState): void {
    const recording = state.recording
    if (recording === undefined) return
    const last = this.lastSeq.get(heapId) as number | null
    let seq = last === null ? 0 : last + 1
    if (seq > recording.entryCount) return
    for (const entry of recording.entries(seq)) this.insert.run(heapId, seq++, entry.kind, entry.id, entry.size, entry.align, entry.ptr)
    if (!recording.complete) this.insert.run(heapId, seq, STOPPED, 0, 0, 0, 0)
  }

  /**
   * The heap's recording as the file holds it. The entries are read one row at a time when
   * iterated (a history may be millions of ops), before the next heap is read.
   */
  load (heapId: string): StoredRecording {
    const stored: StoredRecording = { entries: [], complete: true }
    stored.entries = this.entries(heapId, stored)
    return stored
  }

  private * entries (heapId: string, stored: StoredRecording): Generator<RecordedEntry> {
    let expected = 0
    for (const [seq, op, id, size, align, ptr] of this.rows.iterate(heapId) as IterableIterator<Row>) {
      const fail = (problem: string): never => {
        throw new StoreDamagedError(this.file, `heap ${heapId}: recorded op ${seq} ${problem}`)
      }
      if (seq !== expected++) fail(`follows op ${expected - 2}: the recording has a gap`)
      if (op === STOPPED) {
        stored.complete = false
        continue
      }
      if (!stored.complete) fail('follows the mark of a stopped recording')
      if (op !== RECORDED_ALLOC && op !== RECORDED_FREE && op !== RECORDED_RESIZE && op !== RECORDED_MOVE) fail(`has an unknown kind ${op}`)
      yield { kind: op as RecordedKind, id, size, align, ptr }
    }
  }
}
