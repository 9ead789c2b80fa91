/**
 * What if: one trace replayed on each strategy, with the costs that tell them apart (docs/traces.md
 * defines every field). Each strategy runs on a fresh heap of `size` bytes, by default one large
 * enough that no replay can fail (the bytes the trace requests, padding included).
 *
 * A failed allocation leaves its block absent: its free is skipped, and a realloc of it tries a
 * fresh allocation (as C's realloc(NULL, n) would). A realloc that fails leaves the block as it was.
 */
import { AllocatorError, createAllocator, STRATEGIES } from '../allocator/index.js'
import type { Allocator, Strategy } from '../allocator/index.js'
import { floorMethod, offlinePlacement } from './floor.js'
import type { Trace } from './format.js'
import { ALLOC, FREE } from './format.js'
import { profileTrace } from './profile.js'
import type { PeakLive, TraceProfile } from './profile.js'

/** Every how many series samples fragmentation is measured (on an unbounded heap, by walking the free ranges). */
const FRAGMENTATION_EVERY = 5

export interface ReplayOptions {
  /** Strategies to replay on, in this order (default: all). */
  strategies?: readonly Strategy[]
  /** Heap size in bytes; failures are counted only when given. */
  size?: number
  /** Heap alignment, as POST /heaps takes it (default 1). */
  alignment?: number
}

export interface Spread { max: number, mean: number }

export interface StrategyResult {
  strategy: Strategy
  peakFootprint: number
  overhead: number
  /** peakFootprint / floor.offline - 1: against what an allocator knowing the future reaches. */
  overheadVsOffline: number
  failures: number
  firstFailureAt: number | null
  fragmentation: Spread
  sawicki: Spread
  nsPerOp: number
}

export interface ReplayResult {
  ops: number
  /** The heap size every strategy replayed on. */
  size: number
  /** False when `size` was chosen to be large enough never to fail. */
  sizeGiven: boolean
  peakLive: PeakLive
  floor: { bytes: number, offline: number, method: string }
  results: StrategyResult[]
  series: { at: number[], live: number[], footprint: Record<string, number[]> }
}

export function replayTrace (trace: Trace, options: ReplayOptions = {}): ReplayResult {
  const alignment = options.alignment ?? 1
  const profile = profileTrace(trace, alignment)
  const sizeGiven = options.size !== undefined
  const size = options.size ?? Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, profile.bytesRequested))
  const placement = offlinePlacement(trace, alignment)
  const offline = placement.footprint
  const footprint: Record<string, number[]> = {}
  const results: StrategyResult[] = []
  for (const strategy of options.strategies ?? STRATEGIES) {
    const run = replayOn(trace, profile, createAllocator({ size, strategy, alignment }), sizeGiven)
    footprint[strategy] = run.footprintAt
    const peakLive = profile.peakLive.bytes
    results.push({
      strategy,
      peakFootprint: run.peakFootprint,
      overhead: ratioOver(run.peakFootprint, peakLive),
      overheadVsOffline: ratioOver(run.peakFootprint, offline),
      failures: run.failures,
      firstFailureAt: run.firstFailureAt,
      fragmentation: spreadOf(run.fragmentation),
      sawicki: spreadOf(run.sawicki),
      nsPerOp: trace.length === 0 ? 0 : run.ns / trace.length
    })
  }
  return {
    ops: trace.length,
    size,
    sizeGiven,
    peakLive: profile.peakLive,
    floor: { bytes: profile.peakLive.bytes, offline, method: floorMethod(placement.order) },
    results,
    series: { at: profile.sampleAt, live: profile.liveAt, footprint }
  }
}

/** a / b - 1, and 0 when both are 0 (a trace that allocates nothing). */
function ratioOver (a: number, b: number): number {
  return b === 0 ? (a === 0 ? 0 : Infinity) : a / b - 1
}

function spreadOf (samples: number[]): Spread {
  let max = 0
  let sum = 0
  for (const x of samples) {
    if (x > max) max = x
    sum += x
  }
  return { max, mean: samples.length === 0 ? 0 : sum / samples.length }
}

interface Run {
  peakFootprint: number
  failures: number
  firstFailureAt: number | null
  footprintAt: number[]
  fragmentation: number[]
  sawicki: number[]
  ns: number
}

function replayOn (trace: Trace, profile: TraceProfile, heap: Allocator, sizeGiven: boolean): Run {
  const { kind, block, size, align } = trace
  const ptrOf = new Float64Array(trace.blocks).fill(-1)
  const sizeOf = new Float64Array(trace.blocks)
  const alignOf = new Float64Array(trace.blocks)
  const run: Run = { peakFootprint: 0, failures: 0, firstFailureAt: null, footprintAt: [], fragmentation: [], sawicki: [], ns: 0 }
  const sampleAt = profile.sampleAt
  let next = 0
  let nextSample = sampleAt.length > 0 ? sampleAt[0]! : -1
  let peakFootprint = 0
  let started = process.hrtime.bigint()
  let ns = 0n
  for (let i = 0; i < trace.length; i++) {
    const b = block[i]!
    const k = kind[i]
    const ptr = ptrOf[b]!
    if (k === FREE) {
      if (ptr >= 0) heap.free(ptr)
    } else {
      if (k === ALLOC) alignOf[b] = align[i]!
      const wanted = size[i]!
      const placed = ptr >= 0 && k !== ALLOC ? tryRealloc(heap, ptr, wanted) : tryAlloc(heap, wanted, alignOf[b]!)
      if (placed < 0) {
        if (run.failures++ === 0) run.firstFailureAt = i
      } else {
        ptrOf[b] = placed
        sizeOf[b] = wanted
        if (placed + wanted > peakFootprint) peakFootprint = placed + wanted
      }
    }
    if (i === nextSample) {
      ns += process.hrtime.bigint() - started
      sample(heap, run, sizeGiven, next % FRAGMENTATION_EVERY === 0 || next === sampleAt.length - 1)
      nextSample = ++next < sampleAt.length ? sampleAt[next]! : -1
      started = process.hrtime.bigint()
    }
  }
  ns += process.hrtime.bigint() - started
  run.peakFootprint = peakFootprint
  run.ns = Number(ns)
  return run
}

function isOutOfRoom (err: unknown): boolean {
  return err instanceof AllocatorError && (err.code === 'OUT_OF_MEMORY' || err.code === 'EXCEEDS_HEAP_SIZE')
}

/** alloc, or -1 when the heap has no room. */
function tryAlloc (heap: Allocator, size: number, align: number): number {
  try {
    return heap.alloc(size, align)
  } catch (err) {
    if (isOutOfRoom(err)) return -1
    throw err
  }
}

/** realloc, or -1 when the heap has no room (the block stays as it was). */
function tryRealloc (heap: Allocator, ptr: number, size: number): number {
  try {
    return heap.realloc(ptr, size)
  } catch (err) {
    if (isOutOfRoom(err)) return -1
    throw err
  }
}

/** The highest end offset in use now: where the free range at the top of the heap starts, if there is one. */
function extentOf (heap: Allocator): number {
  const size = heap.stats().size
  const last = heap.segments(size - 1).next()
  if (last.done === true) return size
  return last.value.state === 'free' ? last.value.offset : size
}

/**
 * One series sample: the footprint now and, when `layout` is set, fragmentation and Sawicki's
 * measure with HeapStats' definitions. On a heap of a given size they are the heap's own stats; on
 * the heap that never fails, its untouched top would make every layout look unfragmented, so they
 * are taken over the free ranges below the footprint.
 */
function sample (heap: Allocator, run: Run, sizeGiven: boolean, layout: boolean): void {
  const extent = extentOf(heap)
  run.footprintAt.push(extent)
  if (!layout) return
  if (sizeGiven) {
    const stats = heap.stats()
    run.fragmentation.push(stats.fragmentation)
    run.sawicki.push(stats.sawicki)
    return
  }
  let free = 0
  let largest = 0
  let squares = 0
  for (const range of heap.freeRanges()) {
    if (range.offset >= extent) break
    free += range.size
    squares += range.size * range.size
    if (range.size > largest) largest = range.size
  }
  run.fragmentation.push(free > 0 ? 1 - largest / free : 0)
  run.sawicki.push(free > 0 ? Math.max(0, 1 - Math.sqrt(squares) / free) : 0)
}
