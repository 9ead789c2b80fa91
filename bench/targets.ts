/**
 * The performance targets of issue 2, checked against the numbers just measured. Targets live
 * here, in the benchmark, never in tests.
 */
import { SPEEDUP_FROM_LIVE_BLOCKS } from './trace-bench.js'
import type { TraceResult } from './trace-bench.js'
import type { MillionResult } from './million.js'
import { mops, percent, ratio, verdict, int } from './table.js'
import type { Cell } from './table.js'

const MIN_OPS_PER_SECOND: Record<string, number> = { 'first-fit': 3e6, 'best-fit': 3e6, tlsf: 8e6 }
const MIN_SPEEDUP = 100
const MAX_TLSF_EXTRA_FRAGMENTATION = 0.03
const MAX_BOOKKEEPING_PER_BLOCK = 64

/** The targets speak of the real traces: the recorded ones, not the synthetic. */
export function isRealTrace (name: string): boolean {
  return name.startsWith('real-')
}

/** Rows of [target, measured, verdict]. */
export function checkTargets (traces: TraceResult[], million: MillionResult[]): Cell[][] {
  const rows: Cell[][] = []
  for (const result of traces.filter((r) => isRealTrace(r.trace.name))) {
    const name = result.trace.name
    for (const s of result.strategies) {
      const min = MIN_OPS_PER_SECOND[s.name]
      if (min === undefined) continue
      const opsPerSecond = s.ops / s.ns * 1e9
      const perCpu = s.ops / s.cpuNs * 1e9
      rows.push([`${name}: ${s.name} >= ${mops(min)} ops/s`, `${mops(opsPerSecond)} ops/s (${mops(perCpu)} per CPU-s)`, verdict(opsPerSecond >= min)])
    }
    const naive = result.naive
    if (naive !== undefined) {
      for (const s of result.strategies) {
        const target = `${name}: ${s.name} >= ${MIN_SPEEDUP}× naive where >= 10 k live`
        if (s.speedup === undefined) continue
        const window = `ops ${int(naive.from)}..${int(naive.from + naive.ops)}, ${int(naive.liveAtStart)} to ${int(naive.peakLiveBlocks)} live`
        if (naive.liveAtStart < SPEEDUP_FROM_LIVE_BLOCKS) {
          rows.push([target, `${ratio(s.speedup)} (never ${int(SPEEDUP_FROM_LIVE_BLOCKS)} live)`, 'n/a'])
        } else {
          rows.push([target, `${ratio(s.speedup)} (${window})`, verdict(s.speedup >= MIN_SPEEDUP)])
        }
      }
    }
    const firstFit = result.strategies.find((s) => s.name === 'first-fit')
    const tlsf = result.strategies.find((s) => s.name === 'tlsf')
    if (firstFit !== undefined && tlsf !== undefined) {
      const extra = tlsf.fragmentation - firstFit.fragmentation
      rows.push([
        `${name}: tlsf fragmentation <= first-fit + 3 points`,
        `${percent(tlsf.fragmentation)} vs ${percent(firstFit.fragmentation)}`,
        verdict(extra <= MAX_TLSF_EXTRA_FRAGMENTATION)
      ])
    }
  }
  for (const m of million) {
    const target = `${int(m.live)} live: ${m.name} bookkeeping <= ${MAX_BOOKKEEPING_PER_BLOCK} B/block`
    if (m.bookkeepingPerBlock === undefined) {
      rows.push([target, 'no bookkeepingBytes()', 'n/a'])
    } else {
      const note = m.live < 1_000_000 ? ' (fewer than 1 M live)' : ''
      rows.push([target, `${m.bookkeepingPerBlock.toFixed(1)} B${note}`, verdict(m.bookkeepingPerBlock <= MAX_BOOKKEEPING_PER_BLOCK)])
    }
  }
  return rows
}
