import t from 'tap'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

// A limit above maxPageSize is a 400 validation-error saying the maximum, like a malformed one, on
// every paged route: 429 is kept for quotas a client can wait out.

const MAX = 3

async function pagedRoutes (t: Parameters<typeof build>[0]) {
  const app = await build(t, { limits: { maxPageSize: MAX, defaultPageSize: 2 } })
  const heap = await createHeap(app, { size: 1024 })
  for (let i = 0; i < 5; i++) await createHeap(app, { size: 64 })
  for (let i = 0; i < 5; i++) await alloc(app, heap.id, 8)
  const routes = ['/heaps', `/heaps/${heap.id}/blocks`, `/heaps/${heap.id}/layout`]
  return { app, heap, routes }
}

t.test('a limit up to maxPageSize is served, one above answers 400 saying the maximum', async (t) => {
  const { app, routes } = await pagedRoutes(t)
  for (const route of routes) {
    t.equal((await app.inject(route)).json().items.length, 2, `${route}: the default page`)
    t.equal((await app.inject(`${route}?limit=${MAX}`)).json().items.length, MAX, `${route}: the largest page`)
    for (const limit of [String(MAX + 1), '1000000', String(Number.MAX_SAFE_INTEGER + 2), '9'.repeat(400)]) {
      const problem = expectProblem(t, await app.inject(`${route}?limit=${limit}`), 400, 'validation-error')
      t.same(problem.issues, [{ in: 'querystring', path: '/limit', message: 'limit must be at most 3 (HEAPD_MAX_PAGE_SIZE)' }], `${route}?limit=${limit.slice(0, 20)}`)
    }
  }
})

t.test('a malformed limit stays a 400 validation-error naming the query parameter', async (t) => {
  const { app, routes } = await pagedRoutes(t)
  for (const route of routes) {
    for (const limit of ['0', '-1', '1.5', '1e3', 'abc', '', '%201', '00', '0x10']) {
      const problem = expectProblem(t, await app.inject(`${route}?limit=${limit}`), 400, 'validation-error')
      t.match(problem.issues, [{ in: 'querystring', path: '/limit' }], `${route}?limit=${limit}`)
    }
  }
})

t.test('a refused limit changes nothing', async (t) => {
  const { app, heap } = await pagedRoutes(t)
  const before = (await app.inject(`/heaps/${heap.id}/stats`)).json()
  expectProblem(t, await app.inject(`/heaps/${heap.id}/layout?limit=99`), 400, 'validation-error')
  t.same((await app.inject(`/heaps/${heap.id}/stats`)).json(), before)
})

t.test('the OpenAPI document says what the limit is on every paged route', async (t) => {
  const { app } = await pagedRoutes(t)
  const document = (await app.inject('/docs/json')).json()
  for (const path of ['/heaps', '/heaps/{id}/blocks', '/heaps/{id}/layout']) {
    const operation = document.paths[path].get
    const limit = operation.parameters.find((parameter: { name: string }) => parameter.name === 'limit')
    t.match(limit.description, /1 to 3/, `${path}: the configured maximum`)
  }
})
