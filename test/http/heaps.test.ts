import t from 'tap'
import request from 'supertest'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

t.test('POST /heaps creates a heap and names it in Location', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'POST', url: '/heaps', payload: { size: 1 << 20, strategy: 'tlsf', alignment: 16, name: 'gpu' } })
  t.equal(response.statusCode, 201)
  const heap = response.json()
  t.equal(response.headers.location, `/heaps/${heap.id}`)
  t.match(heap, { id: /^[A-Za-z0-9_-]{22}$/, size: 1 << 20, strategy: 'tlsf', alignment: 16, name: 'gpu', createdAt: String })
  t.ok(!Number.isNaN(Date.parse(heap.createdAt)))
  t.match(heap.stats, { size: 1 << 20, used: 0, free: 1 << 20, largestFree: 1 << 20, liveBlocks: 0, freeRanges: 1, fragmentation: 0 })

  const defaults = await createHeap(app, { size: 10 })
  t.match(defaults, { strategy: 'first-fit', alignment: 1 })
  t.notOk('name' in defaults)

  const huge = await createHeap(app, { size: Number.MAX_SAFE_INTEGER })
  t.equal(huge.size, Number.MAX_SAFE_INTEGER)
})

t.test('POST /heaps validates strictly: no coercion, no unknown fields', async (t) => {
  const app = await build(t)
  const cases: Array<[unknown, string]> = [
    [{ size: '10' }, '/size'],
    [{ size: 0 }, '/size'],
    [{ size: -1 }, '/size'],
    [{ size: 1.5 }, '/size'],
    [{ size: 2 ** 53 }, '/size'],
    [{ size: 10, strategy: 'worst-fit' }, '/strategy'],
    [{ size: 10, alignment: 3 }, '/alignment'],
    [{ size: 10, alignment: 2 ** 31 }, '/alignment'],
    [{ size: 10, name: 7 }, '/name'],
    [{ size: 10, colour: 'red' }, '/colour'],
    [{}, '/size'],
    [[10], ''],
    [null, '']
  ]
  for (const [payload, path] of cases) {
    const response = await app.inject({ method: 'POST', url: '/heaps', payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } })
    const problem = expectProblem(t, response, 400, 'validation-error')
    t.match(problem.issues, [{ in: 'body', path, message: String }], JSON.stringify(payload))
  }
  const many = expectProblem(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: 'x', strategy: 1, extra: true } }), 400, 'validation-error')
  t.equal((many.issues as unknown[]).length, 3, 'every issue is listed')
  t.equal(app.registry.count, 0, 'nothing was created')
})

t.test('GET /heaps pages in creation order; the cursor survives deletes', async (t) => {
  const app = await build(t)
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push((await createHeap(app, { size: 100 + i })).id)

  const first = (await app.inject('/heaps?limit=2')).json()
  t.same(first.items.map((h: { id: string }) => h.id), ids.slice(0, 2))
  t.type(first.nextCursor, 'string')
  t.match(first.items[0], { size: 100, stats: { free: 100 } })

  await app.inject({ method: 'DELETE', url: `/heaps/${ids[2]}` })
  const second = (await app.inject(`/heaps?limit=2&cursor=${first.nextCursor}`)).json()
  t.same(second.items.map((h: { id: string }) => h.id), ids.slice(3, 5))
  t.equal(second.nextCursor, null, 'null on the last page')

  const all = (await app.inject('/heaps')).json()
  t.equal(all.items.length, 4)
  t.equal(all.nextCursor, null)

  for (const query of ['limit=0', 'limit=abc', 'limit=1.5', 'limit=-1', 'cursor=nope!', 'cursor=zzzz', 'page=2', 'limit=1&limit=2']) {
    const problem = expectProblem(t, await app.inject(`/heaps?${query}`), 400, 'validation-error')
    t.match(problem.issues, [{ in: 'querystring' }], query)
  }
})

t.test('the page size limit is configurable', async (t) => {
  const app = await build(t, { limits: { maxPageSize: 3, defaultPageSize: 2 } })
  for (let i = 0; i < 4; i++) await createHeap(app)
  t.equal((await app.inject('/heaps')).json().items.length, 2)
  t.equal((await app.inject('/heaps?limit=3')).json().items.length, 3)
  t.match(expectProblem(t, await app.inject('/heaps?limit=4'), 400, 'validation-error'), { issues: [{ in: 'querystring', path: '/limit', message: 'limit must be at most 3 (HEAPD_MAX_PAGE_SIZE)' }] })
})

t.test('GET and DELETE /heaps/:id', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 4096, name: 'a' })
  await alloc(app, heap.id, 100)
  const got = (await app.inject(`/heaps/${heap.id}`)).json()
  t.match(got, { id: heap.id, size: 4096, name: 'a', stats: { used: 100, liveBlocks: 1 } })

  const deleted = await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}` })
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  for (const [method, url] of [['GET', `/heaps/${heap.id}`], ['DELETE', `/heaps/${heap.id}`], ['GET', '/heaps/unknown'],
    ['POST', `/heaps/${heap.id}/reset`], ['GET', `/heaps/${heap.id}/stats`], ['GET', `/heaps/${heap.id}/layout`],
    ['GET', `/heaps/${heap.id}/blocks`], ['GET', `/heaps/${heap.id}/blocks/0`], ['DELETE', `/heaps/${heap.id}/blocks/0`]] as const) {
    const problem = expectProblem(t, await app.inject({ method, url }), 404, 'heap-not-found')
    t.equal(problem.instance, url)
  }
})

t.test('POST /heaps/:id/reset frees every block and keeps the counters', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  await alloc(app, heap.id, 100, { tag: 'x' })
  await alloc(app, heap.id, 200)
  const response = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/reset` })
  t.equal(response.statusCode, 200)
  t.match(response.json(), { id: heap.id, stats: { used: 0, liveBlocks: 0, freeRanges: 1, allocs: 2, peakUsed: 300 } })
  t.same((await app.inject(`/heaps/${heap.id}/blocks`)).json(), { items: [], nextCursor: null })
})

t.test('heap limits answer 429 quota-exceeded naming the limit', async (t) => {
  const app = await build(t, { limits: { maxHeaps: 2, maxHeapSize: 1 << 20 } })
  const tooBig = expectProblem(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: (1 << 20) + 1 } }), 429, 'quota-exceeded')
  t.match(tooBig, { limit: 'maxHeapSize', limitValue: 1 << 20 })
  await createHeap(app)
  await createHeap(app)
  const tooMany = expectProblem(t, await app.inject({ method: 'POST', url: '/heaps', payload: { size: 1 } }), 429, 'quota-exceeded')
  t.match(tooMany, { limit: 'maxHeaps', limitValue: 2 })
})

t.test('over real HTTP with supertest', async (t) => {
  const app = await build(t)
  const created = await request(app.server).post('/heaps').send({ size: 2048, strategy: 'first-fit' }).expect(201).expect('content-type', /json/)
  t.equal(created.headers.location, `/heaps/${created.body.id}`)
  const listed = await request(app.server).get('/heaps').expect(200)
  t.equal(listed.body.items[0].id, created.body.id)
  await request(app.server).delete(created.headers.location!).expect(204)
  const gone = await request(app.server).get(created.headers.location!).expect(404)
  expectProblem(t, gone, 404, 'heap-not-found')
})
