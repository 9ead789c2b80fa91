/**
 * One trace on every subject: speed (best of a few timed passes after an untimed one),
 * fragmentation on a 2^40 heap, failures on a heap of 1.1 x peak live bytes, bookkeeping at
 * peak live blocks, and speed-up over the naive port on the same ops.
 */
import { profileTrace, measureReplay, timeReplay } from './replay.js'
import type { TraceProfile, TimedReplay } from './replay.js'
import type { Trace } from '../test/helpers/trace.js'
import type { Subject } from './subjects.js'
import { collect } from './memory.js'

/** Big enough that no trace ever fails: fragmentation shows as footprint, not as failures. */
export const ROOMY_HEAP = 2 ** 40

export interface NaiveResult {
  ops: number
  ns: number
  capped: boolean
  /** Peak live blocks over the ops it replayed: the 100x target applies from 10 k. */
  peakLiveBlocks: number
}

export interface StrategyResult {
  name: string
  ops: number
  ns: number
  /** Peak footprint / peak live bytes - 1 on ROOMY_HEAP. */
  fragmentation: number
  /** On a heap of 1.1 x peak live bytes. */
  failedAllocs: number
  tightHeapSize: number
  bookkeepingPerBlock: number | undefined
  /** Naive time / this strategy's time over the ops the naive port replayed. */
  speedup: number | undefined
}

export interface TraceResult {
  trace: Trace
  profile: TraceProfile
  naive: NaiveResult | undefined
  strategies: StrategyResult[]
}

export interface TraceBenchOptions {
  passes: number
  naiveSeconds: number
}

export function benchTrace (trace: Trace, naive: Subject | undefined, strategies: Subject[], options: TraceBenchOptions): TraceResult {
  const profile = profileTrace(trace)
  const naiveResult = naive === undefined ? undefined : benchNaive(trace, naive, options.naiveSeconds)
  const results = strategies.map((subject) => benchStrategy(trace, profile, subject, naiveResult, options.passes))
  return { trace, profile, naive: naiveResult, strategies: results }
}

function benchNaive (trace: Trace, naive: Subject, seconds: number): NaiveResult {
  // A short untimed run first, so that the timed one runs compiled code.
  timeReplay(trace, naive.make(ROOMY_HEAP), trace.length, Math.min(0.5, seconds / 4) * 1e9)
  collect()
  const run = timeReplay(trace, naive.make(ROOMY_HEAP), trace.length, seconds * 1e9)
  return { ops: run.ops, ns: run.ns, capped: run.capped, peakLiveBlocks: profileTrace(trace, run.ops).peakLiveBlocks }
}

function benchStrategy (trace: Trace, profile: TraceProfile, subject: Subject, naive: NaiveResult | undefined, passes: number): StrategyResult {
  // The untimed pass doubles as the warm-up.
  const roomy = measureReplay(trace, subject.make(ROOMY_HEAP), profile.peakBlocksAt)
  const tightHeapSize = Math.ceil(profile.peakLiveBytes * 1.1)
  const tight = measureReplay(trace, subject.make(tightHeapSize))
  const best = bestOf(passes, () => timeReplay(trace, subject.make(ROOMY_HEAP)))
  let speedup: number | undefined
  if (naive !== undefined) {
    // Same ops as the naive port: the capped prefix when it did not finish.
    const same = naive.capped ? bestOf(Math.max(passes, 3), () => timeReplay(trace, subject.make(ROOMY_HEAP), naive.ops)) : best
    speedup = naive.ns / same.ns
  }
  return {
    name: subject.name,
    ops: best.ops,
    ns: best.ns,
    fragmentation: roomy.peakFootprint / profile.peakLiveBytes - 1,
    failedAllocs: tight.failedAllocs,
    tightHeapSize,
    bookkeepingPerBlock: roomy.bookkeepingBytes === undefined ? undefined : roomy.bookkeepingBytes / profile.peakLiveBlocks,
    speedup
  }
}

function bestOf (passes: number, run: () => TimedReplay): TimedReplay {
  let best: TimedReplay | undefined
  for (let i = 0; i < passes; i++) {
    collect()
    const result = run()
    if (best === undefined || result.ns < best.ns) best = result
  }
  return best!
}
