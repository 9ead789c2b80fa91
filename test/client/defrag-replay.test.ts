/**
 * HeapdClient's defragmentation, trace and replay methods end to end against the built service:
 * a plan committed and one aborted, a recording heap's trace in both formats, and replays of a
 * trace given as text, as ops, and of a recording heap.
 */
import t from 'tap'
import { HeapdClient, HeapdError, type TraceOp } from '../../src/client/index.js'
import { startServer } from './live-server.js'

const server = await startServer(t)
const client = new HeapdClient({ baseUrl: server.url })

async function rejection (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** A heap of 64 KiB with a 4 KiB hole at 0 below two blocks: [free 4096][b 4096][c 4096][free …]. */
async function fragmentedHeap (): Promise<string> {
  const heap = await client.createHeap({ size: 1 << 16 })
  const a = await client.alloc(heap.id, { size: 4096 })
  await client.alloc(heap.id, { size: 4096, tag: 'b' })
  await client.alloc(heap.id, { size: 4096, tag: 'c' })
  await client.free(heap.id, a.ptr)
  return heap.id
}

t.test('plan, read, commit: the blocks move and the free space is one range', async (t) => {
  const heapId = await fragmentedHeap()
  t.equal((await client.stats(heapId)).freeRanges, 2)
  const plan = await client.planDefrag(heapId)
  t.match(plan, { id: String, goal: 'compact', state: 'open', expiresAt: String, before: { freeRanges: 2 }, after: { freeRanges: 1, fragmentation: 0 } })
  t.ok(plan.moves.length > 0)
  t.equal(plan.bytesMoved, plan.moves.reduce((sum, move) => sum + move.size, 0))
  t.same(await client.getDefragPlan(heapId, plan.id), plan)

  const layout = await client.layout(heapId)
  t.ok(layout.items.some((segment) => segment.state === 'reserved'), 'the destinations are reserved')
  const pinned = plan.moves[0]!.ptr
  t.match(await rejection(client.free(heapId, pinned)), { code: 'block-moving', status: 409, planId: plan.id })
  t.match(await rejection(client.planDefrag(heapId)), { code: 'defrag-in-progress', planId: plan.id })

  const result = await client.commitDefragPlan(heapId, plan.id)
  t.same(result.moved, plan.moves.map(({ ptr, newPtr, size }) => ({ ptr, newPtr, size })))
  t.same(result.skipped, [])
  t.match(result.stats, { freeRanges: 1, liveBlocks: 2, used: 8192 })
  t.same((await client.listBlocks(heapId)).items.map((block) => block.ptr).sort((x, y) => x - y), [0, 4096])
  t.match(await client.getDefragPlan(heapId, plan.id), { id: plan.id, state: 'committed', result })
  t.same(await client.commitDefragPlan(heapId, plan.id), result, 'a second commit answers the same result')
  t.match(await rejection(client.abortDefragPlan(heapId, plan.id)), { code: 'plan-committed', status: 409, planId: plan.id })
})

t.test('a hole plan committed with its moves skipped moves nothing', async (t) => {
  const heapId = await fragmentedHeap()
  const plan = await client.planDefrag(heapId, { goal: 'hole', size: (1 << 16) - 8192, maxMoves: 4, ttl: 30 })
  t.match(plan, { goal: 'hole', state: 'open' })
  t.ok(plan.moves.length > 0)
  const before = (await client.listBlocks(heapId)).items
  const result = await client.commitDefragPlan(heapId, plan.id, { skipped: plan.moves.map((move) => move.ptr) })
  t.same(result.moved, [])
  t.equal(result.skipped.length, plan.moves.length)
  t.same((await client.listBlocks(heapId)).items, before, 'every block stayed')
})

t.test('abort releases the plan: nothing moved, the plan is gone', async (t) => {
  const heapId = await fragmentedHeap()
  const plan = await client.planDefrag(heapId, { goal: 'compact' })
  const before = (await client.listBlocks(heapId)).items
  t.equal(await client.abortDefragPlan(heapId, plan.id), undefined)
  t.same((await client.listBlocks(heapId)).items, before)
  t.notOk((await client.layout(heapId)).items.some((segment) => segment.state === 'reserved'), 'no reservation is left')
  const gone = await rejection(client.getDefragPlan(heapId, plan.id))
  t.ok(HeapdError.is(gone, 'plan-not-found'))
  t.match(await rejection(client.planDefrag(heapId, { goal: 'hole' })), { code: 'validation-error', status: 400 })
})

t.test('a recording heap\'s trace, as text and as ops', async (t) => {
  const heap = await client.createHeap({ size: 1 << 16, record: true })
  t.same(heap.recording, { ops: 0, complete: true })
  const a = await client.alloc(heap.id, { size: 4096 })
  const b = await client.alloc(heap.id, { size: 64, align: 16 })
  await client.free(heap.id, b.ptr)
  t.equal((await client.realloc(heap.id, a.ptr, 8192)).moved, false)

  const ops: TraceOp[] = await client.trace(heap.id, { format: 'json' })
  t.same(ops, [
    { op: 'alloc', id: 0, size: 4096 },
    { op: 'alloc', id: 1, size: 64, align: 16 },
    { op: 'free', id: 1 },
    { op: 'realloc', id: 0, size: 8192 }
  ])
  const text: string = await client.trace(heap.id, { format: 'text' })
  t.match(text, /^# alloc-trace v1\n/)
  t.same(text.split('\n').filter((line) => line !== '' && !line.startsWith('#')), ['a 0 4096', 'a 1 64 16', 'f 1', 'r 0 8192'])

  const plain = await client.createHeap({ size: 64 })
  t.match(await rejection(client.trace(plain.id, { format: 'text' })), { code: 'not-recording', status: 404 })
  t.match(await rejection(client.trace(plain.id, { format: 'json' })), { code: 'not-recording', status: 404 })
})

t.test('replays of a trace as text, as ops, and of a recording heap', async (t) => {
  const text = '# alloc-trace v1\na 0 4096\na 1 64 16\na 2 4096\nf 0\na 3 8192\nf 1\n'
  const replay = await client.replay(text)
  t.match(replay, { ops: 6, sizeGiven: false, peakLive: { bytes: 4096 + 64 + 4096 + 8192 - 4096 + 0, at: 4 } })
  t.same(replay.results.map((result) => result.strategy).sort(), ['best-fit', 'first-fit', 'tlsf'])
  for (const result of replay.results) {
    t.equal(result.failures, 0)
    t.ok(result.peakFootprint >= replay.peakLive.bytes, `${result.strategy}: no placement beats the live bytes`)
  }

  const ops: TraceOp[] = [{ op: 'alloc', id: 0, size: 4096 }, { op: 'alloc', id: 1, size: 4096 }, { op: 'free', id: 0 }, { op: 'alloc', id: 2, size: 8192 }]
  const small = await client.replay(ops, { strategies: ['tlsf', 'first-fit'], size: 8192, alignment: 16 })
  t.match(small, { ops: 4, size: 8192, sizeGiven: true })
  t.same(small.results.map((result) => result.strategy), ['tlsf', 'first-fit'])
  t.ok(small.results.every((result) => result.failures === 1 && result.firstFailureAt === 3), 'the last alloc cannot fit in 8 KiB')

  const heap = await client.createHeap({ size: 1 << 16, record: true })
  await client.alloc(heap.id, { size: 1000 })
  await client.alloc(heap.id, { size: 2000 })
  const fromHeap = await client.replayHeap(heap.id, { strategies: ['best-fit'], size: 4096 })
  t.match(fromHeap, { ops: 2, size: 4096, sizeGiven: true, peakLive: { bytes: 3000 } })
  t.same(fromHeap.results.map((result) => result.strategy), ['best-fit'])

  t.match(await rejection(client.replay('a 0 16\nf 1\n')), { code: 'invalid-trace', status: 400, line: 2 })
  t.match(await rejection(client.replay([{ op: 'alloc', id: 0, size: 16 }, { op: 'free', id: 0 }, { op: 'free', id: 0 }])),
    { code: 'invalid-trace', index: 2 })
  const plain = await client.createHeap({ size: 64 })
  t.match(await rejection(client.replayHeap(plain.id)), { code: 'not-recording', status: 404 })
})
