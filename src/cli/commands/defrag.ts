/** `heapd defrag`, `defrag commit`, `defrag abort`: defragmentation plans (docs/defrag.md). */
import type { DefragCommitResult, DefragPlan, DefragPlanBody, LayoutStats } from '../../client/index.js'
import { printJson, string, type Command, type Context } from '../command.js'
import { listing, table } from '../table.js'
import { formatBytes, formatRatio, parseSize } from '../units.js'
import { UsageError } from '../usage.js'
import { bytes } from './heaps.js'

const GOALS = ['compact', 'hole'] as const

function layoutFigures (figures: LayoutStats): string {
  return `largest free ${formatBytes(figures.largestFree)}, ${figures.freeRanges} free ranges, fragmentation ${formatRatio(figures.fragmentation)}`
}

function movesTable (moves: Array<{ ptr: number, newPtr: number, size: number, tag?: string }>): string {
  return moves.length === 0 ? '' : table(['PTR', 'NEW PTR', 'SIZE', 'TAG'], moves.map((move) => [move.ptr, move.newPtr, move.size, move.tag]))
}

function describePlan (heap: string, plan: DefragPlan): string {
  const summary = listing([
    ['plan', plan.id],
    ['goal', plan.goal],
    ['state', plan.state],
    ['expires', plan.state === 'open' ? plan.expiresAt : undefined],
    ['moves', `${plan.moves.length}, ${bytes(plan.bytesMoved)} to copy`],
    ['before', layoutFigures(plan.before)],
    ['after', layoutFigures(plan.after)]
  ])
  const next = plan.state === 'open' && plan.moves.length > 0
    ? `copy each block from PTR to NEW PTR in your resource, then: heapd defrag commit ${heap} ${plan.id}\n` +
      `(or give the plan up: heapd defrag abort ${heap} ${plan.id})\n`
    : ''
  return summary + movesTable(plan.moves) + next
}

function describeCommit (result: DefragCommitResult): string {
  return listing([
    ['moved', `${result.moved.length} blocks, ${bytes(result.moved.reduce((sum, move) => sum + move.size, 0))}`],
    ['skipped', result.skipped.length],
    ['largest free', bytes(result.stats.largestFree)],
    ['free ranges', result.stats.freeRanges],
    ['fragmentation', formatRatio(result.stats.fragmentation)]
  ]) + movesTable(result.moved)
}

function planBody (context: Context): DefragPlanBody {
  const goal = string(context.values.goal)
  if (goal !== undefined && !(GOALS as readonly string[]).includes(goal)) throw new UsageError(`--goal must be compact or hole, got ${goal}`, 'defrag')
  const size = (name: string): number | undefined => {
    const text = string(context.values[name])
    return text === undefined ? undefined : parseSize(text, `--${name}`)
  }
  const fields = { size: size('size'), align: size('align'), maxBytes: size('max-bytes'), maxMoves: size('max-moves'), ttl: size('ttl') }
  return {
    ...(goal !== undefined ? { goal: goal as DefragPlanBody['goal'] } : {}),
    ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined))
  }
}

/** `--skipped 0,4096`: the sources whose copy was not made. */
function skipped (text: string | undefined): number[] | undefined {
  return text === undefined ? undefined : text.split(',').filter((ptr) => ptr.trim() !== '').map((ptr) => parseSize(ptr, '--skipped pointer'))
}

export const defragCommands: Command[] = [
  {
    path: ['defrag'],
    args: ['HEAP'],
    summary: 'plan a defragmentation (and commit it at once with --commit)',
    help: `Plans block moves that win back contiguous free space and opens the plan: its destinations
are reserved and its blocks pinned until it is committed, aborted, or expires. Prints the plan and
its moves; copy each block's bytes in your own resource, then run \`heapd defrag commit\`.
  --goal GOAL        compact (default): gather free space; hole: one free range of --size bytes
  --size SIZE        hole only: bytes the free range must hold
  --align N          hole only: alignment of the free range's start
  --max-bytes SIZE   the most bytes the plan may move
  --max-moves N      the most moves the plan may hold
  --ttl SECS         seconds the plan stays open (the service's default when omitted)
  --commit           commit the plan at once: for a resource with nothing to copy (a plan of
                     offsets only); prints what moved`,
    options: {
      goal: { type: 'string' },
      size: { type: 'string' },
      align: { type: 'string' },
      'max-bytes': { type: 'string' },
      'max-moves': { type: 'string' },
      ttl: { type: 'string' },
      commit: { type: 'boolean' }
    },
    async run (context) {
      const heap = context.positionals[0]!
      const client = context.client()
      const plan = await client.planDefrag(heap, planBody(context))
      if (context.values.commit !== true) {
        return context.json ? printJson(context, plan) : context.out(describePlan(heap, plan))
      }
      const result = await client.commitDefragPlan(heap, plan.id)
      if (context.json) printJson(context, result)
      else context.out(describeCommit(result))
    }
  },
  {
    path: ['defrag', 'commit'],
    args: ['HEAP', 'PLAN'],
    summary: 'commit a defragmentation plan, once the bytes are copied',
    help: `Moves the plan's blocks to their new pointers. Prints what moved and the heap's free space after.
  --skipped PTR,...   sources whose copy was not made: those blocks stay where they are`,
    options: { skipped: { type: 'string' } },
    async run (context) {
      const [heap, plan] = context.positionals as [string, string]
      const left = skipped(string(context.values.skipped))
      const result = await context.client().commitDefragPlan(heap, plan, left !== undefined ? { skipped: left } : {})
      if (context.json) printJson(context, result)
      else context.out(describeCommit(result))
    }
  },
  {
    path: ['defrag', 'abort'],
    args: ['HEAP', 'PLAN'],
    summary: 'give a defragmentation plan up: nothing moves',
    help: 'Releases the plan\'s reserved destinations and pinned blocks. Prints nothing with --json (the service answers 204).',
    options: {},
    async run (context) {
      const [heap, plan] = context.positionals as [string, string]
      await context.client().abortDefragPlan(heap, plan)
      if (!context.json) context.out(`aborted plan ${plan}\n`)
    }
  }
]
