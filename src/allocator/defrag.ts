/**
 * Allocator.planDefrag(): checks the options, reads the layout once (defrag-layout.ts), runs the
 * goal's planner (defrag-compact.ts, defrag-hole.ts) and turns its placements into moves with the
 * stats before and after (defrag-stats.ts). Pure: the heap is only read. The moves' lifecycle in
 * the heap (reserve, commit, release) is defrag-reserve.ts; docs/defrag.md tells the whole story.
 */
import type { HeapAllocator } from './allocator.js'
import { planCompact, type Limits } from './defrag-compact.js'
import { planHole } from './defrag-hole.js'
import { readLayout, type Layout } from './defrag-layout.js'
import type { Placements } from './defrag-pack.js'
import { layoutStatsOf, statsAfter } from './defrag-stats.js'
import { ExceedsHeapSizeError, InvalidArgumentError } from './errors.js'
import { requestedAlign, USED } from './segments.js'
import type { DefragMove, DefragOptions, DefragPlan } from './types.js'
import { checkAlignment, checkSize } from './validate.js'

export function planDefrag (heap: HeapAllocator, options: DefragOptions = {}): DefragPlan {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', 'must be an object')
  const goal = options.goal ?? 'compact'
  if (goal !== 'compact' && goal !== 'hole') throw new InvalidArgumentError('goal', `must be compact or hole, got ${String(goal)}`)
  const limits: Limits = { maxBytes: limit('maxBytes', options.maxBytes), maxMoves: limit('maxMoves', options.maxMoves) }
  let size = 0
  let align = 1
  if (goal === 'hole') {
    size = checkSize('size', options.size)
    if (size > heap.size) throw new ExceedsHeapSizeError(size, heap.size)
    align = Math.max(checkAlignment('align', options.align ?? heap.alignment), heap.alignment)
  } else {
    if (options.size !== undefined) throw new InvalidArgumentError('size', 'only the hole goal takes a size')
    if (options.align !== undefined) throw new InvalidArgumentError('align', 'only the hole goal takes an alignment')
  }
  const layout = readLayout(heap)
  const placements = goal === 'hole' ? planHole(layout, size, align, limits) : planCompact(layout, limits)
  const moves = movesOf(heap, layout, placements)
  return {
    goal,
    moves,
    bytesMoved: moves.reduce((sum, move) => sum + move.size, 0),
    before: layoutStatsOf(heap.stats()),
    after: statsAfter(layout, placements)
  }
}

/** A limit: a safe integer >= 0, or unlimited when absent. */
function limit (name: string, value: unknown): number {
  if (value === undefined) return Infinity
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidArgumentError(name, `must be a safe integer >= 0, got ${String(value)}`)
  }
  return value
}

/** The placements as moves, in increasing ptr order (segment order: no sort), with each block's requested alignment and tag. */
function movesOf (heap: HeapAllocator, layout: Layout, placements: Placements): DefragMove[] {
  const placementOf = new Int32Array(layout.count).fill(-1)
  for (const [m, s] of placements.segments.entries()) placementOf[s] = m
  const moves: DefragMove[] = []
  for (let s = 0; s < layout.count && moves.length < placements.segments.length; s++) {
    const m = placementOf[s]!
    if (m < 0) continue
    const ptr = layout.offsets[s]!
    const move: DefragMove = { ptr, newPtr: placements.destinations[m]!, size: layout.sizes[s]! }
    const state = heap.store.state[layout.nodes[s]!]!
    if (state !== USED) move.align = requestedAlign(state)
    const tag = heap.tags.size === 0 ? undefined : heap.tags.get(ptr)
    if (tag !== undefined) move.tag = tag
    moves.push(move)
  }
  return moves
}
