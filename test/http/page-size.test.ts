import t from 'tap'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

// maxPageSize is a quota like the others: a well-formed limit above it answers 429 naming it,
// a malformed limit stays a 400 validation-error, on every paged route.

const MAX = 3

async function pagedRoutes (t: Parameters<typeof build>[0]) {
  const app = await build(t, { limits: { maxPageSize: MAX, defaultPageSize: 2 } })
  const heap = await createHeap(app, { size: 1024 })
  for (let i = 0; i < 5; i++) await createHeap(app, { size: 64 })
  for (let i = 0; i < 5; i++) await alloc(app, heap.id, 8)
  const routes = ['/heaps', `/heaps/${heap.id}/blocks`, `/heaps/${heap.id}/layout`]
  return { app, heap, routes }
}

t.test('a limit up to maxPageSize is served, one above answers 429 maxPageSize', async (t) => {
  const { app, routes } = await pagedRoutes(t)
  for (const route of routes) {
    t.equal((await app.inject(route)).json().items.length, 2, `${route}: the default page`)
    t.equal((await app.inject(`${route}?limit=${MAX}`)).json().items.length, MAX, `${route}: the largest page`)
    for (const limit of [String(MAX + 1), '1000000', String(Number.MAX_SAFE_INTEGER + 2), '9'.repeat(400)]) {
      const problem = expectProblem(t, await app.inject(`${route}?limit=${limit}`), 429, 'quota-exceeded')
      t.match(problem, { limit: 'maxPageSize', limitValue: MAX, detail: /maxPageSize is 3/ }, `${route}?limit=${limit.slice(0, 20)}`)
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

t.test('the quota is checked after the heap is found, and a 429 changes nothing', async (t) => {
  const { app, heap } = await pagedRoutes(t)
  expectProblem(t, await app.inject('/heaps/nope/blocks?limit=99'), 404, 'heap-not-found')
  const before = (await app.inject(`/heaps/${heap.id}/stats`)).json()
  expectProblem(t, await app.inject(`/heaps/${heap.id}/layout?limit=99`), 429, 'quota-exceeded')
  t.same((await app.inject(`/heaps/${heap.id}/stats`)).json(), before)
})

t.test('the OpenAPI document declares the 429 and says what the limit is on every paged route', async (t) => {
  const { app } = await pagedRoutes(t)
  const document = (await app.inject('/docs/json')).json()
  for (const path of ['/heaps', '/heaps/{id}/blocks', '/heaps/{id}/layout']) {
    const operation = document.paths[path].get
    t.ok(operation.responses['429'], `${path}: 429 declared`)
    const limit = operation.parameters.find((parameter: { name: string }) => parameter.name === 'limit')
    t.match(limit.description, /1 to 3/, `${path}: the configured maximum`)
    t.match(limit.description, /429 quota-exceeded/, `${path}: what a larger limit answers`)
  }
})
