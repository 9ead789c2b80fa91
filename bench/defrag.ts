/**
 * Defragmentation plans (`npm run bench`, or alone: `npx tsx bench/defrag.ts [--strategies=a,b] [trace ...]`).
 *
 * 1. Each trace (test/helpers/trace.ts: traces/, ../shared/traces or HEAPD_TRACES) is replayed on
 *    each strategy in a heap of 1.1 x its peak live bytes (failed allocs skipped, as in the trace
 *    table), to the op where fragmentation (1 - largestFree / free) peaks among the points where
 *    at least 1/16 of the heap is free. There a `compact` plan with no limits is timed (the best of
 *    a few, planning is pure), then reserved and committed, and the stats compared with its `after`.
 * 2. A heap of 100 k live blocks (200 k allocs of 1..4096 bytes filling the heap exactly, then
 *    every other one freed at random, seeded): a `compact` plan and a `hole` plan of 64 KiB per
 *    strategy, timed against the goal of 100 ms per plan.
 */
import { cpus, loadavg } from 'node:os'
import { pathToFileURL } from 'node:url'
import { createAllocator, OutOfMemoryError, STRATEGIES } from '../src/allocator/index.js'
import type { Allocator, DefragOptions, DefragPlan, Strategy } from '../src/allocator/index.js'
import { ALLOC, loadTrace, traceExists, tracesDir, TRACE_NAMES } from '../test/helpers/trace.js'
import type { Trace } from '../test/helpers/trace.js'
import { flagsOf } from './args.js'
import { int, percent, printTable } from './table.js'

/** The planning-time goal for a heap of BIG_LIVE live blocks. */
const GOAL_MS = 100
const BIG_LIVE = 100_000
const PLAN_PASSES = 9

export interface DefragBenchOptions {
  /** Strategy names; empty: all. */
  strategies: string[]
  /** Trace names to run (default: every trace present). */
  traces?: string[]
}

export function benchDefrag (options: DefragBenchOptions): void {
  const strategies = STRATEGIES.filter(s => options.strategies.length === 0 || options.strategies.includes(s))
  const traces = (options.traces ?? [...TRACE_NAMES]).filter(traceExists)
  const rows = traces.flatMap(name => {
    const trace = loadTrace(name)
    return strategies.map(strategy => traceRow(trace, strategy))
  })
  printTable(
    `compact plans at each trace's peak of fragmentation (heap of 1.1 × peak live bytes; traces: ${tracesDir()})`,
    ['trace / strategy', 'at op', 'live blocks', 'fragmentation', 'largestFree before → after', 'moves', 'bytes moved', 'gain / byte moved', 'plan ms', 'ns / live block', 'after exact'],
    rows,
    [
      'gain / byte moved = (largestFree after - largestFree before) / bytes moved; plan ms: the best of ' +
      `${PLAN_PASSES} plans (pure, so each sees the same heap); after exact: the stats after reserve + commit equal the plan's \`after\`.`
    ]
  )
  printTable(
    `${int(BIG_LIVE)} live blocks (200 k allocs of 1..4096 B filling the heap, every other one freed at random, seeded): plan time against the ${GOAL_MS} ms goal`,
    ['strategy', 'goal', 'segments', 'moves', 'bytes moved', 'largestFree before → after', 'plan ms', 'plan CPU ms', 'ns / live block', `≤ ${GOAL_MS} ms`],
    strategies.flatMap(strategy => bigRows(strategy)),
    [`plan ms and CPU ms: the best of ${PLAN_PASSES} plans each; ns / live block from the wall clock. Load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores: other processes skew the figures.`]
  )
}

type Row = Array<string | number>

function traceRow (trace: Trace, strategy: Strategy): Row {
  const peakLive = peakLiveBytes(trace)
  const size = Math.ceil(peakLive * 1.1)
  const at = peakFragmentationOp(trace, strategy, size)
  const heap = createAllocator({ size, strategy })
  replay(trace, heap, at + 1)
  const stats = heap.stats()
  const { plan, ms } = timePlan(heap, {})
  heap.reserve(plan.moves)
  heap.commitMoves(plan.moves)
  const real = heap.stats()
  const exact = real.largestFree === plan.after.largestFree && real.freeRanges === plan.after.freeRanges &&
    Math.abs(real.sawicki - plan.after.sawicki) < 1e-12 && real.fragmentation === plan.after.fragmentation
  return [
    `${trace.name} / ${strategy}`,
    int(at + 1),
    int(stats.liveBlocks),
    percent(stats.fragmentation),
    `${int(plan.before.largestFree)} → ${int(plan.after.largestFree)}`,
    int(plan.moves.length),
    int(plan.bytesMoved),
    plan.bytesMoved === 0 ? '—' : ((plan.after.largestFree - plan.before.largestFree) / plan.bytesMoved).toFixed(2),
    ms.toFixed(2),
    (ms * 1e6 / Math.max(1, stats.liveBlocks)).toFixed(0),
    exact ? 'yes' : 'NO'
  ]
}

function bigRows (strategy: Strategy): Row[] {
  const heap = bigHeap(strategy)
  const stats = heap.stats()
  return ([{}, { goal: 'hole', size: 65536 }] as DefragOptions[]).map(options => {
    const { plan, ms, cpuMs } = timePlan(heap, options)
    return [
      strategy,
      options.goal ?? 'compact',
      int(stats.liveBlocks + stats.freeRanges),
      int(plan.moves.length),
      int(plan.bytesMoved),
      `${int(plan.before.largestFree)} → ${int(plan.after.largestFree)}`,
      ms.toFixed(1),
      cpuMs.toFixed(1),
      (ms * 1e6 / stats.liveBlocks).toFixed(0),
      ms <= GOAL_MS ? 'yes' : 'no'
    ]
  })
}

/** The best wall-clock and CPU times of PLAN_PASSES plans (after one untimed), and the plan. */
function timePlan (heap: Allocator, options: DefragOptions): { plan: DefragPlan, ms: number, cpuMs: number } {
  let plan = heap.planDefrag(options)
  let ms = Infinity
  let cpuMs = Infinity
  for (let pass = 0; pass < PLAN_PASSES; pass++) {
    const cpu = process.cpuUsage()
    const started = process.hrtime.bigint()
    plan = heap.planDefrag(options)
    ms = Math.min(ms, Number(process.hrtime.bigint() - started) / 1e6)
    const used = process.cpuUsage(cpu)
    cpuMs = Math.min(cpuMs, (used.user + used.system) / 1e3)
  }
  return { plan, ms, cpuMs }
}

function bigHeap (strategy: Strategy): Allocator {
  let seed = 0x2545f491
  const random = (): number => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 2 ** 32
  }
  const sizes = Array.from({ length: 2 * BIG_LIVE }, () => 1 + Math.floor(random() * 4096))
  const heap = createAllocator({ size: sizes.reduce((a, b) => a + b, 0), strategy })
  const ptrs = sizes.map(size => heap.alloc(size))
  for (let i = ptrs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[ptrs[i], ptrs[j]] = [ptrs[j]!, ptrs[i]!]
  }
  for (const ptr of ptrs.slice(0, BIG_LIVE)) heap.free(ptr)
  return heap
}

function peakLiveBytes (trace: Trace): number {
  const sizeById = new Float64Array(trace.ids)
  let live = 0
  let peak = 0
  for (let i = 0; i < trace.length; i++) {
    const id = trace.id[i]!
    if (trace.kind[i] === ALLOC) {
      sizeById[id] = trace.size[i]!
      live += trace.size[i]!
      if (live > peak) peak = live
    } else {
      live -= sizeById[id]!
    }
  }
  return peak
}

/** The op after which fragmentation peaks, among those leaving at least 1/16 of the heap free. */
function peakFragmentationOp (trace: Trace, strategy: Strategy, size: number): number {
  const heap = createAllocator({ size, strategy })
  let best = -1
  let at = trace.length - 1
  replay(trace, heap, trace.length, (op) => {
    const stats = heap.stats()
    if (stats.free >= size / 16 && stats.fragmentation > best) {
      best = stats.fragmentation
      at = op
    }
  })
  return at
}

/** Replays the first `ops` ops of `trace` on `heap` (allocs that fail are skipped, and so are their frees). */
function replay (trace: Trace, heap: Allocator, ops: number, after?: (op: number) => void): void {
  const ptrById = new Float64Array(trace.ids).fill(-1)
  for (let i = 0; i < ops; i++) {
    const id = trace.id[i]!
    if (trace.kind[i] === ALLOC) {
      try {
        ptrById[id] = heap.alloc(trace.size[i]!, trace.align[i]! === 1 ? undefined : trace.align[i]!)
      } catch (error) {
        if (!(error instanceof OutOfMemoryError)) throw error
      }
    } else if (ptrById[id]! >= 0) {
      heap.free(ptrById[id]!)
      ptrById[id] = -1
    }
    after?.(i)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2)
  const flags = flagsOf(args.filter(arg => arg.startsWith('--')), ['strategies'])
  const filters = args.filter(arg => !arg.startsWith('--'))
  benchDefrag({
    strategies: (flags.get('strategies') ?? '').split(',').filter(s => s !== ''),
    traces: TRACE_NAMES.filter(name => filters.length === 0 || filters.some(f => name.includes(f)))
  })
}
