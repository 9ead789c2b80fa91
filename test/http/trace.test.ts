import t from 'tap'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'
import { prng } from '../helpers/prng.js'
import { createAllocator } from '../../src/allocator/index.js'
import type { Strategy } from '../../src/allocator/types.js'
import { parseTraceText, traceOps, type TraceOp } from '../../src/trace/index.js'
import type { App } from '../../src/http/app.js'
import { StoreUnavailableError } from '../../src/registry/store/errors.js'
import type { Change } from '../../src/registry/events.js'
import { Recording } from '../../src/registry/recording.js'

async function traceText (app: App, heapId: string): Promise<string> {
  const response = await app.inject(`/heaps/${heapId}/trace`)
  if (response.statusCode !== 200) throw new Error(`trace: ${response.statusCode} ${response.body}`)
  return response.body
}

/** The trace's ops, without its comment lines. */
function opLines (text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
}

/** Runs a trace on a new allocator and answers the blocks it leaves, by address. */
function replayedBlocks (ops: Iterable<TraceOp>, size: number, strategy: Strategy, alignment: number): Array<{ ptr: number, size: number }> {
  const allocator = createAllocator({ size, strategy, alignment })
  const ptrOf = new Map<number, number>()
  for (const op of ops) {
    switch (op.op) {
      case 'alloc': ptrOf.set(op.id, allocator.alloc(op.size, op.align)); break
      case 'free': allocator.free(ptrOf.get(op.id)!); ptrOf.delete(op.id); break
      case 'realloc': {
        const ptr = allocator.realloc(ptrOf.get(op.id)!, op.size)
        if (ptr !== ptrOf.get(op.id)) throw new Error(`the resize of ${op.id} moved: the recording said in place`)
      }
    }
  }
  return [...allocator.blocks()].map(({ ptr, size }) => ({ ptr, size }))
}

async function liveBlocks (app: App, heapId: string): Promise<Array<{ ptr: number, size: number }>> {
  const { items } = (await app.inject(`/heaps/${heapId}/blocks?limit=1000`)).json() as { items: Array<{ ptr: number, size: number }> }
  return items.map(({ ptr, size }) => ({ ptr, size }))
}

t.test('a recording heap keeps its allocs, frees and reallocs with ids that are never reused', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000, record: true })
  t.same(heap.recording, { ops: 0, complete: true }, 'a new heap has recorded nothing')
  const a = await alloc(app, heap.id, 100)
  const b = await alloc(app, heap.id, 100, { align: 64 })
  await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/${a}`, payload: { size: 50 } })
  // b takes [128, 228): growing a to 300 moves it.
  const moved = (await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/${a}`, payload: { size: 300 } })).json()
  t.equal(moved.moved, true)
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${b}` })
  const c = await alloc(app, heap.id, 10)
  t.equal(c, 0, 'the freed pointer is reused by the heap')
  const text = await traceText(app, heap.id)
  t.match(text, /^# alloc-trace v1\n# 7 ops, complete\n/, 'a header says what the trace holds')
  t.same(opLines(text), ['a 0 100', 'a 1 100 64', 'r 0 50', 'a 2 300', 'f 0', 'f 1', 'a 3 10'])
  t.same(traceOps(parseTraceText(text)).next().value, { op: 'alloc', id: 0, size: 100 }, 'the trace parser reads it')
  const json = await app.inject({ url: `/heaps/${heap.id}/trace`, headers: { accept: 'application/json' } })
  t.match(json.headers['content-type'], /^application\/json/)
  t.same(json.json(), [
    { op: 'alloc', id: 0, size: 100 }, { op: 'alloc', id: 1, size: 100, align: 64 }, { op: 'realloc', id: 0, size: 50 },
    { op: 'alloc', id: 2, size: 300 }, { op: 'free', id: 0 }, { op: 'free', id: 1 }, { op: 'alloc', id: 3, size: 10 }
  ])
  t.match((await app.inject(`/heaps/${heap.id}`)).json(), { recording: { ops: 7, complete: true } })
})

t.test('batches record their successful ops, a refused atomic batch nothing, a reset the frees of every block', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000, record: true })
  await app.inject({
    method: 'POST',
    url: `/heaps/${heap.id}/batch`,
    payload: { ops: [{ op: 'alloc', size: 100 }, { op: 'alloc', size: 5000 }, { op: 'alloc', size: 200 }, { op: 'free', ptr: 7 }, { op: 'free', ptr: 0 }] }
  })
  const refused = await app.inject({
    method: 'POST',
    url: `/heaps/${heap.id}/batch`,
    payload: { atomic: true, ops: [{ op: 'alloc', size: 10 }, { op: 'free', ptr: 999 }] }
  })
  expectProblem(t, refused, 404, 'block-not-found')
  const failed = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 2000 } })
  t.equal(failed.statusCode, 400, 'a refused alloc is not recorded')
  await alloc(app, heap.id, 30)
  const reset = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/reset` })
  t.match(reset.json(), { recording: { ops: 6, complete: true } })
  t.same(opLines(await traceText(app, heap.id)), ['a 0 100', 'a 1 200', 'f 0', 'a 2 30', 'f 2', 'f 1'], 'frees of a reset in address order')
})

t.test('past HEAPD_MAX_RECORDED_OPS the recording stops, and says so', async (t) => {
  const app = await build(t, { limits: { maxRecordedOps: 3 } })
  const heap = await createHeap(app, { size: 1000, record: true })
  for (let i = 0; i < 5; i++) await alloc(app, heap.id, 10)
  t.match((await app.inject(`/heaps/${heap.id}`)).json(), { recording: { ops: 3, complete: false } })
  const text = await traceText(app, heap.id)
  t.match(text, /# 3 ops, stopped at HEAPD_MAX_RECORDED_OPS \(3\)/)
  t.same(opLines(text), ['a 0 10', 'a 1 10', 'a 2 10'], 'what is kept is a prefix of the history')
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/0` })
  t.match((await app.inject(`/heaps/${heap.id}`)).json(), { recording: { ops: 3, complete: false } }, 'and stays stopped')
})

t.test('a heap that does not record has no trace; an unknown heap is not found', async (t) => {
  const app = await build(t)
  const plain = await createHeap(app, { size: 1000 })
  t.equal(plain.recording, undefined)
  const body = expectProblem(t, await app.inject(`/heaps/${plain.id}/trace`), 404, 'not-recording')
  t.match(body.detail, /record/)
  expectProblem(t, await app.inject('/heaps/nope/trace'), 404, 'heap-not-found')
  expectProblem(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: 10, record: 'yes' } }), 400, 'validation-error')
})

t.test('Accept decides between text and JSON; text on a tie', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 100, record: true })
  await alloc(app, heap.id, 10)
  const cases: Array<[string | undefined, RegExp]> = [
    [undefined, /^text\/plain/],
    ['*/*', /^text\/plain/],
    ['application/json', /^application\/json/],
    ['text/plain;q=0.5, application/json', /^application\/json/],
    ['application/json;q=0.2, text/*', /^text\/plain/],
    ['application/*', /^application\/json/]
  ]
  for (const [accept, type] of cases) {
    const response = await app.inject({ url: `/heaps/${heap.id}/trace`, headers: accept === undefined ? {} : { accept } })
    t.match(response.headers['content-type'], type, `Accept: ${accept ?? '(none)'}`)
  }
})

t.test('a long history is streamed whole, in either form', async (t) => {
  const app = await build(t, { limits: { maxBatchOps: 10_000 } })
  const heap = await createHeap(app, { size: 1 << 30, record: true })
  const ops = Array.from({ length: 10_000 }, (_, i) => ({ op: 'alloc', size: 1 + (i % 97) }))
  await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops } })
  const text = await traceText(app, heap.id)
  t.equal(parseTraceText(text).length, 10_000)
  const json = await app.inject({ url: `/heaps/${heap.id}/trace`, headers: { accept: 'application/json' } })
  const parsed = json.json() as TraceOp[]
  t.equal(parsed.length, 10_000)
  t.same(parsed[9999], { op: 'alloc', id: 9999, size: 1 + (9999 % 97) })
})

for (const strategy of ['first-fit', 'best-fit', 'tlsf'] as const) {
  t.test(`${strategy}: the trace replays to the heap's own layout`, async (t) => {
    const app = await build(t)
    const size = 1 << 16
    const heap = await createHeap(app, { size, strategy, alignment: 8, record: true })
    const random = prng(strategy.length * 7919)
    const live: number[] = []
    for (let step = 0; step < 60; step++) {
      const ops: Array<Record<string, unknown>> = []
      const pending = new Set(live)
      for (let i = 0; i < 20; i++) {
        const roll = random()
        const ptr = live[Math.floor(random() * live.length)]
        if (roll < 0.5 || ptr === undefined || !pending.has(ptr)) ops.push({ op: 'alloc', size: 1 + Math.floor(random() * 2000), ...(random() < 0.2 ? { align: 64 } : {}) })
        else if (roll < 0.75) { ops.push({ op: 'free', ptr }); pending.delete(ptr) } else { ops.push({ op: 'realloc', ptr, size: 1 + Math.floor(random() * 3000) }); pending.delete(ptr) }
      }
      // Some atomic batches fail on purpose (a free of no block): they must leave no trace.
      const atomic = strategy !== 'tlsf' && random() < 0.2
      if (atomic) ops.push({ op: 'free', ptr: 1 })
      await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops, atomic } })
      if (step === 30) await app.inject({ method: 'POST', url: `/heaps/${heap.id}/reset` })
      live.splice(0, live.length, ...(await liveBlocks(app, heap.id)).map((block) => block.ptr))
    }
    const trace = parseTraceText(await traceText(app, heap.id))
    t.ok(trace.length > 500, `${trace.length} ops recorded`)
    t.same(replayedBlocks(traceOps(trace), size, strategy, 8), await liveBlocks(app, heap.id))
  })
}

t.test('a change the store refuses is taken back from the recording too', async (t) => {
  let refuse = false
  const events = {
    changed (change: Change) {
      if (refuse && change.kind !== 'answered') throw new StoreUnavailableError('test', new Error('disk full'))
    }
  }
  const app = await build(t, {}, { events })
  const heap = await createHeap(app, { size: 1000, record: true })
  await alloc(app, heap.id, 100)
  await alloc(app, heap.id, 100)
  refuse = true
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 10 } })).statusCode, 503)
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/0` })).statusCode, 503)
  t.equal((await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/0`, payload: { size: 500 } })).statusCode, 503)
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'free', ptr: 100 }, { op: 'alloc', size: 5 }] } })).statusCode, 503)
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heap.id}/reset` })).statusCode, 503)
  refuse = false
  t.same(opLines(await traceText(app, heap.id)), ['a 0 100', 'a 1 100'])
  // The pointer map was taken back too: the next ops name the right blocks.
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/100` })
  await alloc(app, heap.id, 10)
  t.same(opLines(await traceText(app, heap.id)), ['a 0 100', 'a 1 100', 'f 1', 'a 2 10'])
})

t.test('blocks moved by a defragmentation keep their ids: later frees name them', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000, record: true })
  for (const size of [100, 100, 100, 100]) await alloc(app, heap.id, size)
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/0` })
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/200` })
  const plan = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/defrag`, payload: { goal: 'compact' } })
  t.equal(plan.statusCode, 201, plan.body)
  const { id: planId, moves } = plan.json() as { id: string, moves: Array<{ ptr: number, newPtr: number }> }
  t.ok(moves.length > 0, 'the plan moves blocks')
  const committed = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/defrag/${planId}/commit`, payload: {} })
  t.equal(committed.statusCode, 200, committed.body)
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heap.id}/defrag/${planId}/commit`, payload: {} })).statusCode, 200, 'a second commit answers the first')
  const before = opLines(await traceText(app, heap.id))
  t.same(before, ['a 0 100', 'a 1 100', 'a 2 100', 'a 3 100', 'f 0', 'f 2'], 'a move is no trace op')
  // Free every block where it is now: each must be the id it had.
  const idAt = new Map<number, number>([[100, 1], [300, 3]])
  for (const move of moves) {
    idAt.set(move.newPtr, idAt.get(move.ptr)!)
    idAt.delete(move.ptr)
  }
  for (const { ptr } of await liveBlocks(app, heap.id)) await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${ptr}` })
  const after = opLines(await traceText(app, heap.id)).slice(before.length)
  t.same(after.sort(), [...idAt.values()].map((id) => `f ${id}`).sort())
  t.match((await app.inject(`/heaps/${heap.id}`)).json(), { recording: { ops: 8, complete: true } })
  const json = await app.inject({ url: `/heaps/${heap.id}/trace`, headers: { accept: 'application/json' } })
  t.equal((json.json() as unknown[]).length, 8, 'the JSON form skips the moves too')
})

t.test('ops are numbered without the moves between them, a slice at a time as well as whole', async (t) => {
  const recording = new Recording(1000)
  const ptrs: number[] = []
  for (let i = 0; i < 12; i++) {
    recording.record([{ op: 'alloc', ptr: i * 100, size: 10 + i }])
    ptrs.push(i * 100)
    // A move after every third alloc: block i goes from its pointer to 5000 + i.
    if (i % 3 === 2) {
      recording.recordMoves([{ ptr: ptrs[i]!, newPtr: 5000 + i }])
      ptrs[i] = 5000 + i
    }
  }
  recording.record([{ op: 'free', ptr: ptrs[2]! }, { op: 'free', ptr: ptrs[11]! }])
  t.equal(recording.length, 14)
  t.equal(recording.entryCount, 18)
  const whole = [...recording.ops()]
  t.same(whole.map((op) => `${op.op} ${op.id}`), [...Array.from({ length: 12 }, (_, i) => `alloc ${i}`), 'free 2', 'free 11'])
  for (let from = 0; from < 14; from++) {
    for (let to = from; to <= 14; to++) t.same([...recording.ops(from, to)], whole.slice(from, to), `ops(${from}, ${to})`)
  }
})
