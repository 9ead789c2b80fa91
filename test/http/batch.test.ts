import t from 'tap'
import request from 'supertest'
import { alloc, build, createHeap, expectProblem, observe } from '../helpers/build.js'

t.test('a batch runs its ops in order and answers one result per op', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  const response = await app.inject({
    method: 'POST',
    url: `/heaps/${heap.id}/batch`,
    payload: {
      ops: [
        { op: 'alloc', size: 100, tag: 'a' },
        { op: 'alloc', size: 2000 },
        { op: 'alloc', size: 950 },
        { op: 'realloc', ptr: 0, size: 200 },
        { op: 'free', ptr: 5 },
        { op: 'free', ptr: 0 }
      ]
    }
  })
  t.equal(response.statusCode, 200)
  const { results } = response.json()
  t.equal(results.length, 6)
  t.same(results[0], { ok: true, op: 'alloc', ptr: 0, size: 100, tag: 'a' })
  t.match(results[1], { ok: false, op: 'alloc', error: { type: 'https://heapd.dev/problems/exceeds-heap-size', status: 400, requested: 2000 } })
  t.match(results[2], { ok: false, op: 'alloc', error: { type: 'https://heapd.dev/problems/out-of-memory', status: 409, reason: 'full', requested: 950, free: 900 } })
  t.same(results[3], { ok: true, op: 'realloc', ptr: 0, size: 200, tag: 'a', moved: false })
  t.match(results[4], { ok: false, op: 'free', error: { type: 'https://heapd.dev/problems/block-not-found', reason: 'interior', ptr: 5 } })
  t.same(results[5], { ok: true, op: 'free', ptr: 0, size: 200, tag: 'a' })
  t.match((await app.inject(`/heaps/${heap.id}/stats`)).json(), { used: 0, allocs: 1, frees: 1 })
})

t.test('an atomic batch that succeeds applies every op', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  const response = await app.inject({
    method: 'POST',
    url: `/heaps/${heap.id}/batch`,
    payload: { atomic: true, ops: [{ op: 'alloc', size: 10 }, { op: 'alloc', size: 20 }, { op: 'free', ptr: 0 }] }
  })
  t.equal(response.statusCode, 200)
  t.same(response.json().results.map((r: { ok: boolean, ptr: number }) => [r.ok, r.ptr]), [[true, 0], [true, 10], [true, 0]])
  t.same((await app.inject(`/heaps/${heap.id}/blocks`)).json().items, [{ ptr: 10, size: 20 }])
})

t.test('an atomic batch that fails answers the failing op with its index and changes nothing', async (t) => {
  const app = await build(t, { limits: { maxBlocksPerHeap: 4 } })
  const heap = await createHeap(app, { size: 1000, strategy: 'tlsf' })
  await alloc(app, heap.id, 100, { tag: 'keep' })
  const wall = await alloc(app, heap.id, 100, { tag: 'wall' })
  await alloc(app, heap.id, 100)
  const before = await observe(app, heap.id)

  const cases: Array<[unknown[], number, number, string, Record<string, unknown>]> = [
    [[{ op: 'free', ptr: 0 }, { op: 'alloc', size: 50, tag: 'new' }, { op: 'realloc', ptr: wall, size: 400 }, { op: 'alloc', size: 1000 }],
      3, 409, 'out-of-memory', { reason: 'full', requested: 1000 }],
    [[{ op: 'free', ptr: wall }, { op: 'free', ptr: wall }], 1, 404, 'block-not-found', { reason: 'free', ptr: wall }],
    [[{ op: 'alloc', size: 1 }, { op: 'alloc', size: 1 }], 1, 429, 'quota-exceeded', { limit: 'maxBlocksPerHeap' }],
    [[{ op: 'alloc', size: 5000 }], 0, 400, 'exceeds-heap-size', { requested: 5000 }]
  ]
  for (const [ops, index, status, code, extras] of cases) {
    const response = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { atomic: true, ops } })
    const problem = expectProblem(t, response, status, code)
    t.match(problem, { index, instance: `/heaps/${heap.id}/batch`, ...extras })
    t.match(problem.detail, new RegExp(`^op ${index} failed`))
    t.same(await observe(app, heap.id), before, `${code}: stats, layout and blocks (tags included) as before`)
  }
})

t.test('batch bodies are validated op by op', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  const before = await observe(app, heap.id)
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ops: [{ op: 'alloc', size: 1 }, { op: 'alloc', size: '1' }] }, '/ops/1/size'],
    [{ ops: [{ op: 'steal', size: 1 }] }, '/ops/0/op'],
    [{ ops: [{ op: 'free' }] }, '/ops/0/ptr'],
    [{ ops: [{ op: 'free', ptr: 0, size: 1 }] }, '/ops/0'],
    [{ ops: [], atomic: 'yes' }, '/atomic'],
    [{ ops: {} }, '/ops'],
    [{ op: 'alloc', size: 1 }, '/ops']
  ]
  for (const [payload, path] of cases) {
    const problem = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload }), 400, 'validation-error')
    t.match(problem.issues, [{ in: 'body', path }], JSON.stringify(payload))
  }
  t.same(await observe(app, heap.id), before)
  t.same((await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [] } })).json(), { results: [] })
})

t.test('a batch over the configured number of ops answers 429 before running any', async (t) => {
  const app = await build(t, { limits: { maxBatchOps: 3 } })
  const heap = await createHeap(app)
  const ops = Array.from({ length: 4 }, () => ({ op: 'alloc', size: 1 }))
  const problem = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops } }), 429, 'quota-exceeded')
  t.match(problem, { limit: 'maxBatchOps', limitValue: 3 })
  t.match((await app.inject(`/heaps/${heap.id}/stats`)).json(), { liveBlocks: 0 })
  t.equal((await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: ops.slice(1) } })).statusCode, 200)
})

t.test('the default batch of 10 000 ops fits the default body limit', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1 << 30 })
  const ops = Array.from({ length: 10_000 }, (_, i) => ({ op: 'alloc', size: 1 + (i % 4096), tag: `tag-${i % 100}` }))
  const response = await request(app.server).post(`/heaps/${heap.id}/batch`).send({ ops, atomic: true }).expect(200)
  t.equal(response.body.results.length, 10_000)
  t.match((await app.inject(`/heaps/${heap.id}/stats`)).json(), { liveBlocks: 10_000 })
})
