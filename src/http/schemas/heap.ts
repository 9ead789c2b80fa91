import { z } from 'zod'
import { Alignment, HeapId, Size, Strategy, text } from './common.js'
import { pageOf, pageQueryShape } from './page.js'
import { Stats } from './stats.js'

export const CreateHeapBody = z.strictObject({
  size: Size.meta({ description: 'Heap size in bytes: the heap is the range [0, size).', examples: [1048576] }),
  strategy: Strategy.optional().meta({ description: '`first-fit` when omitted.' }),
  alignment: Alignment.optional().meta({ description: 'Default alignment of every block (a power of two); 1 when omitted.' }),
  name: text(128).optional().meta({ description: 'A label for people, 1 to 128 characters.', examples: ['gpu-arena'] }),
  record: z.boolean().optional().meta({
    description: 'Keep the heap\'s history of allocs, frees and reallocs as a trace (GET /heaps/{id}/trace), ' +
      'up to HEAPD_MAX_RECORDED_OPS ops; false when omitted.'
  })
}).meta({ examples: [{ size: 1048576, strategy: 'best-fit', alignment: 16, name: 'gpu-arena' }] })

export const Heap = z.object({
  id: HeapId,
  size: Size,
  strategy: Strategy,
  alignment: z.int().min(1),
  name: z.string().optional(),
  createdAt: z.string().meta({ description: 'ISO 8601 time of creation.', examples: ['2026-01-01T00:00:00.000Z'] }),
  expiresAt: z.string().optional().meta({
    description: 'ISO 8601 time at which the heap is deleted unless a request reads or changes it before; ' +
      'every such request moves it. Absent when the server lets heaps live forever (HEAPD_HEAP_TTL unset).',
    examples: ['2026-01-01T01:00:00.000Z']
  }),
  stats: Stats,
  recording: z.object({
    ops: z.int().min(0).meta({ description: 'Ops recorded so far.' }),
    complete: z.boolean().meta({ description: 'False once the history outgrew HEAPD_MAX_RECORDED_OPS: the recording stopped there.' })
  }).optional().meta({ description: 'Present on a heap created with `record: true`.' })
}).meta({
  id: 'Heap',
  examples: [{
    id: '3q2-7wAAAAD8tYc0QmH1Kg',
    size: 1048576,
    strategy: 'best-fit',
    alignment: 16,
    name: 'gpu-arena',
    createdAt: '2026-01-01T00:00:00.000Z',
    stats: {
      size: 1048576,
      used: 4096,
      free: 1044480,
      largestFree: 1044480,
      liveBlocks: 1,
      freeRanges: 1,
      fragmentation: 0,
      sawicki: 0,
      peakUsed: 4096,
      peakLiveBlocks: 1,
      allocs: 1,
      frees: 0,
      reallocs: 0,
      failedAllocs: 0
    }
  }]
})

export function heapListQuery (maxPageSize: number, defaultPageSize: number) {
  return z.strictObject(pageQueryShape(maxPageSize, defaultPageSize))
}

export const HeapList = pageOf(Heap).meta({ id: 'HeapList' })
