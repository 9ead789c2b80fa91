import t from 'tap'
import request from 'supertest'
import { alloc, build, createHeap, expectProblem, observe } from '../helpers/build.js'

t.test('POST /heaps/:id/alloc answers the block and names it in Location', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 4096 })
  const first = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 100 } })
  t.equal(first.statusCode, 201)
  t.same(first.json(), { ptr: 0, size: 100 })
  t.equal(first.headers.location, `/heaps/${heap.id}/blocks/0`)

  const aligned = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 10, align: 256, tag: 'tex' } })
  t.same(aligned.json(), { ptr: 256, size: 10, align: 256, tag: 'tex' })
  t.same((await app.inject(`/heaps/${heap.id}/blocks/256`)).json(), { ptr: 256, size: 10, align: 256, tag: 'tex' })
  t.match((await app.inject(`/heaps/${heap.id}/stats`)).json(), { used: 110, liveBlocks: 2, allocs: 2 })
})

t.test('alloc validates strictly and a rejected request changes nothing', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  await alloc(app, heap.id, 100, { tag: 'a' })
  const before = await observe(app, heap.id)
  for (const payload of [{ size: '10' }, { size: 0 }, { size: 1.5 }, { size: 10, align: 3 }, { size: 10, align: '8' },
    { size: 10, tag: '' }, { size: 10, tag: 5 }, { size: 10, ptr: 0 }, { size: true }, {}]) {
    expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload }), 400, 'validation-error')
  }
  t.same(await observe(app, heap.id), before)
})

t.test('out of memory: full and fragmented, with the figures', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  const ptrs: number[] = []
  for (let i = 0; i < 10; i++) ptrs.push(await alloc(app, heap.id, 100))
  // Free every other block: 500 bytes free, in five ranges of 100.
  for (const ptr of ptrs.filter((_, i) => i % 2 === 0)) {
    t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${ptr}` })).statusCode, 204)
  }
  const before = await observe(app, heap.id)

  const fragmented = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 200 } }), 409, 'out-of-memory')
  t.match(fragmented, { reason: 'fragmented', requested: 200, free: 500, largestFree: 100 })
  const full = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 600 } }), 409, 'out-of-memory')
  t.match(full, { reason: 'full', requested: 600, free: 500, largestFree: 100 })
  const exceeds = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 1001 } }), 400, 'exceeds-heap-size')
  t.match(exceeds, { requested: 1001, heapSize: 1000 })

  const after = await observe(app, heap.id)
  t.same(after.layout, before.layout, 'failed allocs leave the layout')
  t.ok(after.stats.failedAllocs! >= 2, 'and are counted')
})

t.test('GET /heaps/:id/blocks pages in address order', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  for (let i = 0; i < 5; i++) await alloc(app, heap.id, 10, { tag: `b${i}` })
  const first = (await app.inject(`/heaps/${heap.id}/blocks?limit=2`)).json()
  t.same(first.items, [{ ptr: 0, size: 10, tag: 'b0' }, { ptr: 10, size: 10, tag: 'b1' }])
  // Deleting the block the cursor names does not lose the rest.
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/20` })
  const second = (await app.inject(`/heaps/${heap.id}/blocks?limit=2&cursor=${first.nextCursor}`)).json()
  t.same(second.items.map((b: { ptr: number }) => b.ptr), [30, 40])
  t.equal(second.nextCursor, null)
  t.equal((await app.inject(`/heaps/${heap.id}/blocks`)).json().items.length, 4)
  expectProblem(t, await app.inject(`/heaps/${heap.id}/blocks?limit=0`), 400, 'validation-error')
  expectProblem(t, await app.inject(`/heaps/${heap.id}/blocks?from=3`), 400, 'validation-error')
})

t.test('a pointer that is not a live block: 404 block-not-found with the reason', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  await alloc(app, heap.id, 100)
  const before = await observe(app, heap.id)
  const cases: Array<[number, string]> = [[50, 'interior'], [500, 'free'], [1000, 'out-of-bounds'], [Number.MAX_SAFE_INTEGER, 'out-of-bounds']]
  for (const [ptr, reason] of cases) {
    for (const method of ['GET', 'DELETE', 'PATCH'] as const) {
      const response = await app.inject({ method, url: `/heaps/${heap.id}/blocks/${ptr}`, ...(method === 'PATCH' ? { payload: { size: 10 } } : {}) })
      t.match(expectProblem(t, response, 404, 'block-not-found'), { reason, ptr }, `${method} ${ptr}`)
    }
  }
  t.same(await observe(app, heap.id), before)

  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/0` })).statusCode, 204)
  const doubleFree = await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/0` })
  t.match(expectProblem(t, doubleFree, 404, 'block-not-found'), { reason: 'free' }, 'a double free')
})

t.test('ptr must be a decimal integer', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  for (const ptr of ['abc', '-1', '1.5', '1e3', '0x10', '01', '9007199254740992', '%20']) {
    const problem = expectProblem(t, await app.inject(`/heaps/${heap.id}/blocks/${ptr}`), 400, 'validation-error')
    t.match(problem.issues, [{ in: 'params', path: '/ptr' }], ptr)
  }
})

t.test('PATCH /heaps/:id/blocks/:ptr reallocs in place or moves', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  await alloc(app, heap.id, 100, { tag: 'grow' })
  const inPlace = await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/0`, payload: { size: 150 } })
  t.equal(inPlace.statusCode, 200)
  t.same(inPlace.json(), { ptr: 0, size: 150, tag: 'grow', moved: false })
  t.notOk(inPlace.headers.location)

  await alloc(app, heap.id, 50) // a wall at 150
  const moved = await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/0`, payload: { size: 300 } })
  t.same(moved.json(), { ptr: 200, size: 300, tag: 'grow', moved: true })
  t.equal(moved.headers.location, `/heaps/${heap.id}/blocks/200`)
  t.same((await app.inject(`/heaps/${heap.id}/blocks/200`)).json(), { ptr: 200, size: 300, tag: 'grow' })

  const before = await observe(app, heap.id)
  t.match(expectProblem(t, await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/200`, payload: { size: 900 } }), 409, 'out-of-memory'), { requested: 900 })
  expectProblem(t, await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/200`, payload: { size: '900' } }), 400, 'validation-error')
  expectProblem(t, await app.inject({ method: 'PATCH', url: `/heaps/${heap.id}/blocks/200`, payload: { size: 10, tag: 'x' } }), 400, 'validation-error')
  t.same((await observe(app, heap.id)).layout, before.layout, 'a failed realloc leaves the block')
})

t.test('the live-block limit answers 429', async (t) => {
  const app = await build(t, { limits: { maxBlocksPerHeap: 2 } })
  const heap = await createHeap(app)
  await alloc(app, heap.id, 1)
  await alloc(app, heap.id, 1)
  const problem = expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 1 } }), 429, 'quota-exceeded')
  t.match(problem, { limit: 'maxBlocksPerHeap', limitValue: 2 })
})

t.test('alloc and free over real HTTP with supertest', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1 << 30, strategy: 'tlsf' })
  const block = await request(app.server).post(`/heaps/${heap.id}/alloc`).send({ size: 4096, tag: 'st' }).expect(201)
  t.match(block.body, { ptr: Number, size: 4096, tag: 'st' })
  await request(app.server).get(block.headers.location!).expect(200, block.body)
  await request(app.server).delete(block.headers.location!).expect(204)
  const again = await request(app.server).delete(block.headers.location!).expect(404).expect('content-type', /application\/problem\+json/)
  t.match(again.body, { reason: 'free' })
})
