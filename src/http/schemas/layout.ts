import { z } from 'zod'
import { MAX_BUCKETS } from '../../allocator/index.js'
import { decimal, Offset, Size } from './common.js'
import { pageOf, pageQueryShape } from './page.js'

export function layoutQuery (maxPageSize: number, defaultPageSize: number) {
  return z.strictObject({
    ...pageQueryShape(maxPageSize, defaultPageSize),
    buckets: decimal()
      .pipe(z.int().min(1).max(MAX_BUCKETS))
      .optional()
      .meta({ description: `Answer occupancy in this many equal-width buckets (1 to ${MAX_BUCKETS}) instead of segments.` }),
    from: decimal().optional().meta({ description: 'With `buckets`: start of the range to cover (default 0).' }),
    to: decimal().optional().meta({ description: 'With `buckets`: end of the range to cover, exclusive (default the heap size).' })
  }).superRefine((query, ctx) => {
    if (query.buckets === undefined) {
      for (const key of ['from', 'to'] as const) {
        if (query[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'applies only with buckets' })
      }
    } else {
      for (const key of ['limit', 'cursor'] as const) {
        if (query[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'does not apply with buckets' })
      }
      if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be greater than from' })
      }
    }
  })
}

export const LayoutSegment = z.object({
  offset: Offset,
  size: Size,
  state: z.enum(['used', 'free', 'reserved']).meta({ description: '`reserved`: the destination of a move of an open defragmentation plan, neither a block nor free.' }),
  ptr: Offset.optional().meta({ description: 'Used segments: the block\'s pointer (equal to offset).' }),
  tag: z.string().optional()
}).meta({ id: 'LayoutSegment' })

export const Layout = pageOf(LayoutSegment).meta({
  id: 'Layout',
  description: 'Used and free segments in address order; together they tile [0, size).',
  examples: [{ items: [{ offset: 0, size: 4096, state: 'used', ptr: 0, tag: 'texture' }, { offset: 4096, size: 1044480, state: 'free' }], nextCursor: null }]
})

export const Occupancy = z.object({
  from: Offset,
  to: Offset,
  bucketSize: Size.meta({ description: 'Width of each bucket in bytes; the last may be narrower.' }),
  buckets: z.array(z.object({ offset: Offset, size: Size, used: Offset }))
}).meta({
  id: 'Occupancy',
  description: 'Used bytes per equal-width bucket of [from, to).',
  examples: [{ from: 0, to: 1048576, bucketSize: 524288, buckets: [{ offset: 0, size: 524288, used: 4096 }, { offset: 524288, size: 524288, used: 0 }] }]
})
