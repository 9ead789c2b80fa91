/**
 * The trace format (docs/traces.md): what a heap or a program did, one operation a line.
 *
 *   a <id> <size> [<align>]   allocate block <id>: <size> bytes, optionally a power-of-two alignment
 *   f <id>                    free block <id>
 *   r <id> <size>             resize live block <id> to <size> bytes (an extension of the format the
 *                             repository's traces use): in place when a strategy can, else a move
 *   # ...                     a comment, to the end of the line; blank lines are skipped
 *
 * JSON ops are the same operations as objects: {op: "alloc", id, size, align?}, {op: "free", id},
 * {op: "realloc", id, size}. Both forms go through one TraceBuilder, which holds the rules (an id is
 * allocated once, freed at most once, never reused; sizes are positive safe integers; alignments
 * are powers of two up to 2^30) and packs the ops into typed arrays for a replay. A rule broken is
 * a TraceError naming the line (text, 1-based) or the index (JSON, 0-based).
 */
import { MAX_ALIGNMENT } from '../allocator/types.js'

export interface TraceAlloc { op: 'alloc', id: number, size: number, align?: number }
export interface TraceFree { op: 'free', id: number }
export interface TraceRealloc { op: 'realloc', id: number, size: number }
export type TraceOp = TraceAlloc | TraceFree | TraceRealloc

/** The first line of a trace written by heapd. */
export const TRACE_HEADER = '# alloc-trace v1'

/** What is wrong with a trace, for clients that branch on it. */
export type TraceErrorReason =
  | 'unknown-op' | 'bad-fields' | 'bad-id' | 'bad-size' | 'bad-align'
  | 'unknown-id' | 'freed-id' | 'id-reused' | 'too-many-ops'

/** A trace that breaks a rule: where (line or index) and why, in plain words. */
export class TraceError extends Error {
  readonly code = 'INVALID_TRACE'
  constructor (
    readonly reason: TraceErrorReason,
    message: string,
    /** 1-based line of a text trace. */
    readonly line?: number,
    /** 0-based index of a JSON op. */
    readonly index?: number,
    /** too-many-ops: the most ops a trace may hold. */
    readonly limit?: number
  ) {
    super(message)
    this.name = 'TraceError'
  }

  /** "line 12" or "op 3", for a message that names the place. */
  get where (): string {
    if (this.line !== undefined) return `line ${this.line}`
    if (this.index !== undefined) return `op ${this.index}`
    return 'trace'
  }
}

/** Kinds of the packed ops (Trace.kind). */
export const ALLOC = 0
export const FREE = 1
export const REALLOC = 2

/**
 * A validated trace packed in typed arrays: op i is kind[i] on block[i] (blocks are numbered
 * densely in allocation order, whatever ids the trace used), with size[i] (alloc, realloc) and
 * align[i] (alloc; 1 when none was given). ids[b] is block b's id in the trace.
 */
export interface Trace {
  length: number
  kind: Uint8Array
  block: Int32Array
  size: Float64Array
  align: Float64Array
  /** Blocks ever allocated. */
  blocks: number
  ids: Float64Array
  /** Which ops gave an alignment (so that op(i) gives back exactly what was parsed). */
  aligned: Uint8Array
}

export interface ParseOptions {
  /** Most ops accepted; beyond it a TraceError 'too-many-ops'. */
  maxOps?: number
}

/** The op at index i of a packed trace, with the trace's own ids. */
export function traceOp (trace: Trace, i: number): TraceOp {
  const id = trace.ids[trace.block[i]!]!
  switch (trace.kind[i]) {
    case ALLOC: return trace.aligned[i] === 1 ? { op: 'alloc', id, size: trace.size[i]!, align: trace.align[i]! } : { op: 'alloc', id, size: trace.size[i]! }
    case FREE: return { op: 'free', id }
    default: return { op: 'realloc', id, size: trace.size[i]! }
  }
}

/** Every op of a packed trace, in order. */
export function * traceOps (trace: Trace): Generator<TraceOp> {
  for (let i = 0; i < trace.length; i++) yield traceOp(trace, i)
}

/** One op as a line of the text format, without its newline. */
export function formatTraceLine (op: TraceOp): string {
  switch (op.op) {
    case 'alloc': return op.align === undefined ? `a ${op.id} ${op.size}` : `a ${op.id} ${op.size} ${op.align}`
    case 'free': return `f ${op.id}`
    case 'realloc': return `r ${op.id} ${op.size}`
  }
}

/** Ids below this are kept in typed arrays; larger ones (rare) in a Map. */
const DIRECT_IDS = 1 << 24
const NEVER = -1
const LIVE = 1
const FREED = 2

/**
 * Accumulates ops one at a time, checking the rules as it goes. Each add* takes the place (line
 * or index) to name in an error; the caller has checked the numbers' syntax, the builder their
 * meaning.
 */
export class TraceBuilder {
  private length = 0
  private kind = new Uint8Array(1024)
  private block = new Int32Array(1024)
  private size = new Float64Array(1024)
  private align = new Float64Array(1024)
  private aligned = new Uint8Array(1024)
  private blocks = 0
  private ids = new Float64Array(1024)
  /** Per block: LIVE or FREED. */
  private state = new Uint8Array(1024)
  /** Block of each id below DIRECT_IDS, NEVER when unused. */
  private direct = new Int32Array(0)
  private far = new Map<number, number>()
  private readonly maxOps: number

  constructor (options: ParseOptions = {}, expectedOps = 1024) {
    this.maxOps = options.maxOps ?? Infinity
    this.grow(Math.max(16, Math.min(expectedOps, this.maxOps)))
  }

  addAlloc (id: number, size: number, align: number | undefined, line?: number, index?: number): void {
    checkId(id, line, index)
    checkOpSize(size, line, index)
    if (align !== undefined && !isAlignment(align)) {
      throw new TraceError('bad-align', `alignment must be a power of two up to 2^30, got ${String(align)}`, line, index)
    }
    if (this.blockOf(id) !== NEVER) throw new TraceError('id-reused', `id ${id} was allocated before: ids are never reused`, line, index)
    const n = this.push(ALLOC, line, index)
    const b = this.blocks++
    if (b >= this.ids.length) this.growBlocks()
    this.ids[b] = id
    this.state[b] = LIVE
    this.setBlockOf(id, b)
    this.block[n] = b
    this.size[n] = size
    this.align[n] = align ?? 1
    this.aligned[n] = align === undefined ? 0 : 1
  }

  addFree (id: number, line?: number, index?: number): void {
    const b = this.liveBlock(id, 'free', line, index)
    const n = this.push(FREE, line, index)
    this.state[b] = FREED
    this.block[n] = b
  }

  addRealloc (id: number, size: number, line?: number, index?: number): void {
    checkOpSize(size, line, index)
    const b = this.liveBlock(id, 'realloc', line, index)
    const n = this.push(REALLOC, line, index)
    this.block[n] = b
    this.size[n] = size
  }

  finish (): Trace {
    const n = this.length
    return {
      length: n,
      kind: this.kind.slice(0, n),
      block: this.block.slice(0, n),
      size: this.size.slice(0, n),
      align: this.align.slice(0, n),
      aligned: this.aligned.slice(0, n),
      blocks: this.blocks,
      ids: this.ids.slice(0, this.blocks)
    }
  }

  private liveBlock (id: number, what: string, line?: number, index?: number): number {
    checkId(id, line, index)
    const b = this.blockOf(id)
    if (b === NEVER) throw new TraceError('unknown-id', `${what} of id ${id}, which was never allocated`, line, index)
    if (this.state[b] === FREED) throw new TraceError('freed-id', `${what} of id ${id}, which was already freed`, line, index)
    return b
  }

  private push (kind: number, line?: number, index?: number): number {
    const n = this.length
    if (n >= this.maxOps) throw new TraceError('too-many-ops', `a trace holds at most ${this.maxOps} ops`, line, index, this.maxOps)
    if (n >= this.kind.length) this.grow(n * 2)
    this.kind[n] = kind
    this.length = n + 1
    return n
  }

  private blockOf (id: number): number {
    if (id < DIRECT_IDS) return id < this.direct.length ? this.direct[id]! : NEVER
    return this.far.get(id) ?? NEVER
  }

  private setBlockOf (id: number, b: number): void {
    if (id >= DIRECT_IDS) {
      this.far.set(id, b)
      return
    }
    if (id >= this.direct.length) {
      const bigger = new Int32Array(Math.min(DIRECT_IDS, Math.max(1024, id + 1, this.direct.length * 2))).fill(NEVER)
      bigger.set(this.direct)
      this.direct = bigger
    }
    this.direct[id] = b
  }

  private grow (capacity: number): void {
    this.kind = resized(this.kind, capacity)
    this.block = resized(this.block, capacity)
    this.size = resized(this.size, capacity)
    this.align = resized(this.align, capacity)
    this.aligned = resized(this.aligned, capacity)
  }

  private growBlocks (): void {
    this.ids = resized(this.ids, this.ids.length * 2)
    this.state = resized(this.state, this.state.length * 2)
  }
}

function resized<T extends Uint8Array | Int32Array | Float64Array> (array: T, capacity: number): T {
  if (capacity <= array.length) return array
  const bigger = new (array.constructor as new (n: number) => T)(capacity)
  bigger.set(array)
  return bigger
}

function checkId (id: number, line?: number, index?: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw new TraceError('bad-id', `an id must be a safe integer >= 0, got ${String(id)}`, line, index)
}

function checkOpSize (size: number, line?: number, index?: number): void {
  if (!Number.isSafeInteger(size) || size < 1) throw new TraceError('bad-size', `a size must be a positive safe integer, got ${String(size)}`, line, index)
}

function isAlignment (align: number): boolean {
  // Below 2^31 a power of two is an integer with one bit set.
  return Number.isInteger(align) && align >= 1 && align <= MAX_ALIGNMENT && (align & (align - 1)) === 0
}
