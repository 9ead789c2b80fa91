/**
 * Replays a trace (test/helpers/trace.ts) on a heap: block id -> pointer in a Float64Array.
 * The timed replay does nothing but alloc and free; everything measured besides time
 * (footprint, live bytes, failures, bookkeeping) comes from a separate, untimed replay.
 */
import { ALLOC } from '../test/helpers/trace.js'
import type { Trace } from '../test/helpers/trace.js'
import type { BenchHeap } from './subjects.js'

/** Facts about the trace itself, independent of any allocator. */
export interface TraceProfile {
  ops: number
  peakLiveBytes: number
  peakLiveBlocks: number
  /** Index of the op right after which live blocks first peak. */
  peakBlocksAt: number
  /** Live blocks after the last op counted. */
  liveBlocksAtEnd: number
}

/**
 * The same trace with each block id replaced by a slot that is reused once its block is freed
 * (most recently freed first), as a client keeping its pointers in a slot array would. The
 * pointer table then holds peak-live entries, not one per block ever allocated (900 k on
 * real-python), so the harness's own cache misses stay out of the allocators' figures.
 */
export function withSlotIds (trace: Trace): Trace {
  const slotOf = new Int32Array(trace.ids)
  const freeSlots: number[] = []
  const id = new Int32Array(trace.length)
  let slots = 0
  for (let i = 0; i < trace.length; i++) {
    const block = trace.id[i]!
    if (trace.kind[i] === ALLOC) {
      const slot = freeSlots.pop() ?? slots++
      slotOf[block] = slot
      id[i] = slot
    } else {
      id[i] = slotOf[block]!
      freeSlots.push(id[i]!)
    }
  }
  return { ...trace, id, ids: slots }
}

/** Peak live bytes and blocks over the first `limit` ops. */
export function profileTrace (trace: Trace, limit = trace.length): TraceProfile {
  const ops = Math.min(limit, trace.length)
  const sizeById = new Float64Array(trace.ids)
  let liveBytes = 0
  let liveBlocks = 0
  let peakLiveBytes = 0
  let peakLiveBlocks = 0
  let peakBlocksAt = 0
  for (let i = 0; i < ops; i++) {
    const id = trace.id[i]!
    if (trace.kind[i] === ALLOC) {
      const size = trace.size[i]!
      sizeById[id] = size
      liveBytes += size
      liveBlocks++
      if (liveBytes > peakLiveBytes) peakLiveBytes = liveBytes
      if (liveBlocks > peakLiveBlocks) { peakLiveBlocks = liveBlocks; peakBlocksAt = i }
    } else {
      liveBytes -= sizeById[id]!
      liveBlocks--
    }
  }
  return { ops, peakLiveBytes, peakLiveBlocks, peakBlocksAt, liveBlocksAtEnd: liveBlocks }
}

/** Index of the first op after which `blocks` blocks are live (where a window "with that many live" starts), or -1 when the trace never gets there. */
export function firstOpWithLive (trace: Trace, blocks: number): number {
  let live = 0
  for (let i = 0; i < trace.length; i++) {
    live += trace.kind[i] === ALLOC ? 1 : -1
    if (live >= blocks) return i + 1
  }
  return -1
}

function isOutOfMemory (err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'OUT_OF_MEMORY'
}

export interface ReplayMeasure {
  /** Highest ptr + size ever reached. */
  peakFootprint: number
  failedAllocs: number
  /** bookkeepingBytes() right after op `bookkeepingAt`, when the heap offers it. */
  bookkeepingBytes: number | undefined
}

/** Untimed replay that records footprint, failures and bookkeeping at op `bookkeepingAt`. */
export function measureReplay (trace: Trace, heap: BenchHeap, bookkeepingAt = -1): ReplayMeasure {
  const ptrById = new Float64Array(trace.ids).fill(-1)
  let peakFootprint = 0
  let failedAllocs = 0
  let bookkeepingBytes: number | undefined
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i]!
    if (trace.kind[i] === ALLOC) {
      const size = trace.size[i]!
      let ptr = -1
      try {
        ptr = heap.alloc(size, trace.align[i]!)
      } catch (err) {
        if (!isOutOfMemory(err)) throw err
      }
      ptrById[id] = ptr
      if (ptr < 0) failedAllocs++
      else if (ptr + size > peakFootprint) peakFootprint = ptr + size
    } else {
      const ptr = ptrById[id]!
      if (ptr >= 0) heap.free(ptr)
    }
    if (i === bookkeepingAt) bookkeepingBytes = heap.bookkeepingBytes?.()
  }
  return { peakFootprint, failedAllocs, bookkeepingBytes }
}

/** The replay functions one subject's passes go through (an instance of this module: replayInstance). */
export type Replay = Pick<typeof import('./replay.js'), 'timeReplay' | 'measureReplay'>

/**
 * A fresh instance of this module, for one subject. V8 keeps type feedback per function, so a
 * replay loop shared by every subject calls heap.alloc through a call site that has seen the naive
 * port, the harness's bump heap and the allocator: a polymorphic site, which spends the inlining
 * budget on each class it has seen. In one process with the bump heap replayed first, tlsf took 5 %
 * more instructions per op on real-python (callgrind, steady-state passes). A program using the
 * allocator calls it from sites that see only it; so does each subject's own instance here.
 */
export async function replayInstance (subject: string): Promise<Replay> {
  return await import(`./replay.js?subject=${encodeURIComponent(subject)}`) as Replay
}

export interface TimedReplay {
  /** Ops replayed: all of [from, limit) unless the time cap stopped the run. */
  ops: number
  /** Wall-clock time. */
  ns: number
  /** CPU time of this process (user + system) over the same run: on a busy machine, the part of the wall-clock time this process actually ran. */
  cpuNs: number
  capped: boolean
}

/** How many ops run between two looks at the clock when a time cap is set. */
const CHUNK = 1024

/**
 * Timed replay of ops [from, limit) on `heap`: fresh when `from` is 0, else holding ops [0, from)
 * already (replayed untimed with the same `ptrById`). With `capNs` the run stops at the first
 * chunk boundary past the cap. Allocations that fail are skipped (and so are their frees); on a
 * heap large enough there are none. `ptrById` (trace.ids long) may be reused from run to run: every
 * id is written by its alloc before its free reads it, and allocating it here would be timed.
 */
export function timeReplay (trace: Trace, heap: BenchHeap, limit = trace.length, capNs = Infinity, ptrById: Float64Array = new Float64Array(trace.ids), from = 0): TimedReplay {
  const ops = Math.min(limit, trace.length)
  const { kind, id, size, align } = trace
  const cap = BigInt(Number.isFinite(capNs) ? Math.round(capNs) : 0)
  const cpuStart = process.cpuUsage()
  const start = process.hrtime.bigint()
  let i = from
  while (i < ops) {
    const end = Math.min(i + CHUNK, ops)
    for (; i < end; i++) {
      if (kind[i] === ALLOC) {
        let ptr = -1
        try {
          ptr = heap.alloc(size[i]!, align[i]!)
        } catch (err) {
          if (!isOutOfMemory(err)) throw err
        }
        ptrById[id[i]!] = ptr
      } else {
        const ptr = ptrById[id[i]!]!
        if (ptr >= 0) heap.free(ptr)
      }
    }
    if (cap > 0n && process.hrtime.bigint() - start >= cap) break
  }
  const ns = Number(process.hrtime.bigint() - start)
  const cpu = process.cpuUsage(cpuStart)
  return { ops: i - from, ns, cpuNs: (cpu.user + cpu.system) * 1000, capped: i < ops }
}
