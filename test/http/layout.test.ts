import t from 'tap'
import request from 'supertest'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

t.test('GET /heaps/:id/stats', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  const a = await alloc(app, heap.id, 100)
  await alloc(app, heap.id, 100)
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${a}` })
  const stats = (await app.inject(`/heaps/${heap.id}/stats`)).json()
  t.same(Object.keys(stats).sort(), ['allocs', 'failedAllocs', 'fragmentation', 'free', 'freeRanges', 'frees', 'largestFree', 'liveBlocks',
    'peakLiveBlocks', 'peakUsed', 'reallocs', 'sawicki', 'size', 'used'])
  t.match(stats, { size: 1000, used: 100, free: 900, largestFree: 800, liveBlocks: 1, freeRanges: 2, peakUsed: 200, allocs: 2, frees: 1, failedAllocs: 0 })
  t.equal(stats.fragmentation, 1 - 800 / 900)
  t.ok(stats.sawicki > 0 && stats.sawicki < 1)
})

t.test('GET /heaps/:id/layout tiles the heap with used and free segments, paged', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  await alloc(app, heap.id, 100, { tag: 'a' })
  const b = await alloc(app, heap.id, 100)
  await alloc(app, heap.id, 100, { tag: 'c' })
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${b}` })

  const whole = (await app.inject(`/heaps/${heap.id}/layout`)).json()
  t.same(whole, {
    items: [
      { offset: 0, size: 100, state: 'used', ptr: 0, tag: 'a' },
      { offset: 100, size: 100, state: 'free' },
      { offset: 200, size: 100, state: 'used', ptr: 200, tag: 'c' },
      { offset: 300, size: 700, state: 'free' }
    ],
    nextCursor: null
  })

  const pages: unknown[] = []
  let cursor: string | null = null
  do {
    const url: string = `/heaps/${heap.id}/layout?limit=3${cursor !== null ? `&cursor=${cursor}` : ''}`
    const page = (await app.inject(url)).json()
    pages.push(...page.items)
    cursor = page.nextCursor
  } while (cursor !== null)
  t.same(pages, whole.items, 'pages join up to the whole layout')
})

t.test('?buckets=N answers used bytes per bucket, and from/to zoom in', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  await alloc(app, heap.id, 300)
  const occupancy = (await app.inject(`/heaps/${heap.id}/layout?buckets=4`)).json()
  t.same(occupancy, {
    from: 0,
    to: 1000,
    bucketSize: 250,
    buckets: [{ offset: 0, size: 250, used: 250 }, { offset: 250, size: 250, used: 50 }, { offset: 500, size: 250, used: 0 }, { offset: 750, size: 250, used: 0 }]
  })
  const zoomed = (await app.inject(`/heaps/${heap.id}/layout?buckets=2&from=200&to=400`)).json()
  t.same(zoomed, { from: 200, to: 400, bucketSize: 100, buckets: [{ offset: 200, size: 100, used: 100 }, { offset: 300, size: 100, used: 0 }] })
})

t.test('occupancy works for a heap of 2^53 - 1 bytes', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: Number.MAX_SAFE_INTEGER })
  await alloc(app, heap.id, 2 ** 52)
  const { bucketSize, buckets } = (await request(app.server).get(`/heaps/${heap.id}/layout?buckets=1000`).expect(200)).body
  t.equal(buckets.length, 1000)
  t.equal(buckets.reduce((sum: number, b: { used: number }) => sum + b.used, 0), 2 ** 52)
  t.equal(buckets.reduce((sum: number, b: { size: number }) => sum + b.size, 0), Number.MAX_SAFE_INTEGER)
  t.ok(bucketSize >= Math.ceil(Number.MAX_SAFE_INTEGER / 1000))
})

t.test('layout queries are validated', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 1000 })
  const cases: Array<[string, string]> = [
    ['buckets=0', '/buckets'],
    ['buckets=10001', '/buckets'],
    ['buckets=x', '/buckets'],
    ['from=10', '/from'],
    ['to=10', '/to'],
    ['buckets=2&limit=5', '/limit'],
    ['buckets=2&from=5&to=5', '/to'],
    ['buckets=2&to=1001', '/to'],
    ['buckets=2&from=1000', '/from'],
    ['cursor=###', '/cursor'],
    ['zoom=2', '/zoom']
  ]
  for (const [query, path] of cases) {
    const problem = expectProblem(t, await app.inject(`/heaps/${heap.id}/layout?${query}`), 400, 'validation-error')
    t.match(problem.issues, [{ in: 'querystring', path }], query)
  }
})
