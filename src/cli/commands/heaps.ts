/** `heapd heaps create|ls|get|rm`: heaps, their settings and their statistics. */
import type { Heap, Strategy } from '../../client/index.js'
import { printJson, string, type Command, type Context } from '../command.js'
import { listing, table } from '../table.js'
import { formatBytes, formatRatio, parseSize } from '../units.js'
import { UsageError } from '../usage.js'

const STRATEGIES: Strategy[] = ['first-fit', 'best-fit', 'tlsf']

export function describeHeap (heap: Heap): string {
  const { stats } = heap
  return listing([
    ['id', heap.id],
    ['name', heap.name],
    ['strategy', heap.strategy],
    ['size', bytes(heap.size)],
    ['alignment', heap.alignment],
    ['created', heap.createdAt],
    ['expires', heap.expiresAt],
    ['recording', heap.recording === undefined ? undefined : `${heap.recording.ops} ops${heap.recording.complete ? '' : ', stopped at the limit'}`],
    ['used', `${bytes(stats.used)}, ${stats.liveBlocks} blocks`],
    ['free', `${bytes(stats.free)} in ${stats.freeRanges} ranges, the largest ${bytes(stats.largestFree)}`],
    ['fragmentation', formatRatio(stats.fragmentation)]
  ])
}

/** `4 KiB (4096)`: readable, and exact. */
export function bytes (count: number): string {
  return count < 1024 ? `${count} B` : `${formatBytes(count)} (${count})`
}

function strategy (value: string | undefined): Strategy | undefined {
  if (value === undefined) return undefined
  if (!(STRATEGIES as string[]).includes(value)) throw new UsageError(`--strategy must be one of ${STRATEGIES.join(', ')}, got ${value}`, 'heaps create')
  return value as Strategy
}

function printHeap (context: Context, heap: Heap): void {
  if (context.json) printJson(context, heap)
  else context.out(describeHeap(heap))
}

export const heapCommands: Command[] = [
  {
    path: ['heaps', 'create'],
    args: [],
    summary: 'create a heap',
    help: `Creates a heap: the address range [0, size), managed by a strategy. Prints the heap; its
ID is the first line (with --json, the "id" member).
  --size SIZE           the heap's size, e.g. 1GiB, 64K, 2^40 (required)
  --strategy STRATEGY   first-fit (default), best-fit or tlsf
  --alignment N         default alignment of every block, a power of two (1 by default)
  --name NAME           a label for people
  --record              keep the heap's history of allocs, frees and reallocs (heapd trace, heapd replay --heap)`,
    options: { size: { type: 'string' }, strategy: { type: 'string' }, alignment: { type: 'string' }, name: { type: 'string' }, record: { type: 'boolean' } },
    async run (context) {
      const size = string(context.values.size)
      if (size === undefined) throw new UsageError('--size is required', 'heaps create')
      const alignment = string(context.values.alignment)
      const chosen = strategy(string(context.values.strategy))
      const name = string(context.values.name)
      printHeap(context, await context.client().createHeap({
        size: parseSize(size, '--size'),
        ...(chosen !== undefined ? { strategy: chosen } : {}),
        ...(alignment !== undefined ? { alignment: parseSize(alignment, '--alignment') } : {}),
        ...(name !== undefined ? { name } : {}),
        ...(context.values.record === true ? { record: true } : {})
      }))
    }
  },
  {
    path: ['heaps', 'ls'],
    args: [],
    summary: 'list heaps',
    help: `Lists heaps in creation order, a page at a time; the last line says how to see the next page.
  --limit N       heaps per page (the service's default when omitted)
  --cursor TEXT   the page after the one that gave this cursor`,
    options: { limit: { type: 'string' }, cursor: { type: 'string' } },
    async run (context) {
      const limit = string(context.values.limit)
      const cursor = string(context.values.cursor)
      const page = await context.client().listHeaps({
        ...(limit !== undefined ? { limit: parseSize(limit, '--limit') } : {}),
        ...(cursor !== undefined ? { cursor } : {})
      })
      if (context.json) return printJson(context, page)
      context.out(table(['ID', 'NAME', 'STRATEGY', 'SIZE', 'USED', 'BLOCKS', 'FRAGMENTATION', 'CREATED'], page.items.map((heap) => [
        heap.id, heap.name ?? '', heap.strategy, formatBytes(heap.size), formatBytes(heap.stats.used), heap.stats.liveBlocks,
        formatRatio(heap.stats.fragmentation), heap.createdAt
      ])))
      if (page.nextCursor !== null) context.out(`more: heapd heaps ls --cursor ${page.nextCursor}${limit !== undefined ? ` --limit ${limit}` : ''}\n`)
    }
  },
  {
    path: ['heaps', 'get'],
    args: ['HEAP'],
    summary: 'show a heap',
    help: 'Prints the heap\'s settings and statistics.',
    options: {},
    async run (context) {
      printHeap(context, await context.client().getHeap(context.positionals[0]!))
    }
  },
  {
    path: ['heaps', 'rm'],
    args: ['HEAP'],
    summary: 'delete a heap',
    help: 'Deletes the heap and every block in it. Prints nothing with --json (the service answers 204).',
    options: {},
    async run (context) {
      const id = context.positionals[0]!
      await context.client().deleteHeap(id)
      if (!context.json) context.out(`deleted heap ${id}\n`)
    }
  }
]
