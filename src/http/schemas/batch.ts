import { z } from 'zod'
import { Alignment, Offset, RequestedSize, Size, tag } from './common.js'
import { Problem } from './problem.js'

const FreeOp = z.strictObject({ op: z.literal('free'), ptr: Offset })
const ReallocOp = z.strictObject({ op: z.literal('realloc'), ptr: Offset, size: RequestedSize })

export function batchBody (maxTagLength: number) {
  const AllocOp = z.strictObject({ op: z.literal('alloc'), size: RequestedSize, align: Alignment.optional(), tag: tag(maxTagLength).optional() })
  return z.strictObject({
    ops: z.array(z.discriminatedUnion('op', [AllocOp, FreeOp, ReallocOp])).meta({ description: 'Run in order.' }),
    atomic: z.boolean().optional().meta({
      description: 'When true, either every op succeeds or none is applied; the first failure answers its problem with its `index`.'
    })
  }).meta({
    examples: [{ ops: [{ op: 'alloc', size: 4096, tag: 'a' }, { op: 'alloc', size: 1024 }, { op: 'free', ptr: 0 }], atomic: true }]
  })
}

const BatchSuccess = z.object({
  ok: z.literal(true),
  op: z.enum(['alloc', 'free', 'realloc']),
  ptr: Offset,
  size: Size,
  align: z.int().optional(),
  tag: z.string().optional(),
  moved: z.boolean().optional().meta({ description: 'realloc only.' })
})

const BatchFailure = z.object({
  ok: z.literal(false),
  op: z.enum(['alloc', 'free', 'realloc']),
  error: Problem
})

export const BatchResponse = z.object({
  results: z.array(z.union([BatchSuccess, BatchFailure])).meta({ description: 'One per op, in order.' })
}).meta({
  id: 'BatchResponse',
  examples: [{ results: [{ ok: true, op: 'alloc', ptr: 0, size: 4096, tag: 'a' }, { ok: true, op: 'alloc', ptr: 4096, size: 1024 }, { ok: true, op: 'free', ptr: 0, size: 4096, tag: 'a' }] }]
})
