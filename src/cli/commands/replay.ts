/** `heapd trace` and `heapd replay`: a recording heap's history, and what-if replays of a trace (docs/traces.md). */
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import type { Replay, ReplayOptions, Strategy, TraceOp } from '../../client/index.js'
import { printJson, string, type Command, type Context } from '../command.js'
import { listing, table } from '../table.js'
import { formatBytes, formatRatio, parseSize } from '../units.js'
import { UsageError } from '../usage.js'
import { bytes } from './heaps.js'

const STRATEGIES: Strategy[] = ['first-fit', 'best-fit', 'tlsf']

/** The file's trace, gunzipped when it is gzip: JSON ops when it holds a JSON array, else the text format as it is. */
function readTrace (file: string): string | TraceOp[] {
  let text: string
  try {
    const content = readFileSync(file === '-' ? 0 : file)
    text = (content[0] === 0x1f && content[1] === 0x8b ? gunzipSync(content) : content).toString('utf8')
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, 'replay')
  }
  if (!text.trimStart().startsWith('[')) return text
  try {
    return JSON.parse(text) as TraceOp[]
  } catch (error) {
    throw new UsageError(`${file} starts like JSON ops but is not JSON: ${(error as Error).message}`, 'replay')
  }
}

function replayOptions (context: Context): ReplayOptions {
  const strategies = string(context.values.strategies)?.split(',').map((name) => name.trim()).filter((name) => name !== '')
  for (const name of strategies ?? []) {
    if (!(STRATEGIES as string[]).includes(name)) throw new UsageError(`--strategies takes ${STRATEGIES.join(', ')}, got ${name}`, 'replay')
  }
  const size = string(context.values.size)
  const alignment = string(context.values.alignment)
  return {
    ...(strategies !== undefined ? { strategies: strategies as Strategy[] } : {}),
    ...(size !== undefined ? { size: parseSize(size, '--size') } : {}),
    ...(alignment !== undefined ? { alignment: parseSize(alignment, '--alignment') } : {})
  }
}

export function describeReplay (replay: Replay): string {
  const summary = listing([
    ['ops', replay.ops],
    ['heap size', `${bytes(replay.size)}${replay.sizeGiven ? '' : ', large enough that nothing fails'}`],
    ['peak live', `${bytes(replay.peakLive.bytes)} in ${replay.peakLive.blocks} blocks, after op ${replay.peakLive.at}`],
    ['offline placement', bytes(replay.floor.offline)]
  ])
  const rows = replay.results.map((result) => [
    result.strategy, formatBytes(result.peakFootprint), formatRatio(result.overhead), formatRatio(result.overheadVsOffline),
    result.failures, result.firstFailureAt ?? '', formatRatio(result.fragmentation.max), formatRatio(result.fragmentation.mean),
    Math.round(result.nsPerOp)
  ])
  return summary + '\n' + table(
    ['STRATEGY', 'PEAK FOOTPRINT', 'OVERHEAD', 'VS OFFLINE', 'FAILURES', 'FIRST FAILURE', 'FRAG MAX', 'FRAG MEAN', 'NS/OP'], rows)
}

export const replayCommands: Command[] = [
  {
    path: ['trace'],
    args: ['HEAP'],
    summary: 'print a recording heap\'s history as a trace',
    help: `Prints the allocs, frees and reallocs of a heap created with --record, in the trace format
(a 0 4096, f 0, r 0 8192 ...; docs/traces.md), ready for \`heapd replay\`. With --json, its ops as JSON.`,
    options: {},
    async run (context) {
      const heap = context.positionals[0]!
      if (context.json) printJson(context, await context.client().trace(heap, { format: 'json' }))
      else context.out(await context.client().trace(heap, { format: 'text' }))
    }
  },
  {
    path: ['replay'],
    args: ['FILE?'],
    summary: 'replay a trace on every strategy and compare them',
    help: `Replays the trace in FILE (the text format or JSON ops, gzipped or not; - reads stdin), or with --heap a
recording heap's history, on first-fit, best-fit and tlsf. Prints, per strategy, the peak footprint,
its overhead over the peak live bytes and over the offline placement, the failures on a heap of
--size bytes, fragmentation and the server's time per op.
  --heap=HEAP          replay this recording heap's history instead of a file (IDs may begin with '-': use =)
  --size SIZE          replay on heaps of this size, counting failures (large enough by default)
  --strategies LIST    comma-separated, in this order (all by default)
  --alignment N        the heaps' alignment (1 by default)`,
    options: { heap: { type: 'string' }, size: { type: 'string' }, strategies: { type: 'string' }, alignment: { type: 'string' } },
    async run (context) {
      const file = context.positionals[0]
      const heap = string(context.values.heap)
      if ((file === undefined) === (heap === undefined)) throw new UsageError('give a trace FILE or --heap HEAP, one of them', 'replay')
      const options = replayOptions(context)
      const client = context.client()
      const replay = heap !== undefined ? await client.replayHeap(heap, options) : await client.replay(readTrace(file!), options)
      if (context.json) printJson(context, replay)
      else context.out(describeReplay(replay))
    }
  }
]
