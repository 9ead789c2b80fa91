/**
 * How HeapdClient is meant to be used, and misuses the compiler must refuse: compiled (never run)
 * by types.test.ts, where every `@ts-expect-error` line must be an error or the compile fails.
 */
import {
  HeapdClient, HeapdError, type Block, type DefragCommitResult, type DefragPlan, type Heap, type Layout, type Occupancy, type ProblemCode, type Replay,
  type Stats, type TraceOp
} from '../../src/client/index.js'

const client = new HeapdClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'key', timeoutMs: 5000 })

export async function expectedUses (): Promise<void> {
  const heap: Heap = await client.createHeap({ size: 1 << 30, strategy: 'tlsf', alignment: 16, name: 'arena' })
  const block: Block = await client.alloc(heap.id, { size: 4096, align: 256, tag: 'texture' })
  const ptr: number = block.ptr
  const { moved }: { moved: boolean } = await client.realloc(heap.id, ptr, 8192)
  const freed: void = await client.free(heap.id, ptr)
  const { results } = await client.batch(heap.id, [{ op: 'alloc', size: 16 }, { op: 'free', ptr: 0 }, { op: 'realloc', ptr: 16, size: 32 }], { atomic: true })
  for (const result of results) {
    if (result.ok) console.log(result.ptr, result.size)
    else console.log(result.error.detail)
  }
  const stats: Stats = await client.stats(heap.id)
  const fragmentation: number = stats.fragmentation
  const segments: Layout = await client.layout(heap.id, { limit: 100 })
  const occupancy: Occupancy = await client.layout(heap.id, { buckets: 64, from: 0, to: 1 << 20 })
  const next: string | null = (await client.listHeaps({ limit: 10 })).nextCursor
  for await (const each of client.heaps()) console.log(each.id)
  const plan: DefragPlan = await client.planDefrag(heap.id, { goal: 'hole', size: 65536, maxBytes: 1 << 20 })
  const committed: DefragCommitResult = await client.commitDefragPlan(heap.id, plan.id, { skipped: [plan.moves[0]!.ptr] })
  const aborted: void = await client.abortDefragPlan(heap.id, (await client.getDefragPlan(heap.id, plan.id)).id)
  const recorded = await client.createHeap({ size: 1 << 20, record: true })
  const text: string = await client.trace(recorded.id, { format: 'text' })
  const ops: TraceOp[] = await client.trace(recorded.id, { format: 'json' })
  const replay: Replay = await client.replay(text, { strategies: ['tlsf'], size: 1 << 20 })
  const again: Replay = await client.replay(ops)
  const ofHeap: Replay = await client.replayHeap(recorded.id, { alignment: 16 })
  console.log(committed.moved, aborted, replay.results[0]?.overhead, again.floor.offline, ofHeap.peakLive.bytes)
  const deleted: void = await client.deleteHeap(heap.id, { signal: AbortSignal.timeout(1000) })
  console.log(moved, freed, fragmentation, segments.items[0]?.state, occupancy.bucketSize, next, deleted)

  try {
    await client.alloc(heap.id, { size: 1 << 20 })
  } catch (error) {
    if (error instanceof HeapdError && error.code === 'out-of-memory') {
      const reason: string | undefined = error.reason
      const largestFree: number | undefined = error.largestFree
      console.log(reason, largestFree, error.status, error.problem.instance)
    }
    if (HeapdError.is(error, 'quota-exceeded')) console.log(error.limit, error.retryAfter)
  }
}

export async function expectedErrors (heap: Heap, error: HeapdError): Promise<void> {
  // @ts-expect-error the size is required
  await client.createHeap({ strategy: 'tlsf' })
  // @ts-expect-error not a strategy
  await client.createHeap({ size: 1024, strategy: 'worst-fit' })
  // @ts-expect-error sizes are numbers, not strings
  await client.alloc(heap.id, { size: '4096' })
  // @ts-expect-error unknown field
  await client.alloc(heap.id, { size: 1, colour: 'red' })
  // @ts-expect-error a pointer is a number
  await client.free(heap.id, '0')
  // @ts-expect-error not an op
  await client.batch(heap.id, [{ op: 'move', ptr: 0 }])
  // @ts-expect-error a free needs its ptr
  await client.batch(heap.id, [{ op: 'free' }])
  // @ts-expect-error buckets answer occupancy, not segments
  const segments: Layout = await client.layout(heap.id, { buckets: 8 })
  // @ts-expect-error segments have no bucketSize
  console.log((await client.layout(heap.id)).bucketSize, segments)
  // @ts-expect-error not a problem code: a typo cannot compare silently
  if (error.code === 'out-of-memroy') console.log(error)
  // @ts-expect-error not a problem code
  HeapdError.is(error, 'no-such-code')
  // @ts-expect-error not a defragmentation goal
  await client.planDefrag(heap.id, { goal: 'shuffle' })
  // @ts-expect-error skipped lists pointers
  await client.commitDefragPlan(heap.id, 'plan', { skipped: ['0'] })
  // @ts-expect-error json answers ops, not text
  const notText: string = await client.trace(heap.id, { format: 'json' })
  // @ts-expect-error not an op of a trace
  await client.replay([{ op: 'move', id: 0 }])
  // @ts-expect-error not a strategy
  await client.replayHeap(heap.id, { strategies: ['worst-fit'] })
  console.log(notText)
  // @ts-expect-error the base URL is required
  console.log(new HeapdClient({ apiKey: 'key' }))
  const code: ProblemCode = error.code
  console.log(code)
}
