/** The JSON form of a recording heap's trace (GET /heaps/:id/trace with Accept: application/json). */
import { z } from 'zod'
import { Alignment, Size } from './common.js'

const TraceId = z.int().min(0).meta({ description: 'The block\'s id in the trace: one per block, never reused.' })

export const TraceOps = z.array(z.union([
  z.object({ op: z.literal('alloc'), id: TraceId, size: Size, align: Alignment.optional() }),
  z.object({ op: z.literal('free'), id: TraceId }),
  z.object({ op: z.literal('realloc'), id: TraceId, size: Size })
])).meta({
  id: 'RecordedTrace',
  description: 'A heap\'s history as trace ops (docs/traces.md), in order.',
  examples: [[{ op: 'alloc', id: 0, size: 4096 }, { op: 'alloc', id: 1, size: 64, align: 16 }, { op: 'realloc', id: 0, size: 8192 }, { op: 'free', id: 1 }]]
})
