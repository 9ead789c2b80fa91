/** POST /replays: a trace in, each strategy's costs against the floor out (docs/traces.md defines every field). */
import { z } from 'zod'
import { STRATEGIES } from '../../allocator/types.js'
import { Alignment, HeapId, Size, Strategy } from './common.js'

const STRATEGY_LIST = new RegExp(`^(${STRATEGIES.join('|')})(,(${STRATEGIES.join('|')}))*$`)

const Strategies = z.array(Strategy).min(1).max(STRATEGIES.length)
  .refine((list) => new Set(list).size === list.length, 'must not name a strategy twice')
  .meta({ description: 'Strategies to replay on, in this order; all when omitted.' })

const HeapSizeOption = Size.meta({
  description: 'Replay on heaps of this many bytes, counting failures; when omitted, heaps large enough that nothing fails.',
  examples: [1073741824]
})

export const ReplayQuery = z.strictObject({
  heap: HeapId.optional().meta({ description: 'Replay this recording heap\'s own history (created with `record: true`) instead of a trace in the body.' }),
  strategies: z.string().regex(STRATEGY_LIST, `must be a comma-separated list of ${STRATEGIES.join(', ')}`)
    .transform((list) => list.split(','))
    .pipe(Strategies)
    .optional()
    .meta({ description: 'For a text/plain body or ?heap=: strategies to replay on, comma-separated.', examples: ['first-fit,tlsf'] }),
  size: z.string().regex(/^[1-9][0-9]*$/, 'must be a positive decimal integer').transform(Number).pipe(z.int().min(1)).optional()
    .meta({ description: 'For a text/plain body or ?heap=: the heap size (see the JSON body\'s `size`).' }),
  alignment: z.string().regex(/^[1-9][0-9]*$/, 'must be a positive decimal integer').transform(Number).pipe(Alignment).optional()
    .meta({ description: 'For a text/plain body or ?heap=: the heaps\' alignment (see the JSON body\'s `alignment`).' })
})

export const TraceText = z.string().meta({
  description: 'text/plain: the trace, one op a line: `a <id> <size> [<align>]`, `f <id>`, `r <id> <size>`, `#` comments (docs/traces.md).',
  examples: ['# alloc-trace v1\na 0 4096\na 1 64 16\nr 0 8192\nf 1\n']
})

export const ReplayJsonBody = z.strictObject({
  trace: z.union([
    z.string().meta({ description: 'The trace in the text format.' }),
    z.array(z.unknown()).meta({
      description: 'JSON ops: `{op: "alloc", id, size, align?}`, `{op: "free", id}`, `{op: "realloc", id, size}` (the RecordedTrace form). ' +
        'Each op is checked by the trace parser: a bad one answers invalid-trace naming its `index`.'
    })
  ]).optional().meta({ description: 'The trace; omitted with ?heap=.' }),
  strategies: Strategies.optional(),
  size: HeapSizeOption.optional(),
  alignment: Alignment.optional().meta({ description: 'The heaps\' alignment, as POST /heaps takes it; 1 when omitted.' })
}).meta({
  id: 'ReplayRequest',
  examples: [{ trace: [{ op: 'alloc', id: 0, size: 4096 }, { op: 'alloc', id: 1, size: 64, align: 16 }, { op: 'free', id: 0 }], strategies: ['first-fit', 'tlsf'] }]
})

export const ReplayBody = z.union([TraceText, ReplayJsonBody]).nullish()

const Spread = z.object({ max: z.number(), mean: z.number() })

const StrategyResult = z.object({
  strategy: Strategy,
  peakFootprint: z.int().meta({ description: 'The highest end offset (ptr + size) ever in use.' }),
  overhead: z.number().meta({ description: 'peakFootprint / peakLive.bytes - 1.' }),
  overheadVsOffline: z.number().meta({ description: 'peakFootprint / floor.offline - 1: negative where the strategy beats the offline placement.' }),
  failures: z.int().meta({ description: 'Allocations (and growing reallocs) that found no room; 0 when no size was given.' }),
  firstFailureAt: z.int().nullable().meta({ description: 'Index (0-based) of the first op that failed; null when none did.' }),
  fragmentation: Spread.meta({ description: '1 - largestFree / free (HeapStats), sampled along the replay: highest and mean.' }),
  sawicki: Spread.meta({ description: '1 - sqrt(sum of free ranges squared) / free (HeapStats), sampled along the replay: highest and mean.' }),
  nsPerOp: z.number().meta({ description: 'Wall-clock nanoseconds per op of this strategy\'s replay on the server, its bookkeeping included.' })
})

export const ReplayResponse = z.object({
  ops: z.int(),
  size: z.int().meta({ description: 'The heap size every strategy replayed on.' }),
  sizeGiven: z.boolean().meta({ description: 'False when the size was chosen large enough never to fail.' }),
  peakLive: z.object({
    bytes: z.int().meta({ description: 'Highest sum of live block sizes after any op.' }),
    blocks: z.int().meta({ description: 'Live blocks at that moment.' }),
    at: z.int().meta({ description: 'Index (0-based) of the first op after which live bytes peak; -1 for an empty trace.' })
  }),
  floor: z.object({
    bytes: z.int().meta({ description: 'The lower bound of any placement\'s footprint: peakLive.bytes.' }),
    offline: z.int().meta({ description: 'Footprint of an offline placement knowing every lifetime (floor.method): achievable, so the floor lies between bytes and offline.' }),
    method: z.string()
  }),
  results: z.array(StrategyResult),
  series: z.object({
    at: z.array(z.int()).meta({ description: 'Op indices of the samples (at most about 500, the last op included).' }),
    live: z.array(z.int()).meta({ description: 'Live bytes after each sampled op.' }),
    footprint: z.record(z.string(), z.array(z.int())).meta({ description: 'Per strategy: the highest end offset in use after each sampled op.' })
  })
}).meta({ id: 'Replay' })
