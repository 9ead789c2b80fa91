/**
 * One trace on every subject: speed (the best of a few timed passes after an untimed one),
 * fragmentation on a 2^40 heap, failures on a heap of 1.1 x peak live bytes, bookkeeping at
 * peak live blocks, and speed-up over the naive port on the same ops (from where 10 k blocks
 * are live, the regime the 100x target names).
 *
 * In three steps, so that the caller can spread the timed passes of every trace and strategy
 * over the whole run in rounds: prepareTrace (the untimed measures, the naive port, the replay
 * loop's own cost), timedPass (one timed pass of each strategy: a round), finishTrace (the
 * result). This machine has stretches of 30 to 60 s in which the allocator runs about 1.45x
 * slower, a dependent load chase 1.2 to 1.3x and a pure arithmetic loop 1.1x (another tenant on
 * the same cores, as far as can be told from inside): passes taken back to back all fell in one
 * stretch or all outside it.
 */
import { firstOpWithLive, profileTrace } from './replay.js'
import type { Replay, ReplayMeasure, TraceProfile, TimedReplay } from './replay.js'
import type { Trace } from '../test/helpers/trace.js'
import type { BenchHeap, Subject } from './subjects.js'
import { collect } from './memory.js'
import { median } from './stats.js'

/** Big enough that no trace ever fails: fragmentation shows as footprint, not as failures. */
export const ROOMY_HEAP = 2 ** 40

/** The 100x target speaks of the ops where at least this many blocks are live. */
export const SPEEDUP_FROM_LIVE_BLOCKS = 10_000

/**
 * The naive port's timed window: ops [from, from + ops). `from` is where SPEEDUP_FROM_LIVE_BLOCKS
 * blocks are first live (the ops before it are replayed untimed), or 0 on a trace that never gets
 * there. The window ends at the time cap or at the trace's end.
 */
export interface NaiveResult {
  from: number
  ops: number
  ns: number
  cpuNs: number
  capped: boolean
  /** Live blocks when the window starts, and their peak over the window. */
  liveAtStart: number
  peakLiveBlocks: number
}

export interface StrategyResult {
  name: string
  ops: number
  /** Wall-clock time of the best pass. */
  ns: number
  /** Median wall-clock time of the passes. */
  medianNs: number
  /** Timed passes taken. */
  passes: number
  /** Least CPU time of any pass. */
  cpuNs: number
  /** Peak footprint / peak live bytes - 1 on ROOMY_HEAP. */
  fragmentation: number
  /** On a heap of 1.1 x peak live bytes. */
  failedAllocs: number
  tightHeapSize: number
  bookkeepingPerBlock: number | undefined
  /**
   * Naive CPU time / this strategy's CPU time over the ops the naive port replayed. CPU time, not
   * wall clock: a 5 s run and a 50 ms run see different shares of a busy machine.
   */
  speedup: number | undefined
}

export interface TraceResult {
  trace: Trace
  profile: TraceProfile
  /** CPU ns per op of the replay loop itself, on a heap that only bumps a pointer: included in every figure. */
  harnessCpuNsPerOp: number
  naive: NaiveResult | undefined
  strategies: StrategyResult[]
}

export interface TraceBenchOptions {
  naiveSeconds: number
  /** The replay instance of the harness's own bump heap (its cost per op is measured apart). */
  harnessReplay: Replay
}

/** A trace being benchmarked: what was measured before the timed passes, and those passes so far. */
export interface TraceBench {
  trace: Trace
  profile: TraceProfile
  /** The replay's id -> ptr table, reused by every replay of this trace. */
  scratch: Float64Array
  harnessCpuNsPerOp: number
  naive: NaiveResult | undefined
  subjects: Array<{
    subject: Subject
    roomy: ReplayMeasure
    tight: ReplayMeasure
    tightHeapSize: number
    runs: TimedReplay[]
    /** CPU ns per op on the naive port's window, one figure a round (when the naive port was timed on a window). */
    windowRounds: number[]
  }>
}

/** Everything but the timed passes: the naive port's window, then each strategy's untimed replays (its warm-up too). */
export function prepareTrace (trace: Trace, naive: Subject | undefined, strategies: Subject[], options: TraceBenchOptions): TraceBench {
  const profile = profileTrace(trace)
  const scratch = new Float64Array(trace.ids)
  const naiveResult = naive === undefined ? undefined : benchNaive(trace, naive, options.naiveSeconds, scratch)
  const tightHeapSize = Math.ceil(profile.peakLiveBytes * 1.1)
  const subjects = strategies.map((subject) => ({
    subject,
    roomy: subject.replay.measureReplay(trace, subject.make(ROOMY_HEAP), profile.peakBlocksAt),
    tight: subject.replay.measureReplay(trace, subject.make(tightHeapSize)),
    tightHeapSize,
    runs: [] as TimedReplay[],
    windowRounds: [] as number[]
  }))
  return { trace, profile, scratch, harnessCpuNsPerOp: harnessCost(trace, scratch, options.harnessReplay), naive: naiveResult, subjects }
}

/**
 * One timed pass of the whole trace on a fresh heap of each strategy; and, when the naive port was
 * timed on a window of the trace, one measure of each strategy on that window. The window figures
 * are taken in rounds too, so that a short window cannot fall wholly into a passing slowdown of the
 * machine (other load) that the whole-trace passes average out.
 */
export function timedPass (bench: TraceBench): void {
  const { trace, naive, scratch } = bench
  for (const s of bench.subjects) {
    s.runs.push(s.subject.replay.timeReplay(trace, s.subject.make(ROOMY_HEAP), trace.length, Infinity, scratch))
    if (naive !== undefined && !onWholeTrace(naive)) s.windowRounds.push(windowCpuNsPerOp(trace, s.subject, naive.from, naive.ops, scratch))
  }
}

/** Whether the naive port covered the whole trace, so that a strategy's full passes are its window. */
function onWholeTrace (naive: NaiveResult): boolean {
  return naive.from === 0 && !naive.capped
}

/** The result once the rounds are done: best and median pass, and the speed-up over the naive port (timed here, on its window). */
export function finishTrace (bench: TraceBench): TraceResult {
  const { trace, profile, naive } = bench
  const strategies = bench.subjects.map(({ subject, roomy, tight, tightHeapSize, runs, windowRounds }): StrategyResult => {
    const best = runs.reduce((a, b) => (b.ns < a.ns ? b : a))
    const leastCpuNs = Math.min(...runs.map((r) => r.cpuNs))
    let speedup: number | undefined
    if (naive !== undefined) {
      // Same ops as the naive port's window: the whole trace when it covered it all, else the median round.
      const cpuNsPerOp = onWholeTrace(naive) ? leastCpuNs / trace.length : median(windowRounds)
      speedup = naive.cpuNs / naive.ops / cpuNsPerOp
    }
    return {
      name: subject.name,
      ops: best.ops,
      ns: best.ns,
      medianNs: median(runs.map((r) => r.ns)),
      passes: runs.length,
      cpuNs: leastCpuNs,
      fragmentation: roomy.peakFootprint / profile.peakLiveBytes - 1,
      failedAllocs: tight.failedAllocs,
      tightHeapSize,
      bookkeepingPerBlock: roomy.bookkeepingBytes === undefined ? undefined : roomy.bookkeepingBytes / profile.peakLiveBlocks,
      speedup
    }
  })
  return { trace, profile, harnessCpuNsPerOp: bench.harnessCpuNsPerOp, naive, strategies }
}

function benchNaive (trace: Trace, naive: Subject, seconds: number, scratch: Float64Array): NaiveResult {
  const from = Math.max(0, firstOpWithLive(trace, SPEEDUP_FROM_LIVE_BLOCKS))
  const { timeReplay } = naive.replay
  // A short untimed run first, so that the timed one runs compiled code.
  timeReplay(trace, naive.make(ROOMY_HEAP), trace.length, Math.min(0.5, seconds / 4) * 1e9, scratch)
  const heap = naive.make(ROOMY_HEAP)
  timeReplay(trace, heap, from, Infinity, scratch)
  collect()
  const run = timeReplay(trace, heap, trace.length, seconds * 1e9, scratch, from)
  return {
    from,
    ops: run.ops,
    ns: run.ns,
    cpuNs: run.cpuNs,
    capped: run.capped,
    liveAtStart: profileTrace(trace, from).liveBlocksAtEnd,
    peakLiveBlocks: profileTrace(trace, from + run.ops).peakLiveBlocks
  }
}

/** The replay loop on a heap that bumps a pointer and never frees: what the harness adds per op. */
function harnessCost (trace: Trace, scratch: Float64Array, { timeReplay }: Replay): number {
  const bump = (): BenchHeap => {
    let next = 0
    return { alloc: (size: number) => { const ptr = next; next += size; return ptr }, free: () => {} }
  }
  timeReplay(trace, bump(), trace.length, Infinity, scratch)
  return Math.min(...repeat(3, () => timeReplay(trace, bump(), trace.length, Infinity, scratch)).map((r) => r.cpuNs)) / trace.length
}

/**
 * CPU time per op over ops [from, from + ops), each time on a fresh heap holding ops [0, from)
 * (replayed untimed), back to back for at least 0.3 s of timed work: a single short run right
 * after a collection mostly measures the collector's aftermath.
 */
function windowCpuNsPerOp (trace: Trace, subject: Subject, from: number, ops: number, scratch: Float64Array): number {
  let cpuNs = 0
  let done = 0
  let wallNs = 0
  for (let runs = 0; runs < 3 || wallNs < 0.3e9; runs++) {
    const heap = subject.make(ROOMY_HEAP)
    subject.replay.timeReplay(trace, heap, from, Infinity, scratch)
    const run = subject.replay.timeReplay(trace, heap, from + ops, Infinity, scratch, from)
    cpuNs += run.cpuNs
    wallNs += run.ns
    done += run.ops
  }
  return cpuNs / done
}

/**
 * Passes back to back after one full collection, which clears what earlier work left. Not one
 * before every pass: a forced collection frees the last pass's arrays to the system, so the next
 * pass page-faults all its memory afresh, which made it about 1.5x slower than a pass in a
 * process that simply keeps running (measured on tlsf / real-python).
 */
function repeat (passes: number, run: () => TimedReplay): TimedReplay[] {
  const runs: TimedReplay[] = []
  collect()
  for (let i = 0; i < passes; i++) runs.push(run())
  return runs
}
