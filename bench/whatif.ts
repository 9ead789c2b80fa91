/**
 * What if (POST /replays): per trace, each strategy's peak footprint as overhead against peak live
 * bytes and against the offline reference (src/trace/floor.ts); then the route's throughput on the
 * largest trace, through the worker pool POST /replays hands its body to (the text sent to a worker,
 * parsed, replayed on all three strategies, answered), with the time a 1 M-op replay takes (the
 * goal: under 2 s). The pool, not the app: this runs compiled, where the app cannot find the
 * package.json it reads its version from.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ReplayPool } from '../src/registry/replays.js'
import { parseTraceText, replayTrace } from '../src/trace/index.js'
import type { ReplayResult } from '../src/trace/index.js'
import { traceExists, tracesDir } from '../test/helpers/trace.js'
import { int, mib, mops, percent, printTable } from './table.js'

/** The goal's trace length and time. */
const GOAL_OPS = 1_000_000
const GOAL_MS = 2000

function traceText (name: string): string {
  return gunzipSync(readFileSync(join(tracesDir(), `${name}.trace.gz`))).toString('latin1')
}

/** The first `ops` op lines of a trace text (comments kept). */
function prefix (text: string, ops: number): { text: string, ops: number } {
  let count = 0
  let end = 0
  while (end < text.length && count < ops) {
    const newline = text.indexOf('\n', end)
    const line = text.slice(end, newline === -1 ? text.length : newline)
    if (line !== '' && line[0] !== '#') count++
    end = newline === -1 ? text.length : newline + 1
  }
  return { text: text.slice(0, end), ops: count }
}

export async function benchWhatIf (names: readonly string[]): Promise<void> {
  let largest: { name: string, text: string, ops: number } | undefined
  for (const name of names) {
    if (!traceExists(name)) continue
    const text = traceText(name)
    const started = process.hrtime.bigint()
    const trace = parseTraceText(text)
    const parseMs = Number(process.hrtime.bigint() - started) / 1e6
    console.error(`${name}: what-if replay`)
    const replayStarted = process.hrtime.bigint()
    const replay = replayTrace(trace)
    printWhatIf(name, replay, parseMs, Number(process.hrtime.bigint() - replayStarted) / 1e6)
    if (largest === undefined || trace.length > largest.ops) largest = { name, text, ops: trace.length }
  }
  if (largest !== undefined) await benchRoute(largest)
}

function printWhatIf (name: string, replay: ReplayResult, parseMs: number, replayMs: number): void {
  printTable(
    `what if, ${name}: ${int(replay.ops)} ops, peak ${mib(replay.peakLive.bytes)} live, offline reference ${mib(replay.floor.offline)} (${percent(replay.floor.offline / replay.floor.bytes - 1)} over peak live)`,
    ['strategy', 'peak footprint', 'overhead vs peak live', 'overhead vs offline', 'fragmentation mean', 'ns/op'],
    replay.results.map((r) => [r.strategy, mib(r.peakFootprint), percent(r.overhead), percent(r.overheadVsOffline), percent(r.fragmentation.mean), r.nsPerOp.toFixed(0)]),
    [`replayTrace in process: parse ${parseMs.toFixed(0)} ms, replay on the three strategies with the floor ${replayMs.toFixed(0)} ms. ` +
      'Offline: the better of two greedy placements knowing every lifetime (floor.method); a negative overhead vs offline is a strategy beating it.']
  )
}

/** The route's replay path on the pool: best of three. */
async function benchRoute (largest: { name: string, text: string, ops: number }): Promise<void> {
  const pool = new ReplayPool({ maxConcurrent: 1, maxOps: 10_000_000 })
  const post = async (text: string): Promise<number> => {
    const started = process.hrtime.bigint()
    await pool.run({ text })
    return Number(process.hrtime.bigint() - started) / 1e6
  }
  try {
    console.error(`${largest.name}: the replay route's pool`)
    await post(prefix(largest.text, 1000).text) // starts the worker
    const whole = Math.min(await post(largest.text), await post(largest.text), await post(largest.text))
    const goal = prefix(largest.text, GOAL_OPS)
    const goalMs = Math.min(await post(goal.text), await post(goal.text), await post(goal.text))
    printTable(
      `POST /replays's replay on ${largest.name} (text, all three strategies, on the route's worker pool)`,
      ['trace', 'ops', 'answered in', 'ops/s'],
      [
        [largest.name, int(largest.ops), `${whole.toFixed(0)} ms`, mops(largest.ops / whole * 1000)],
        [`its first ${int(goal.ops)} ops`, int(goal.ops), `${goalMs.toFixed(0)} ms`, mops(goal.ops / goalMs * 1000)]
      ],
      ['Best of three: the text sent to a worker, parsed, replayed with the floor and the series, the answer back (reading the HTTP body is not included). ' +
        `Goal: ${int(GOAL_OPS)} ops answered in under ${GOAL_MS} ms: ${goalMs < GOAL_MS ? 'met' : 'not met'}` +
        `${goal.ops < GOAL_OPS ? ` (the trace holds only ${int(goal.ops)} ops)` : ''}.`]
    )
  } finally {
    await pool.close()
  }
}
