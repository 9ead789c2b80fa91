/**
 * The replay engine: first-fit's peak footprint is the naive design's (fast-check traces and a
 * prefix of every repository trace), the offline placement is valid (no two blocks that live at
 * the same time overlap, alignments kept), and the figures agree with what the trace says.
 */
import t from 'tap'
import fc from 'fast-check'
import { gunzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NaiveAllocator } from '../helpers/naive.js'
import { ALLOC as HELPER_ALLOC, TRACE_NAMES, loadTrace, traceExists, tracesDir } from '../helpers/trace.js'
import { ALLOC, FREE, parseTraceJson, parseTraceText, replayTrace, traceOps } from '../../src/trace/index.js'
import type { Trace, TraceOp } from '../../src/trace/index.js'
import { offlinePlacement } from '../../src/trace/floor.js'

/** Ops of the first `limit` op lines of a repository trace, as text. */
function tracePrefix (name: string, limit: number): string {
  const text = gunzipSync(readFileSync(join(tracesDir(), `${name}.trace.gz`))).toString('latin1')
  const kept: string[] = []
  let ops = 0
  for (const line of text.split('\n')) {
    if (ops >= limit) break
    kept.push(line)
    if (line !== '' && !line.startsWith('#')) ops++
  }
  return kept.join('\n')
}

/** The naive design's peak footprint (highest ptr + size) on a trace without reallocs, and its failures on a heap of `size`. */
function naiveReplay (trace: Trace, size = 2 ** 50): { peakFootprint: number, failures: number } {
  const naive = new NaiveAllocator(size)
  const ptrOf = new Float64Array(trace.blocks).fill(-1)
  let peakFootprint = 0
  let failures = 0
  for (let i = 0; i < trace.length; i++) {
    const b = trace.block[i]!
    if (trace.kind[i] === ALLOC) {
      const ptr = naive.alloc(trace.size[i]!, trace.align[i]!)
      ptrOf[b] = ptr
      if (ptr < 0) failures++
      else peakFootprint = Math.max(peakFootprint, ptr + trace.size[i]!)
    } else if (ptrOf[b]! >= 0) {
      naive.free(ptrOf[b]!)
    }
  }
  return { peakFootprint, failures }
}

/** Live bytes after each op, and their peak, by brute force. */
function liveBytes (ops: TraceOp[]): { after: number[], peak: number, peakAt: number, blocksAtPeak: number } {
  const sizes = new Map<number, number>()
  let live = 0
  let peak = 0
  let peakAt = -1
  let blocksAtPeak = 0
  const after = ops.map((op, i) => {
    if (op.op === 'free') {
      live -= sizes.get(op.id)!
      sizes.delete(op.id)
    } else {
      live += op.size - (sizes.get(op.id) ?? 0)
      sizes.set(op.id, op.size)
      if (live > peak) {
        peak = live
        peakAt = i
        blocksAtPeak = sizes.size
      }
    }
    return live
  })
  return { after, peak, peakAt, blocksAtPeak }
}

/** Valid traces: allocs (some aligned) of fresh ids, frees and reallocs of live ones; `reallocs` false leaves them out. */
function traces (reallocs: boolean) {
  return fc.array(fc.tuple(fc.nat(reallocs ? 3 : 2), fc.nat(), fc.integer({ min: 1, max: 400 }), fc.constantFrom(undefined, 1, 8, 64)), { maxLength: 120 })
    .map((steps) => {
      const ops: TraceOp[] = []
      const live: number[] = []
      let next = 0
      for (const [kind, pick, size, align] of steps) {
        if (kind <= 1 || live.length === 0) {
          ops.push(align === undefined ? { op: 'alloc', id: next, size } : { op: 'alloc', id: next, size, align })
          live.push(next++)
        } else if (kind === 2) {
          ops.push({ op: 'free', id: live.splice(pick % live.length, 1)[0]! })
        } else {
          ops.push({ op: 'realloc', id: live[pick % live.length]!, size })
        }
      }
      return ops
    })
}

t.test('first-fit\'s peak footprint and failures are the naive design\'s', async t => {
  fc.assert(fc.property(traces(false), fc.integer({ min: 1, max: 6000 }), (ops, size) => {
    const trace = parseTraceJson(ops)
    const naive = naiveReplay(trace)
    t.equal(replayTrace(trace, { strategies: ['first-fit'] }).results[0]!.peakFootprint, naive.peakFootprint)
    const tight = replayTrace(trace, { strategies: ['first-fit'], size }).results[0]!
    t.equal(tight.failures, naiveReplay(trace, size).failures)
  }), { numRuns: 60 })
})

t.test('first-fit equals the naive design on a prefix of every repository trace', async t => {
  for (const name of TRACE_NAMES) {
    if (!traceExists(name)) continue
    const trace = parseTraceText(tracePrefix(name, 6000))
    t.equal(replayTrace(trace, { strategies: ['first-fit'] }).results[0]!.peakFootprint, naiveReplay(trace).peakFootprint, name)
  }
})

t.test('the parser reads every repository trace as the test helper does', async t => {
  for (const name of TRACE_NAMES) {
    if (!traceExists(name)) continue
    const expected = loadTrace(name, 40_000)
    const trace = parseTraceText(tracePrefix(name, 40_000))
    t.equal(trace.length, expected.length, `${name}: ops`)
    let same = true
    for (let i = 0; i < trace.length && same; i++) {
      const alloc = expected.kind[i] === HELPER_ALLOC
      same = (trace.kind[i] === (alloc ? ALLOC : FREE)) && trace.ids[trace.block[i]!] === expected.id[i] &&
        (!alloc || (trace.size[i] === expected.size[i] && trace.align[i] === expected.align[i]))
    }
    t.ok(same, `${name}: the same ops`)
  }
})

t.test('the offline placement is valid: blocks living at the same time never overlap', async t => {
  fc.assert(fc.property(traces(true), fc.constantFrom(1, 16), (ops, alignment) => {
    const { pieces, offset } = offlinePlacement(parseTraceJson(ops), alignment)
    for (let a = 0; a < pieces.count; a++) {
      t.equal(offset[a]! % pieces.align[a]!, 0)
      for (let b = a + 1; b < pieces.count; b++) {
        const together = pieces.start[a]! < pieces.end[b]! && pieces.start[b]! < pieces.end[a]!
        const apart = offset[a]! + pieces.size[a]! <= offset[b]! || offset[b]! + pieces.size[b]! <= offset[a]!
        if (together && !apart) t.fail(`pieces ${a} and ${b} overlap`)
      }
    }
  }), { numRuns: 60 })
})

t.test('the figures agree with the trace', async t => {
  fc.assert(fc.property(traces(true), (ops) => {
    const trace = parseTraceJson(ops)
    const replay = replayTrace(trace)
    const live = liveBytes(ops)
    t.same(replay.peakLive, { bytes: live.peak, blocks: live.blocksAtPeak, at: live.peakAt })
    t.equal(replay.floor.bytes, live.peak)
    t.ok(replay.floor.offline >= replay.floor.bytes)
    t.same(replay.series.live, replay.series.at.map((i) => live.after[i]))
    t.ok(replay.series.at.every((at, k) => k === 0 || at > replay.series.at[k - 1]!))
    if (ops.length > 0) t.equal(replay.series.at.at(-1), ops.length - 1)
    for (const result of replay.results) {
      t.ok(result.peakFootprint >= live.peak)
      t.equal(result.failures, 0)
      const footprints = replay.series.footprint[result.strategy]!
      t.ok(footprints.every((f, k) => f <= result.peakFootprint && f >= replay.series.live[k]!))
      t.ok(result.fragmentation.max >= result.fragmentation.mean && result.fragmentation.max <= 1)
    }
  }), { numRuns: 60 })
})

t.test('a heap of a strategy\'s own peak footprint holds the whole first-fit replay; one byte less fails', async t => {
  fc.assert(fc.property(traces(false).filter((ops) => ops.length > 0), (ops) => {
    const trace = parseTraceJson(ops)
    const peak = replayTrace(trace, { strategies: ['first-fit'] }).results[0]!.peakFootprint
    t.equal(replayTrace(trace, { strategies: ['first-fit'], size: peak }).results[0]!.failures, 0)
    const short = replayTrace(trace, { strategies: ['first-fit'], size: peak - 1 || 1 }).results[0]!
    if (peak > 1) {
      t.ok(short.failures > 0)
      t.ok(short.firstFailureAt !== null && trace.kind[short.firstFailureAt] !== FREE)
    }
  }), { numRuns: 40 })
})

t.test('series hold at most about 500 samples', async t => {
  const ops: TraceOp[] = []
  for (let id = 0; id < 3000; id++) ops.push({ op: 'alloc', id, size: 10 }, { op: 'free', id })
  const replay = replayTrace(parseTraceJson(ops), { strategies: ['tlsf'] })
  t.ok(replay.series.at.length <= 501)
  t.equal(replay.series.at.at(-1), 5999)
  t.same([...traceOps(parseTraceJson(ops))].length, 6000)
})
