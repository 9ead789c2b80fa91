/**
 * A recording heap's history (POST /heaps with `record: true`): every alloc, free and realloc that
 * succeeded, in order, as a trace (docs/traces.md) whose ids stand for blocks. A pointer is reused
 * once its block is freed; an id never is, so a replay on another strategy, where the same block
 * lands elsewhere, still knows which block each op means.
 *
 * What is kept per op: its kind, the block's id, its size (allocs and resizes), the requested
 * alignment (as log2 + 1, 0 for none) and the pointer it happened at, in flat typed arrays grown
 * by doubling: 22 bytes an op, no object per op. The pointer is what lets a store rebuild the
 * live pointer -> id map on load, and an undone change be taken back without a log of its own.
 *
 * A realloc in place is a resize (`r`); one that moves is an alloc of a new id and a free of the
 * old one, in that order: the allocator places the new block while the old one is still held (a
 * copy needs both), so a replay gives the same layout. A reset is the frees of every live block in address order: the heap is then empty,
 * which is what replaying them gives too.
 *
 * A block moved by a defragmentation commit keeps its id: the move is the service's doing, not the
 * program's, so it is no trace op. It is kept as an entry all the same (the block's new pointer,
 * its former one in the size field) so that a store can follow the block after a restart.
 *
 * At most `maxOps` entries are kept (moves count); the one that would go past them stops the
 * recording for good (`complete` false), and what is kept stays a valid prefix of the history.
 */
import type { Mutation } from './events.js'

export const RECORDED_ALLOC = 1
export const RECORDED_FREE = 2
export const RECORDED_RESIZE = 3
export const RECORDED_MOVE = 4

export type RecordedKind = typeof RECORDED_ALLOC | typeof RECORDED_FREE | typeof RECORDED_RESIZE | typeof RECORDED_MOVE

/** One op as a trace reads it: `size` for alloc and realloc, `align` for an alloc that asked for one. */
export type RecordedTraceOp =
  | { op: 'alloc', id: number, size: number, align?: number }
  | { op: 'free', id: number }
  | { op: 'realloc', id: number, size: number }

/**
 * One entry with the pointer it happened at: what a store keeps. `size` and `align` are 0 where
 * they do not apply; a move's `size` is the block's former pointer.
 */
export interface RecordedEntry {
  kind: RecordedKind
  id: number
  size: number
  align: number
  ptr: number
}

/** A recording's state before a change, to take the change back (Heap.apply). */
export interface RecordingMark {
  entries: number
  nextId: number
  complete: boolean
}

const INITIAL_CAPACITY = 1024

export class Recording {
  readonly maxOps: number
  private kinds = new Uint8Array(0)
  private alignCodes = new Uint8Array(0)
  private ids = new Uint32Array(0)
  private sizes = new Float64Array(0)
  private ptrs = new Float64Array(0)
  private count = 0
  /** Entry indices of the moves, in order: few, as defragmentation commits are. */
  private readonly moveEntries: number[] = []
  private nextId = 0
  private stopped = false
  /** Live block pointer -> its id. */
  private readonly live = new Map<number, number>()
  /** Live block pointer -> its alignment code, for the blocks that asked for an alignment. */
  private readonly liveAlign = new Map<number, number>()

  constructor (maxOps: number) {
    this.maxOps = maxOps
  }

  /**
   * A recording with a store's entries already in it, stopped when `complete` is false (read once
   * the entries are, as a store may learn it while they are read).
   */
  static restore (maxOps: number, stored: { entries: Iterable<RecordedEntry>, complete: boolean }): Recording {
    const recording = new Recording(maxOps)
    // Past maxOps too: a recording made under a larger limit is kept whole.
    for (const entry of stored.entries) recording.append(entry.kind, entry.id, entry.size, entry.align, entry.ptr)
    recording.stopped = !stored.complete
    return recording
  }

  /** Trace ops kept. */
  get length (): number {
    return this.count - this.moveEntries.length
  }

  /** Entries kept: the trace ops and the moves among them. */
  get entryCount (): number {
    return this.count
  }

  /** False once an op did not fit in maxOps: the recording stopped there. */
  get complete (): boolean {
    return !this.stopped
  }

  /** Records a change's mutations, in order. */
  record (mutations: readonly Mutation[]): void {
    for (const mutation of mutations) {
      if (this.stopped) return
      switch (mutation.op) {
        case 'alloc':
          this.alloc(mutation.ptr, mutation.size, mutation.align === undefined ? 0 : alignCode(mutation.align))
          break
        case 'free':
          this.free(mutation.ptr)
          break
        case 'realloc':
          this.realloc(mutation.from, mutation.ptr, mutation.size)
      }
    }
  }

  /** Records the blocks a defragmentation commit moved: each keeps its id at its new pointer. */
  recordMoves (moves: Iterable<{ ptr: number, newPtr: number }>): void {
    for (const { ptr, newPtr } of moves) {
      if (this.stopped) return
      const id = this.live.get(ptr)
      if (id === undefined) throw new Error(`recording: no live block at ${ptr}`)
      this.push(RECORDED_MOVE, id, ptr, this.liveAlign.get(ptr) ?? 0, newPtr)
    }
  }

  /** Records the frees of a reset: every live block, in address order. */
  recordReset (blocks: Iterable<{ ptr: number }>): void {
    for (const block of blocks) {
      if (this.stopped) return
      this.free(block.ptr)
    }
  }

  mark (): RecordingMark {
    // A stop that was not taken back is final: the pointer map is of no more use.
    if (this.stopped) {
      this.live.clear()
      this.liveAlign.clear()
    }
    return { entries: this.count, nextId: this.nextId, complete: !this.stopped }
  }

  /** Takes back every op recorded since `mark` (the change was undone). */
  rollback (mark: RecordingMark): void {
    for (let i = this.count - 1; i >= mark.entries; i--) {
      const ptr = this.ptrs[i]!
      switch (this.kinds[i]) {
        case RECORDED_ALLOC:
          this.live.delete(ptr)
          this.liveAlign.delete(ptr)
          break
        case RECORDED_FREE:
          this.live.set(ptr, this.ids[i]!)
          if (this.alignCodes[i] !== 0) this.liveAlign.set(ptr, this.alignCodes[i]!)
          break
        case RECORDED_MOVE:
          this.moveEntries.pop()
          this.repoint(ptr, this.sizes[i]!, this.ids[i]!, this.alignCodes[i]!)
      }
    }
    this.count = mark.entries
    this.nextId = mark.nextId
    this.stopped = !mark.complete
  }

  /** Trace ops [from, to) (op indices: moves are no ops), as a trace reads them. */
  * ops (from = 0, to = this.length): Generator<RecordedTraceOp> {
    let left = Math.min(to, this.length) - from
    for (let i = this.entryOfOp(from); left > 0 && i < this.count; i++) {
      const id = this.ids[i]!
      switch (this.kinds[i]) {
        case RECORDED_MOVE:
          continue
        case RECORDED_ALLOC: {
          const code = this.alignCodes[i]!
          yield code === 0 ? { op: 'alloc', id, size: this.sizes[i]! } : { op: 'alloc', id, size: this.sizes[i]!, align: 2 ** (code - 1) }
          break
        }
        case RECORDED_FREE:
          yield { op: 'free', id }
          break
        case RECORDED_RESIZE:
          yield { op: 'realloc', id, size: this.sizes[i]! }
      }
      left--
    }
  }

  /**
   * The entry index of trace op `op`: op + the moves before it. With moves at entries m0 < m1 < ...,
   * m_j - j never decreases, so the moves before the op are those with m_j - j <= op.
   */
  private entryOfOp (op: number): number {
    let low = 0
    let high = this.moveEntries.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.moveEntries[mid]! - mid <= op) low = mid + 1
      else high = mid
    }
    return op + low
  }

  /** Entries [from, to) with their pointers, as a store keeps them (restore reads them back). */
  * entries (from = 0, to = this.count): Generator<RecordedEntry> {
    for (let i = from; i < Math.min(to, this.count); i++) {
      yield { kind: this.kinds[i] as RecordedKind, id: this.ids[i]!, size: this.sizes[i]!, align: this.alignCodes[i]!, ptr: this.ptrs[i]! }
    }
  }

  private alloc (ptr: number, size: number, code: number): void {
    this.push(RECORDED_ALLOC, this.nextId, size, code, ptr)
  }

  private free (ptr: number): void {
    const id = this.live.get(ptr)
    if (id === undefined) throw new Error(`recording: no live block at ${ptr}`)
    this.push(RECORDED_FREE, id, 0, this.liveAlign.get(ptr) ?? 0, ptr)
  }

  private realloc (from: number, ptr: number, size: number): void {
    const id = this.live.get(from)
    if (id === undefined) throw new Error(`recording: no live block at ${from}`)
    if (from === ptr) {
      this.push(RECORDED_RESIZE, id, size, 0, ptr)
      return
    }
    this.alloc(ptr, size, this.liveAlign.get(from) ?? 0)
    if (!this.stopped) this.free(from)
  }

  /** Appends one op; an op past maxOps stops the recording instead. */
  private push (kind: RecordedKind, id: number, size: number, code: number, ptr: number): void {
    if (this.count >= this.maxOps) this.stopped = true
    else this.append(kind, id, size, code, ptr)
  }

  /** Appends one op and applies it to the pointer map. */
  private append (kind: RecordedKind, id: number, size: number, code: number, ptr: number): void {
    if (this.count === this.kinds.length) this.grow()
    const i = this.count++
    this.kinds[i] = kind
    this.ids[i] = id
    this.sizes[i] = size
    this.alignCodes[i] = code
    this.ptrs[i] = ptr
    switch (kind) {
      case RECORDED_ALLOC:
        this.live.set(ptr, id)
        if (code !== 0) this.liveAlign.set(ptr, code)
        this.nextId = Math.max(this.nextId, id + 1)
        break
      case RECORDED_FREE:
        this.live.delete(ptr)
        this.liveAlign.delete(ptr)
        break
      case RECORDED_MOVE:
        this.moveEntries.push(i)
        // `size` is the former pointer.
        this.repoint(size, ptr, id, code)
    }
  }

  /** Points block `id` at `to` instead of `from` in the pointer map. */
  private repoint (from: number, to: number, id: number, code: number): void {
    this.live.delete(from)
    this.liveAlign.delete(from)
    this.live.set(to, id)
    if (code !== 0) this.liveAlign.set(to, code)
  }

  private grow (): void {
    const doubled = Math.max(INITIAL_CAPACITY, this.kinds.length * 2)
    // Never past maxOps, unless a restored recording holds more already.
    const capacity = this.count < this.maxOps ? Math.min(this.maxOps, doubled) : doubled
    this.kinds = grown(this.kinds, new Uint8Array(capacity))
    this.alignCodes = grown(this.alignCodes, new Uint8Array(capacity))
    this.ids = grown(this.ids, new Uint32Array(capacity))
    this.sizes = grown(this.sizes, new Float64Array(capacity))
    this.ptrs = grown(this.ptrs, new Float64Array(capacity))
  }
}

function grown<T extends Uint8Array | Uint32Array | Float64Array> (from: T, to: T): T {
  to.set(from as never)
  return to
}

/** An alignment (a power of two) as log2 + 1, so that 0 can mean none. */
function alignCode (align: number): number {
  return Math.round(Math.log2(align)) + 1
}

/** A trace asked of a heap that was not created with `record: true`. */
export class NotRecordingError extends Error {
  readonly code = 'NOT_RECORDING'
  constructor (readonly heapId: string) {
    super(`heap ${heapId} does not record its history: create it with "record": true`)
    this.name = 'NotRecordingError'
  }
}

/** The recording of a heap (Heap.recording); throws NotRecordingError for a heap that does not record. */
export function recordingOf (heap: { id: string, recording: Recording | undefined }): Recording {
  if (heap.recording === undefined) throw new NotRecordingError(heap.id)
  return heap.recording
}
