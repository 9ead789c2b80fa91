import t from 'tap'
import type { Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import { alloc, build, createHeap, expectProblem, observe } from '../helpers/build.js'

const KEYS = [{ key: 'alpha-key-0001', tenant: 'alpha' }, { key: 'beta-key-00001', tenant: 'beta' }]
const ALPHA = { authorization: 'Bearer alpha-key-0001' }
const BETA = { authorization: 'Bearer beta-key-00001' }

function expectQuota (t: Test, response: LightMyRequestResponse, limit: string, value: number) {
  const problem = expectProblem(t, response, 429, 'quota-exceeded')
  t.equal(problem.limit, limit, `names ${limit}`)
  t.equal(problem.limitValue, value)
  t.match(problem.detail, limit)
  return problem
}

t.test('maxHeaps: the heap beyond the total answers 429 and is not created', async (t) => {
  const app = await build(t, { limits: { maxHeaps: 2 } })
  await createHeap(app)
  await createHeap(app)
  expectQuota(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 } }), 'maxHeaps', 2)
  t.equal(app.registry.count, 2)
  await app.inject({ method: 'DELETE', url: `/heaps/${(await app.inject('/heaps')).json().items[0].id}` })
  t.equal((await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 } })).statusCode, 201, 'a delete makes room')
})

t.test('maxHeapsPerTenant: one tenant at its limit leaves the others free', async (t) => {
  const app = await build(t, { apiKeys: KEYS, limits: { maxHeapsPerTenant: 2 } })
  for (let i = 0; i < 2; i++) t.equal((await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 }, headers: ALPHA })).statusCode, 201)
  expectQuota(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 }, headers: ALPHA }), 'maxHeapsPerTenant', 2)
  t.equal((await app.inject({ url: '/heaps', headers: ALPHA })).json().items.length, 2)
  t.equal((await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 }, headers: BETA })).statusCode, 201)
  const first = (await app.inject({ url: '/heaps', headers: ALPHA })).json().items[0].id
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${first}`, headers: ALPHA })).statusCode, 204)
  t.equal((await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 }, headers: ALPHA })).statusCode, 201, 'a delete makes room')
})

t.test('maxHeapSize: a larger heap answers 429', async (t) => {
  const app = await build(t, { limits: { maxHeapSize: 1024 } })
  t.equal((await app.inject({ method: 'POST', url: '/heaps', payload: { size: 1024 } })).statusCode, 201)
  expectQuota(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: 1025 } }), 'maxHeapSize', 1024)
  t.equal(app.registry.count, 1)
})

t.test('maxBlocksPerHeap: alloc, batch and atomic batch beyond it answer 429 and change nothing', async (t) => {
  const app = await build(t, { limits: { maxBlocksPerHeap: 2 } })
  const heap = await createHeap(app, { size: 1024 })
  await alloc(app, heap.id, 8)
  await alloc(app, heap.id, 8)
  const before = await observe(app, heap.id)
  expectQuota(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 8 } }), 'maxBlocksPerHeap', 2)
  const atomic = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { atomic: true, ops: [{ op: 'free', ptr: 0 }, { op: 'alloc', size: 4 }, { op: 'alloc', size: 4 }] } })
  t.equal(expectQuota(t, atomic, 'maxBlocksPerHeap', 2).index, 2)
  t.same((await observe(app, heap.id)).layout, before.layout, 'layout unchanged')
  t.same((await observe(app, heap.id)).blocks, before.blocks, 'blocks unchanged')
  const loose = (await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'alloc', size: 4 }] } })).json()
  t.match(loose.results[0], { ok: false, error: { status: 429, limit: 'maxBlocksPerHeap' } })
})

t.test('maxBlocksTotal counts live blocks across heaps, through allocs, frees, batches, resets and deletes', async (t) => {
  const app = await build(t, { limits: { maxBlocksTotal: 3 } })
  const one = await createHeap(app, { size: 1024 })
  const two = await createHeap(app, { size: 1024 })
  await alloc(app, one.id, 8)
  await alloc(app, one.id, 8)
  const ptr = await alloc(app, two.id, 8)
  t.equal(app.registry.liveBlocks, 3)
  const before = [await observe(app, one.id), await observe(app, two.id)]
  expectQuota(t, await app.inject({ method: 'POST', url: `/heaps/${one.id}/alloc`, payload: { size: 8 } }), 'maxBlocksTotal', 3)
  expectQuota(t, await app.inject({ method: 'POST', url: `/heaps/${two.id}/alloc`, payload: { size: 8 } }), 'maxBlocksTotal', 3)
  const atomic = await app.inject({ method: 'POST', url: `/heaps/${two.id}/batch`, payload: { atomic: true, ops: [{ op: 'free', ptr }, { op: 'alloc', size: 4 }, { op: 'alloc', size: 4 }] } })
  t.equal(expectQuota(t, atomic, 'maxBlocksTotal', 3).index, 2)
  t.same([(await observe(app, one.id)).layout, (await observe(app, two.id)).layout], before.map((b) => b.layout), 'nothing changed')
  t.equal(app.registry.liveBlocks, 3, 'the rolled-back batch is not counted')

  // A batch that frees first may allocate within the same request.
  const swap = (await app.inject({ method: 'POST', url: `/heaps/${two.id}/batch`, payload: { ops: [{ op: 'free', ptr }, { op: 'alloc', size: 4 }, { op: 'alloc', size: 4 }] } })).json()
  t.match(swap.results, [{ ok: true }, { ok: true }, { ok: false, error: { limit: 'maxBlocksTotal' } }])
  t.equal(app.registry.liveBlocks, 3)

  await app.inject({ method: 'POST', url: `/heaps/${one.id}/reset` })
  t.equal(app.registry.liveBlocks, 1, 'a reset returns its blocks')
  await alloc(app, one.id, 8)
  await alloc(app, one.id, 8)
  await app.inject({ method: 'DELETE', url: `/heaps/${one.id}` })
  t.equal(app.registry.liveBlocks, 1, 'a delete returns its blocks')
  await alloc(app, two.id, 8)
  await alloc(app, two.id, 8)
  expectQuota(t, await app.inject({ method: 'POST', url: `/heaps/${two.id}/alloc`, payload: { size: 8 } }), 'maxBlocksTotal', 3)
})

t.test('maxBatchOps: a longer batch answers 429 before anything runs', async (t) => {
  const app = await build(t, { limits: { maxBatchOps: 3 } })
  const heap = await createHeap(app, { size: 1024 })
  const ops = Array.from({ length: 4 }, () => ({ op: 'alloc', size: 8 }))
  expectQuota(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops } }), 'maxBatchOps', 3)
  t.equal((await app.inject(`/heaps/${heap.id}/stats`)).json().liveBlocks, 0)
})

t.test('rate limit: 429 problem+json with Retry-After per tenant; probes are never limited', async (t) => {
  const app = await build(t, { apiKeys: KEYS, limits: { rateLimit: 3 } })
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/heaps', headers: ALPHA })).statusCode, 200)
  const limited = await app.inject({ method: 'POST', url: '/heaps', payload: { size: 8 }, headers: ALPHA })
  expectQuota(t, limited, 'rateLimit', 3)
  t.ok(Number(limited.headers['retry-after']) > 0, 'Retry-After')
  t.match(limited.headers['x-request-id'], /^[\w-]{8}-[0-9a-z]+$/, 'the refusal carries the request ID')
  t.equal(limited.headers['x-content-type-options'], 'nosniff', 'and the security headers')
  t.equal(app.registry.count, 0, 'the limited request did nothing')
  t.equal((await app.inject({ url: '/heaps', headers: BETA })).statusCode, 200, 'another tenant has its own budget')
  for (let i = 0; i < 5; i++) t.equal((await app.inject('/healthz')).statusCode, 200)
  t.equal((await app.inject('/metrics')).statusCode, 200)
})

t.test('rate limit without keys: per client address, failed key guesses count too', async (t) => {
  const open = await build(t, { limits: { rateLimit: 2 } })
  await open.inject({ url: '/heaps', remoteAddress: '10.0.0.1' })
  await open.inject({ url: '/heaps', remoteAddress: '10.0.0.1' })
  expectQuota(t, await open.inject({ url: '/heaps', remoteAddress: '10.0.0.1' }), 'rateLimit', 2)
  t.equal((await open.inject({ url: '/heaps', remoteAddress: '10.0.0.2' })).statusCode, 200)

  const keyed = await build(t, { apiKeys: KEYS, limits: { rateLimit: 2 } })
  for (let i = 0; i < 2; i++) expectProblem(t, await keyed.inject({ url: '/heaps', headers: { authorization: 'Bearer guess-000000' } }), 401, 'unauthorized')
  expectQuota(t, await keyed.inject({ url: '/heaps', headers: { authorization: 'Bearer guess-000001' } }), 'rateLimit', 2)
})
