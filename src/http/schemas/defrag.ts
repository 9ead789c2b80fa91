/** Defragmentation plans: the request to make one, the plan, the commit and its result. */
import { z } from 'zod'
import { Alignment, HeapId, Offset, RequestedSize, Size } from './common.js'
import { Stats } from './stats.js'

export const PlanParams = z.strictObject({
  id: HeapId,
  planId: z.string().min(1).max(64).meta({ description: 'The plan ID returned by POST /heaps/{id}/defrag.', examples: ['kZ1cU8mS0mEo2Xo9v7Dx4A'] })
})

const Count = z.int().min(0)

/** The body of POST /heaps/{id}/defrag; absent or `{}` plans a `compact`. `maxTtl`: HEAPD_MAX_DEFRAG_TTL. */
export function createPlanBody (maxTtl: number) {
  return z.strictObject({
    goal: z.enum(['compact', 'hole']).optional().meta({
      description: '`compact` (default): move blocks towards lower addresses so that free space gathers into as few, as large ranges as the limits allow. ' +
        '`hole`: make one free range of at least `size` bytes aligned to `align`, moving as few bytes as possible.'
    }),
    size: RequestedSize.optional().meta({ description: '`hole` only, and required there: bytes the free range must hold.', examples: [65536] }),
    align: Alignment.optional().meta({ description: '`hole` only: alignment of the free range\'s start; the heap\'s alignment at least.' }),
    maxBytes: Count.optional().meta({ description: 'The most bytes the plan may move (the sum of its moves\' sizes); unlimited when omitted.' }),
    maxMoves: Count.optional().meta({ description: 'The most moves the plan may hold; unlimited when omitted.' }),
    ttl: z.int().min(1).max(maxTtl, `must be at most ${maxTtl} (HEAPD_MAX_DEFRAG_TTL)`).optional().meta({
      description: `Seconds the plan stays open before it is aborted on its own: 60 when omitted, at most ${maxTtl} (HEAPD_MAX_DEFRAG_TTL).`
    })
  }).superRefine((body, ctx) => {
    if (body.goal === 'hole' && body.size === undefined) ctx.addIssue({ code: 'custom', path: ['size'], message: 'is required when goal is hole' })
    if (body.goal !== 'hole') {
      for (const key of ['size', 'align'] as const) {
        if (body[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'applies to goal hole only' })
      }
    }
  }).meta({ examples: [{ goal: 'compact', maxBytes: 1048576 }, { goal: 'hole', size: 65536, align: 4096, ttl: 30 }] }).nullish()
}

export const CommitBody = z.strictObject({
  skipped: z.array(Offset).optional().meta({
    description: 'Sources (`ptr`) of the moves whose copy was not made: those blocks stay where they are and their destinations are released.'
  })
}).meta({ examples: [{ skipped: [4096] }] }).nullish()

export const LayoutStats = z.object({
  largestFree: Count.meta({ description: 'The largest contiguous free range.' }),
  freeRanges: Count.meta({ description: 'Number of disjoint free ranges.' }),
  fragmentation: z.number().min(0).max(1).meta({ description: '1 - largestFree / free; 0 when nothing is free.' }),
  sawicki: z.number().min(0).max(1).meta({ description: 'Sawicki\'s metric: 1 - sqrt(sum f^2) / sum f over free ranges f.' })
}).meta({ id: 'LayoutStats' })

export const Move = z.object({
  ptr: Offset.meta({ description: 'The block\'s pointer now: copy from here.' }),
  newPtr: Offset.meta({ description: 'Where the block goes: copy to here. Free space now, disjoint from every block and every other destination.' }),
  size: Size.meta({ description: 'Bytes to copy.' }),
  align: z.int().min(1).optional().meta({ description: 'The alignment the block asked for, if any.' }),
  tag: z.string().optional().meta({ description: 'The block\'s tag, if any.' })
}).meta({ id: 'DefragMove' })

export const MoveResult = z.object({ ptr: Offset, newPtr: Offset, size: Size }).meta({ id: 'DefragMoveResult' })

export const CommitResult = z.object({
  moved: z.array(MoveResult).meta({ description: 'The moves applied: each block is now at `newPtr`, with its tag and alignment.' }),
  skipped: z.array(MoveResult).meta({ description: 'The moves skipped: each block stayed at `ptr`.' }),
  stats: Stats
}).meta({ id: 'DefragCommitResult' })

export const Plan = z.object({
  id: z.string().meta({ description: 'The plan ID (128 random bits): name it in commit, read and abort.' }),
  goal: z.enum(['compact', 'hole']),
  state: z.enum(['open', 'committed']).meta({ description: '`open` until committed; a committed plan is kept, with its `result`, until `expiresAt`.' }),
  expiresAt: z.string().meta({ description: 'When an open plan is aborted on its own (ISO 8601); its commit then answers 410 plan-expired.' }),
  moves: z.array(Move).meta({ description: 'In increasing `ptr` order. The copies may be made in any order, even in parallel.' }),
  bytesMoved: Count.meta({ description: 'The sum of the moves\' sizes.' }),
  before: LayoutStats.meta({ description: 'The heap\'s layout figures when the plan was made.' }),
  after: LayoutStats.meta({ description: 'The layout figures once every move is committed, if nothing else changes in between.' }),
  result: CommitResult.optional().meta({ description: 'A committed plan: what its commit answered.' })
}).meta({
  id: 'DefragPlan',
  examples: [{
    id: 'kZ1cU8mS0mEo2Xo9v7Dx4A',
    goal: 'compact',
    state: 'open',
    expiresAt: '2026-01-01T00:01:00.000Z',
    moves: [{ ptr: 8192, newPtr: 0, size: 4096, tag: 'texture' }],
    bytesMoved: 4096,
    before: { largestFree: 4096, freeRanges: 2, fragmentation: 0.5, sawicki: 0.29 },
    after: { largestFree: 8192, freeRanges: 1, fragmentation: 0, sawicki: 0 }
  }]
})
