/**
 * `npm run bench`: every trace (traces/, or the full ones of ../shared/traces when present, see
 * test/helpers/trace.ts) on every strategy and on the naive port, then the 1 M live blocks run.
 * Tables on stdout.
 * Options in bench/options.ts (`npm run bench -- --quick real-`).
 * It runs compiled (tsc to .bench-build/, then plain node), as a user of `heapd/allocator` runs
 * dist/: under tsx's loader the same replay measured about 1.4x slower.
 */
import { CARRIED_TRACES_DIR, loadTrace, traceExists, tracesDir, TRACE_NAMES } from '../test/helpers/trace.js'
import { parseOptions } from './options.js'
import { naiveSubject, strategySubjects } from './subjects.js'
import { finishTrace, prepareTrace, ROOMY_HEAP, SPEEDUP_FROM_LIVE_BLOCKS, timedPass } from './trace-bench.js'
import { replayInstance, withSlotIds } from './replay.js'
import type { TraceBench, TraceResult } from './trace-bench.js'
import { benchMillion } from './million.js'
import { benchDefrag } from './defrag.js'
import type { MillionResult } from './million.js'
import { printTable, int, mops, percent, ratio, mib } from './table.js'
import type { Cell } from './table.js'
import { collect } from './memory.js'
import { benchWhatIf } from './whatif.js'
import { cpus, loadavg } from 'node:os'
import { relative } from 'node:path'

const options = parseOptions(process.argv.slice(2), process.env)
const available = await strategySubjects()
const naive = options.naive ? await naiveSubject() : undefined
const traceOptions = { naiveSeconds: options.naiveSeconds, harnessReplay: await replayInstance('harness') }
const strategies = available.subjects.filter((s) => options.strategies.length === 0 || options.strategies.includes(s.name))
const missing = available.missing
const started = Date.now()

console.log('# heapd allocator benchmark\n')
console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0]!.toFixed(2)} at start; ${options.quick ? 'quick run; ' : ''}best of ${options.passes} timed pass(es) after one untimed pass, in rounds over all traces and strategies; process.hrtime.bigint()`)
console.log(`traces: ${relative(process.cwd(), tracesDir()) || '.'}${tracesDir() === CARRIED_TRACES_DIR ? ' (the first ops of each trace, carried by the repository)' : ''}`)
console.log(`strategies: ${strategies.map((s) => s.name).join(', ') || 'none'}${missing.length > 0 ? `; not available: ${missing.join('; ')}` : ''}`)

const names = TRACE_NAMES.filter((name) => options.traceFilters.length === 0 || options.traceFilters.some((f) => name.includes(f)))
if (names.length === 0) console.log(`\n(no trace matches ${options.traceFilters.join(', ')}; traces: ${TRACE_NAMES.join(', ')})`)
const benches: TraceBench[] = []
for (const name of names) {
  if (!traceExists(name)) {
    console.log(`\n(skipping ${name}: no ${name}.trace.gz in ${tracesDir()})`)
    continue
  }
  console.error(`${name}: untimed passes and the naive port`)
  benches.push(prepareTrace(withSlotIds(loadTrace(name)), naive, strategies, traceOptions))
}
// The timed passes in rounds, each a pass of every trace on every strategy, so that the passes of
// one trace are spread over the whole run (trace-bench.ts says why). One full collection first,
// not one per pass: a forced collection frees the last pass's arrays to the system, and the next
// pass then page-faults all its memory afresh (about 1.5x slower, measured on tlsf / real-python).
collect()
for (let round = 1; round <= options.passes && benches.length > 0; round++) {
  console.error(`timed round ${round} of ${options.passes}`)
  for (const bench of benches) timedPass(bench)
}
for (const bench of benches) printTraceTable(finishTrace(bench))

const millionResults: MillionResult[] = []
if (options.million && strategies.length > 0) {
  for (const subject of strategies) millionResults.push(benchMillion(subject, options.live, options.passes))
  printMillionTable(millionResults)
}
await benchWhatIf(names)

if (strategies.length > 0) benchDefrag({ strategies: strategies.map((s) => s.name), traces: benches.map((b) => b.trace.name) })

console.log(`\n(total ${((Date.now() - started) / 1000).toFixed(0)} s; load average ${loadavg()[0]!.toFixed(2)} at the end: other processes on this machine skew the figures)`)

function printTraceTable (r: TraceResult): void {
  const p = r.profile
  const rows: Cell[][] = r.strategies.map((s) => [
    s.name,
    mops(s.ops / s.ns * 1e9),
    (s.ns / s.ops).toFixed(0),
    mops(s.ops / s.medianNs * 1e9),
    mops(s.ops / s.cpuNs * 1e9),
    percent(s.fragmentation),
    int(s.failedAllocs),
    s.bookkeepingPerBlock === undefined ? '—' : s.bookkeepingPerBlock.toFixed(1),
    s.speedup === undefined ? '—' : ratio(s.speedup)
  ])
  const notes = [
    `ops/s and ns/op: wall clock, the best of ${passCount(r.strategies[0]?.passes ?? 0)} taken in rounds over the whole run; median ops/s: the median pass; ` +
    'ops/CPU-s: ops over this process\'s least CPU time of a pass, steadier when other processes share the cores. ' +
    `The replay loop itself (id -> ptr lookups) costs ${r.harnessCpuNsPerOp.toFixed(0)} ns/op of CPU, included in every figure.`,
    `fragmentation = peak footprint / peak live bytes - 1 on a 2^${Math.log2(ROOMY_HEAP)} heap; ` +
    `failed allocs on a heap of 1.1 × peak live = ${int(r.strategies[0]?.tightHeapSize ?? Math.ceil(p.peakLiveBytes * 1.1))} B; ` +
    `bookkeeping = bookkeepingBytes() / live blocks at the peak of ${int(p.peakLiveBlocks)} live.`
  ]
  if (r.naive !== undefined) {
    const n = r.naive
    rows.push([
      n.capped || n.from > 0 ? `naive (${int(n.ops)} ops, see note)` : 'naive',
      mops(n.ops / n.ns * 1e9),
      (n.ns / n.ops).toFixed(0),
      '—',
      mops(n.ops / n.cpuNs * 1e9),
      '—',
      '—',
      '—',
      '1.0×'
    ])
    const window = n.from === 0
      ? `the first ${int(n.ops)} of ${int(p.ops)} ops (the trace never has ${int(SPEEDUP_FROM_LIVE_BLOCKS)} blocks live)`
      : `ops ${int(n.from)} to ${int(n.from + n.ops)}, from where ${int(SPEEDUP_FROM_LIVE_BLOCKS)} blocks are first live (${int(n.liveAtStart)} to ${int(n.peakLiveBlocks)} live; the ops before are replayed untimed)`
    notes.push(`naive port timed on ${window}${n.capped ? `, stopped by its ${(n.ns / 1e9).toFixed(1)} s cap` : ''}; its row and × naive are CPU time on that same window. ` +
      'It places blocks exactly as first-fit, so its fragmentation is first-fit\'s.')
  }
  printTable(
    `${r.trace.name}: ${int(p.ops)} ops, peak ${mib(p.peakLiveBytes)} live in up to ${int(p.peakLiveBlocks)} blocks`,
    ['strategy', 'ops/s', 'ns/op', 'median ops/s', 'ops/CPU-s', 'fragmentation', 'failed @1.1×', 'B/block', '× naive'],
    rows,
    notes
  )
}

function printMillionTable (results: MillionResult[]): void {
  const live = results[0]?.live ?? 0
  printTable(
    `${int(live)} live blocks: ${int(live)} allocs (1..4096 B, seeded), free half at random, ${int(Math.floor(live / 2))} allocs again, 2^40 heap`,
    ['strategy', 'ops/s', 'ns/op', 'ops/CPU-s', 'alloc / free / re-alloc ns/op', 'bookkeeping B/block', 'JS heap Δ B/block', 'array buffers Δ B/block', 'RSS Δ B/block'],
    results.map((m) => [
      m.name,
      mops(m.ops / m.ns * 1e9),
      (m.ns / m.ops).toFixed(0),
      mops(m.ops / m.cpuNs * 1e9),
      [m.phaseNs[0] / m.live, m.phaseNs[1] / Math.floor(m.live / 2), m.phaseNs[2] / Math.floor(m.live / 2)].map((x) => x.toFixed(0)).join(' / '),
      m.bookkeepingPerBlock === undefined ? '—' : m.bookkeepingPerBlock.toFixed(1),
      m.heapUsedPerBlock.toFixed(1),
      m.arrayBuffersPerBlock.toFixed(1),
      m.rssPerBlock.toFixed(1)
    ]),
    ['Δ = after - before, with gc, the harness arrays allocated before the baseline: a sanity check on bookkeepingBytes().']
  )
}

function passCount (n: number): string {
  return `${n} pass${n === 1 ? '' : 'es'}`
}
