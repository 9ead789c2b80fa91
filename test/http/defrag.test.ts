/**
 * Defragmentation plans over HTTP: the plan's shape, reservations and pins while it is open, commit
 * (twice), abort, expiry on a pinned clock, one open plan per heap, reset and delete, keyed
 * requests, metrics and every problem the routes answer.
 */
import t, { type Test } from 'tap'
import type { App } from '../../src/http/app.js'
import type { Change } from '../../src/registry/events.js'
import type { PlanTimers } from '../../src/registry/defrag.js'
import { Registry } from '../../src/registry/registry.js'
import { StoreUnavailableError } from '../../src/registry/store/errors.js'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')

interface PlanBody {
  id: string
  goal: string
  state: string
  expiresAt: string
  moves: Array<{ ptr: number, newPtr: number, size: number, tag?: string }>
  bytesMoved: number
  before: { largestFree: number }
  after: { largestFree: number }
}

/**
 * A first-fit heap of 1024 bytes with blocks of 128 at 128 (tag b) and 384 (tag d), the rest free:
 * free ranges [0, 128), [256, 384) and [512, 1024).
 */
async function fragmented (app: App): Promise<string> {
  const heap = await createHeap(app, { size: 1024 })
  const ptrs: number[] = []
  for (const tag of ['a', 'b', 'c', 'd']) ptrs.push(await alloc(app, heap.id, 128, { tag }))
  for (const ptr of [ptrs[0]!, ptrs[2]!]) await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${ptr}` })
  return heap.id
}

async function plan (app: App, heapId: string, body?: Record<string, unknown>, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag`, ...(body !== undefined ? { payload: body } : {}), headers })
}

async function segments (app: App, heapId: string): Promise<Array<{ offset: number, size: number, state: string }>> {
  return (await app.inject(`/heaps/${heapId}/layout?limit=1000`)).json().items
}

function pinnedClock () {
  let now = T0
  return { now: () => new Date(now), advance: (seconds: number) => { now += seconds * 1000 } }
}

t.test('a compact plan: 201 with Location, destinations reserved, sources pinned; its commit moves the blocks with their tags', async (t) => {
  const app = await build(t, {}, { now: pinnedClock().now })
  const heapId = await fragmented(app)
  const created = await plan(app, heapId)
  t.equal(created.statusCode, 201)
  const body = created.json() as PlanBody
  t.equal(created.headers.location, `/heaps/${heapId}/defrag/${body.id}`)
  t.match(body.id, /^[\w-]{22}$/, '128 random bits')
  t.match(body, { goal: 'compact', state: 'open', expiresAt: '2026-01-01T00:01:00.000Z' })
  t.same(body.moves, [{ ptr: 384, newPtr: 0, size: 128, tag: 'd' }], 'one move frees [256, 1024)')
  t.equal(body.bytesMoved, 128)
  t.match(body.before, { largestFree: 512, freeRanges: 3 })
  t.same(body.after, { largestFree: 768, freeRanges: 1, fragmentation: 0, sawicki: 0 })
  t.same((await app.inject(created.headers.location as string)).json(), body, 'GET reads the plan')

  t.same((await segments(app, heapId)).map((s) => s.state), ['reserved', 'used', 'free', 'used', 'free'], 'the destination in free space is reserved')
  t.match((await app.inject(`/heaps/${heapId}/stats`)).json(), { liveBlocks: 2, used: 384 }, 'reserved bytes count as used')
  // An alloc that would have taken [0, 128) goes elsewhere.
  t.equal(await alloc(app, heapId, 64), 256, 'no allocation lands in a reservation')

  for (const [method, payload] of [['DELETE', undefined], ['PATCH', { size: 64 }]] as const) {
    const refused = await app.inject({ method, url: `/heaps/${heapId}/blocks/384`, ...(payload !== undefined ? { payload } : {}) })
    t.match(expectProblem(t, refused, 409, 'block-moving'), { ptr: 384, planId: body.id })
  }
  t.equal((await app.inject(`/heaps/${heapId}/blocks/384`)).statusCode, 200, 'reading a moving block works')
  t.equal((await app.inject({ method: 'PATCH', url: `/heaps/${heapId}/blocks/128`, payload: { size: 100 } })).statusCode, 200, 'other blocks work as usual')
  expectProblem(t, await plan(app, heapId), 409, 'defrag-in-progress')

  const committed = await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag/${body.id}/commit` })
  t.equal(committed.statusCode, 200)
  const result = committed.json()
  t.same(result.moved, [{ ptr: 384, newPtr: 0, size: 128 }])
  t.same(result.skipped, [])
  t.match(result.stats, { liveBlocks: 3, used: 292 })
  t.same((await app.inject(`/heaps/${heapId}/blocks/0`)).json(), { ptr: 0, size: 128, tag: 'd' })
  expectProblem(t, await app.inject(`/heaps/${heapId}/blocks/384`), 404, 'block-not-found')

  const again = await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag/${body.id}/commit`, payload: { skipped: [384] } })
  t.equal(again.statusCode, 200)
  t.same(again.json(), result, 'a second commit answers the same result')
  t.match((await app.inject(created.headers.location as string)).json(), { state: 'committed', result })
  expectProblem(t, await app.inject({ method: 'DELETE', url: created.headers.location as string }), 409, 'plan-committed')
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/blocks/0` })).statusCode, 204, 'a moved block is no longer pinned')
  t.equal((await plan(app, heapId)).statusCode, 201, 'a committed plan leaves room for the next')
})

t.test('skipped moves stay where they are; an unknown skipped pointer changes nothing', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const body = (await plan(app, heapId)).json() as PlanBody
  const commitUrl = `/heaps/${heapId}/defrag/${body.id}/commit`
  const wrong = expectProblem(t, await app.inject({ method: 'POST', url: commitUrl, payload: { skipped: [384, 5] } }), 400, 'validation-error')
  t.match(wrong, { issues: [{ in: 'body', path: '/skipped/1' }] })
  t.equal((await app.inject(`/heaps/${heapId}/defrag/${body.id}`)).json().state, 'open', 'still open')

  const result = (await app.inject({ method: 'POST', url: commitUrl, payload: { skipped: [384] } })).json()
  t.same(result.moved, [])
  t.same(result.skipped, [{ ptr: 384, newPtr: 0, size: 128 }])
  t.same((await app.inject(`/heaps/${heapId}/blocks?limit=10`)).json().items.map((b: { ptr: number }) => b.ptr), [128, 384])
  t.same((await segments(app, heapId)).map((s) => s.state), ['free', 'used', 'free', 'used', 'free'], 'the skipped destination is released')
})

t.test('batches: a non-atomic op on a moving block fails alone; an atomic batch touching one fails whole', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const body = (await plan(app, heapId)).json() as PlanBody
  const loose = await app.inject({
    method: 'POST',
    url: `/heaps/${heapId}/batch`,
    payload: { ops: [{ op: 'alloc', size: 8 }, { op: 'free', ptr: 384 }, { op: 'realloc', ptr: 384, size: 8 }, { op: 'realloc', ptr: 128, size: 8 }] }
  })
  const results = loose.json().results
  t.match(results[0], { ok: true, ptr: 256 })
  t.match(results[1], { ok: false, error: { type: 'https://heapd.dev/problems/block-moving', status: 409, ptr: 384, planId: body.id } })
  t.match(results[2], { ok: false, error: { type: 'https://heapd.dev/problems/block-moving', ptr: 384 } })
  t.match(results[3], { ok: true, ptr: 128, size: 8 })

  const before = (await app.inject(`/heaps/${heapId}/stats`)).json()
  const atomic = await app.inject({
    method: 'POST',
    url: `/heaps/${heapId}/batch`,
    payload: { atomic: true, ops: [{ op: 'alloc', size: 8 }, { op: 'free', ptr: 256 }, { op: 'free', ptr: 384 }] }
  })
  t.match(expectProblem(t, atomic, 409, 'block-moving'), { index: 2, ptr: 384 })
  t.same((await app.inject(`/heaps/${heapId}/stats`)).json(), before, 'nothing changed')
})

t.test('abort releases the reservations and the pins; the plan is gone', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const body = (await plan(app, heapId)).json() as PlanBody
  const url = `/heaps/${heapId}/defrag/${body.id}`
  t.match(expectProblem(t, await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/blocks/0` }), 404, 'block-not-found'), { reason: 'free' }, 'a reservation is no block')
  t.equal((await app.inject({ method: 'DELETE', url })).statusCode, 204)
  t.same((await segments(app, heapId)).map((s) => s.state), ['free', 'used', 'free', 'used', 'free'])
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/blocks/384` })).statusCode, 204, 'unpinned')
  for (const response of [await app.inject(url), await app.inject({ method: 'DELETE', url }), await app.inject({ method: 'POST', url: `${url}/commit` })]) {
    t.match(expectProblem(t, response, 404, 'plan-not-found'), { planId: body.id })
  }
  expectProblem(t, await app.inject(`/heaps/${heapId}/defrag/nosuchplan`), 404, 'plan-not-found')
})

t.test('expiry on a pinned clock: the plan is aborted at expiresAt and its commit answers 410 plan-expired', async (t) => {
  const clock = pinnedClock()
  const app = await build(t, { maxDefragTtl: 120 }, { now: clock.now })
  const heapId = await fragmented(app)
  expectProblem(t, await plan(app, heapId, { ttl: 121 }), 400, 'validation-error')
  const body = (await plan(app, heapId, { ttl: 30 })).json() as PlanBody
  t.equal(body.expiresAt, '2026-01-01T00:00:30.000Z')
  clock.advance(29)
  expectProblem(t, await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/blocks/384` }), 409, 'block-moving')
  clock.advance(1)
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/blocks/384` })).statusCode, 204, 'pins end at expiresAt')
  t.same((await segments(app, heapId)).map((s) => s.state), ['free', 'used', 'free'], 'reservations too')
  const url = `/heaps/${heapId}/defrag/${body.id}`
  t.match(expectProblem(t, await app.inject({ method: 'POST', url: `${url}/commit` }), 410, 'plan-expired'), { planId: body.id })
  expectProblem(t, await app.inject(url), 410, 'plan-expired')
  t.equal((await plan(app, heapId)).statusCode, 201, 'a new plan may be made')

  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /heapd_defrag_plans_total\{outcome="expired"\} 1/)
  t.match(metrics, /heapd_defrag_plans_total\{outcome="created"\} 2/)
})

t.test('a committed plan keeps its result until expiresAt, then answers 410', async (t) => {
  const clock = pinnedClock()
  const app = await build(t, {}, { now: clock.now })
  const heapId = await fragmented(app)
  const body = (await plan(app, heapId, { ttl: 10 })).json() as PlanBody
  const commit = { method: 'POST' as const, url: `/heaps/${heapId}/defrag/${body.id}/commit` }
  const first = (await app.inject(commit)).json()
  clock.advance(9)
  t.same((await app.inject(commit)).json(), first)
  clock.advance(1)
  expectProblem(t, await app.inject(commit), 410, 'plan-expired')
})

t.test('hole: a range of the size asked for, or 409 out-of-memory when the free bytes are too few', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const hole = await plan(app, heapId, { goal: 'hole', size: 640, align: 128 })
  t.equal(hole.statusCode, 201)
  t.match(hole.json(), { goal: 'hole' })
  t.ok(hole.json().after.largestFree >= 640)
  await app.inject({ method: 'DELETE', url: hole.headers.location as string })
  t.match(expectProblem(t, await plan(app, heapId, { goal: 'hole', size: 800 }), 409, 'out-of-memory'), { requested: 800 })
})

t.test('bad plan requests answer 400 and change nothing', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ goal: 'hole' }, '/size'],
    [{ size: 64 }, '/size'],
    [{ goal: 'compact', align: 64 }, '/align'],
    [{ goal: 'sideways' }, '/goal'],
    [{ maxBytes: -1 }, '/maxBytes'],
    [{ maxMoves: '3' }, '/maxMoves'],
    [{ ttl: 0 }, '/ttl'],
    [{ colour: 'red' }, '/colour']
  ]
  for (const [body, path] of cases) {
    const problem = expectProblem(t, await plan(app, heapId, body), 400, 'validation-error')
    t.ok((problem.issues as Array<{ path: string }>).some((issue) => issue.path === path), `${JSON.stringify(body)}: ${path}`)
  }
  expectProblem(t, await plan(app, 'nosuchheap'), 404, 'heap-not-found')
  t.same((await segments(app, heapId)).map((s) => s.state), ['free', 'used', 'free', 'used', 'free'])
  const empty = await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag`, headers: { 'content-type': 'application/json' }, payload: '' })
  t.equal(empty.statusCode, 201, 'an empty body under Content-Type: application/json plans a compact')
})

t.test('limits: maxMoves and maxBytes bound the plan; an empty plan is a valid answer', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const one = (await plan(app, heapId, { maxMoves: 1 })).json() as PlanBody
  t.ok(one.moves.length <= 1)
  await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/defrag/${one.id}` })
  const none = (await plan(app, heapId, { maxBytes: 0 })).json() as PlanBody
  t.same(none.moves, [])
  t.equal(none.bytesMoved, 0)
  t.same(none.after, none.before)
  const result = (await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag/${none.id}/commit`, payload: {} })).json()
  t.same(result.moved, [])
})

t.test('a reset and a delete of the heap abort its plan', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const body = (await plan(app, heapId)).json() as PlanBody
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heapId}/reset` })).statusCode, 200)
  expectProblem(t, await app.inject(`/heaps/${heapId}/defrag/${body.id}`), 404, 'plan-not-found')
  t.same(await segments(app, heapId), [{ offset: 0, size: 1024, state: 'free' }], 'no reservation left')
  t.equal(await alloc(app, heapId, 1024), 0)

  const other = await fragmented(app)
  const second = (await plan(app, other)).json() as PlanBody
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${other}` })).statusCode, 204)
  expectProblem(t, await app.inject(`/heaps/${other}/defrag/${second.id}`), 404, 'heap-not-found')
  t.match((await app.inject('/metrics')).body, /heapd_defrag_plans_total\{outcome="aborted"\} 2/)
})

async function keyed (app: App, method: 'POST' | 'DELETE', url: string, key: string, payload?: unknown) {
  return app.inject({ method, url, headers: { 'idempotency-key': key }, ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) })
}

t.test('Idempotency-Key: a retried plan, commit or abort answers the first answer and applies nothing again', async (t: Test) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const first = await keyed(app, 'POST', `/heaps/${heapId}/defrag`, 'plan-1', {})
  const retry = await keyed(app, 'POST', `/heaps/${heapId}/defrag`, 'plan-1', {})
  t.equal(retry.statusCode, 201, 'not defrag-in-progress')
  t.equal(retry.body, first.body)
  t.equal(retry.headers.location, first.headers.location)
  expectProblem(t, await keyed(app, 'POST', `/heaps/${heapId}/defrag`, 'plan-1', { maxMoves: 1 }), 422, 'idempotency-key-reused')

  const id = first.json().id as string
  const commit = await keyed(app, 'POST', `/heaps/${heapId}/defrag/${id}/commit`, 'commit-1')
  t.equal((await keyed(app, 'POST', `/heaps/${heapId}/defrag/${id}/commit`, 'commit-1')).body, commit.body)

  const next = (await plan(app, heapId)).json() as PlanBody
  const url = `/heaps/${heapId}/defrag/${next.id}`
  t.equal((await keyed(app, 'DELETE', url, 'abort-1')).statusCode, 204)
  t.equal((await keyed(app, 'DELETE', url, 'abort-1')).statusCode, 204, 'the retry answers 204 again')
  t.match((await app.inject('/metrics')).body, /heapd_defrag_plans_total\{outcome="aborted"\} 1/)
})

t.test('metrics: plans by outcome and bytes moved', async (t) => {
  const app = await build(t)
  const heapId = await fragmented(app)
  const body = (await plan(app, heapId)).json() as PlanBody
  await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag/${body.id}/commit`, payload: { skipped: [] } })
  const text = (await app.inject('/metrics')).body
  t.match(text, /heapd_defrag_plans_total\{outcome="created"\} 1/)
  t.match(text, /heapd_defrag_plans_total\{outcome="committed"\} 1/)
  t.match(text, /heapd_defrag_bytes_moved_total 128/)
})

t.test('a store that cannot record a plan change answers 503 and the heap is as before', async (t) => {
  let failing = false
  const changes: Change[] = []
  const app = await build(t, {}, {
    events: {
      changed: (change) => {
        if (failing && change.kind.startsWith('defrag-')) throw new StoreUnavailableError('test.db', new Error('disk full'))
        changes.push(change)
      }
    }
  })
  const heapId = await fragmented(app)
  const layout = await segments(app, heapId)
  failing = true
  expectProblem(t, await plan(app, heapId), 503, 'unavailable')
  t.same(await segments(app, heapId), layout, 'no reservation')
  failing = false
  const body = (await plan(app, heapId)).json() as PlanBody
  t.match(changes.at(-1), { kind: 'defrag-planned', heapId, plan: { id: body.id } })

  failing = true
  expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag/${body.id}/commit` }), 503, 'unavailable')
  expectProblem(t, await app.inject({ method: 'DELETE', url: `/heaps/${heapId}/defrag/${body.id}` }), 503, 'unavailable')
  t.equal((await app.inject(`/heaps/${heapId}/defrag/${body.id}`)).json().state, 'open', 'the plan is still open')
  t.same((await segments(app, heapId)).map((s) => s.state), ['reserved', 'used', 'free', 'used', 'free'], 'nothing moved, nothing released')
  failing = false
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heapId}/defrag/${body.id}/commit` })).statusCode, 200, 'the commit goes through once the store does')
  t.match(changes.at(-1), { kind: 'defrag-committed', planId: body.id, skipped: [], result: { moved: [{ ptr: 384, newPtr: 0 }] } })
})

t.test('the expiry timer aborts a plan nobody touches, and announces it', async (t) => {
  let now = T0
  const pending: Array<{ callback: () => void, ms: number, cleared: boolean, unrefed: boolean }> = []
  const timers: PlanTimers = {
    setTimeout: (callback, ms) => {
      const timer = { callback, ms, cleared: false, unrefed: false, unref: () => { timer.unrefed = true } }
      pending.push(timer)
      return timer
    },
    clearTimeout: (timer) => { (timer as { cleared: boolean }).cleared = true }
  }
  const changes: Change[] = []
  const registry = new Registry({
    limits: { maxHeaps: 10, maxHeapSize: 1 << 20, maxBlocksPerHeap: 100 },
    now: () => new Date(now),
    events: { changed: (change) => { changes.push(change) } },
    defrag: { maxTtlMs: 60_000, timers }
  })
  const heap = registry.create({ size: 1024 })
  const ptrs = [0, 1, 2, 3].map(() => heap.alloc(128).ptr)
  heap.free(ptrs[0]!)
  heap.free(ptrs[2]!)
  const plan = heap.planDefrag({ ttl: 10 })
  t.equal(pending.length, 1)
  t.equal(pending[0]!.ms, 10_000, 'armed for expiresAt')
  t.ok(pending[0]!.unrefed, 'the timer does not keep the process alive')

  now += 5_000
  pending[0]!.callback()
  t.equal(heap.defragPlan(plan.id).id, plan.id, 'early: still open')
  t.equal(pending.length, 2, 'armed again for the rest')
  t.equal(pending[1]!.ms, 5_000)

  now += 5_000
  pending[1]!.callback()
  t.match(changes.at(-1), { kind: 'defrag-ended', planId: plan.id, reason: 'expired' })
  t.equal(registry.defrag.counters.plans.expired, 1)
  t.throws(() => heap.commitDefrag(plan.id), { name: 'PlanExpiredError' })
  t.same(heap.segments(0, 10).items.map((s) => s.state), ['free', 'used', 'free', 'used', 'free'], 'reservations released')

  const next = heap.planDefrag({})
  registry.delete(heap.id)
  t.ok(pending.at(-1)!.cleared, 'a deleted heap leaves no timer')
  t.equal(registry.defrag.counters.plans.aborted, 1)
  t.not(next.id, plan.id)
})
