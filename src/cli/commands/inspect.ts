/** `heapd stats` and `heapd layout`: what a heap looks like, once or as it changes. */
import { setTimeout as delay } from 'node:timers/promises'
import type { Stats } from '../../client/index.js'
import { printJson, string, type Command, type Context } from '../command.js'
import { cellsFor, drawMap } from '../heap-map.js'
import { listing } from '../table.js'
import { formatRatio, parseSize } from '../units.js'
import { UsageError } from '../usage.js'
import { bytes } from './heaps.js'

/** Largest bucket count the service computes in one answer. */
const MAX_BUCKETS = 10_000

function describeStats (stats: Stats): string {
  return listing([
    ['size', bytes(stats.size)],
    ['used', bytes(stats.used)],
    ['free', bytes(stats.free)],
    ['largest free', bytes(stats.largestFree)],
    ['live blocks', stats.liveBlocks],
    ['free ranges', stats.freeRanges],
    ['fragmentation', formatRatio(stats.fragmentation)],
    ['sawicki', formatRatio(stats.sawicki)],
    ['peak used', bytes(stats.peakUsed)],
    ['peak blocks', stats.peakLiveBlocks],
    ['allocs', stats.allocs],
    ['frees', stats.frees],
    ['reallocs', stats.reallocs],
    ['failed allocs', stats.failedAllocs]
  ])
}

function seconds (value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback
  const ms = Number(value) * 1000
  if (!(ms > 0) || !Number.isFinite(ms)) throw new UsageError(`${option} ${value} is not a number of seconds above 0`)
  return ms
}

async function printStats (context: Context, heap: string, watching: boolean, signal?: AbortSignal): Promise<void> {
  const stats = await context.client().stats(heap, signal !== undefined ? { signal } : {})
  if (context.json) printJson(context, stats)
  else if (!watching) context.out(describeStats(stats))
  // On a terminal the screen is redrawn in place; elsewhere (a pipe, a file) each reading follows the last.
  else context.out(`${context.isTTY ? '\x1b[H\x1b[2J' : '\n'}${new Date().toISOString()}  heap ${heap}\n${describeStats(stats)}`)
}

export const inspectCommands: Command[] = [
  {
    path: ['stats'],
    args: ['HEAP'],
    summary: 'show a heap\'s statistics',
    help: `Prints used and free bytes, the largest free range, fragmentation, peaks and counters.
  --watch           print them again every interval until interrupted (Ctrl-C); with --json, one line each time
  --interval SECS   time between readings with --watch (default 1)`,
    options: { watch: { type: 'boolean' }, interval: { type: 'string' } },
    async run (context) {
      const heap = context.positionals[0]!
      if (context.values.watch !== true) return printStats(context, heap, false)
      const interval = seconds(string(context.values.interval), '--interval', 1000)
      const signal = context.interrupted()
      try {
        while (!signal.aborted) {
          await printStats(context, heap, true, signal)
          await delay(interval, undefined, { signal })
        }
      } catch (error) {
        if (!signal.aborted) throw error
      }
    }
  },
  {
    path: ['layout'],
    args: ['HEAP'],
    summary: 'draw a heap\'s used and free space',
    help: `Draws the heap in the terminal: one cell per equal slice of the heap, shaded by how much of it
is used, rows labelled with their first offset, sized to the terminal (80 by 20 off a terminal).
  --width N       columns of the drawing (the terminal's width by default)
  --height N      rows of cells (enough to fill the terminal by default)
  --from SIZE     draw only [from, to) of the heap
  --to SIZE
  --json          the service's layout instead: used and free segments a page at a time
                  (--limit, --cursor), or with --buckets N the occupancy of N buckets of [from, to)
  --buckets N
  --limit N
  --cursor TEXT`,
    options: {
      width: { type: 'string' },
      height: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      buckets: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' }
    },
    async run (context) {
      const id = context.positionals[0]!
      const value = (name: string): number | undefined => {
        const text = string(context.values[name])
        return text === undefined ? undefined : parseSize(text, `--${name}`)
      }
      const from = value('from')
      const to = value('to')
      const range = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }
      const client = context.client()
      if (context.json) {
        const buckets = value('buckets')
        if (buckets !== undefined) return printJson(context, await client.layout(id, { buckets, ...range }))
        if (from !== undefined || to !== undefined) throw new UsageError('--from and --to need --buckets with --json', 'layout')
        const limit = value('limit')
        const cursor = string(context.values.cursor)
        return printJson(context, await client.layout(id, { ...(limit !== undefined ? { limit } : {}), ...(cursor !== undefined ? { cursor } : {}) }))
      }
      const heap = await client.getHeap(id)
      const columns = value('width') ?? context.columns ?? 80
      // The header, the legend and the shell's prompt take three lines.
      const rows = value('height') ?? (context.rows !== undefined ? Math.max(4, context.rows - 3) : 20)
      const { perRow, cells } = cellsFor(columns, rows)
      const occupancy = await client.layout(id, { buckets: Math.min(cells, MAX_BUCKETS), ...range })
      context.out(drawMap(heap, occupancy, perRow))
    }
  }
]
