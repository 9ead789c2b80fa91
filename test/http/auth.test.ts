import t from 'tap'
import { tenantFinder } from '../../src/http/auth.js'
import { buildLogger } from '../../src/http/logger.js'
import type { App } from '../../src/http/app.js'
import { build, expectProblem } from '../helpers/build.js'

const KEYS = [
  { key: 'alpha-key-0001', tenant: 'alpha' },
  { key: 'alpha-key-0002', tenant: 'alpha' },
  { key: 'beta-key-00001', tenant: 'beta' }
]
const ALPHA = { authorization: 'Bearer alpha-key-0001' }
const ALPHA_ROTATED = { authorization: 'Bearer alpha-key-0002' }
const BETA = { authorization: 'Bearer beta-key-00001' }

async function as (app: App, headers: Record<string, string>, method: string, url: string, payload?: unknown) {
  return app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) })
}

t.test('tenantFinder matches whole keys only', async (t) => {
  const find = tenantFinder(KEYS)
  t.equal(find('alpha-key-0001'), 'alpha')
  t.equal(find('alpha-key-0002'), 'alpha')
  t.equal(find('beta-key-00001'), 'beta')
  t.equal(find('alpha-key-000'), undefined, 'a prefix is not the key')
  t.equal(find('alpha-key-00011'), undefined, 'a longer string is not the key')
  t.equal(find(''), undefined)
})

t.test('with API keys, /heaps routes answer 401 problem+json without a valid key, and nothing changes', async (t) => {
  const app = await build(t, { apiKeys: KEYS })
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{}, /^Bearer realm="heapd"$/],
    [{ authorization: 'Basic YWxwaGE6a2V5' }, /error="invalid_token"/],
    [{ authorization: 'Bearer' }, /error="invalid_token"/],
    [{ authorization: 'Bearer ' }, /error="invalid_token"/],
    [{ authorization: 'Bearer wrong-key-000' }, /error="invalid_token"/],
    [{ authorization: 'Bearer alpha-key-0001 extra' }, /error="invalid_token"/],
    [{ authorization: 'alpha-key-0001' }, /error="invalid_token"/]
  ]
  for (const [headers, challenge] of cases) {
    for (const [method, url, payload] of [['POST', '/heaps', { size: 64 }], ['GET', '/heaps'], ['GET', '/heaps/x/stats'], ['GET', '/heaps/x/nowhere']] as const) {
      const response = await as(app, headers, method, url, payload)
      const problem = expectProblem(t, response, 401, 'unauthorized')
      t.match(response.headers['www-authenticate'], challenge, `${JSON.stringify(headers)} ${method} ${url}`)
      t.equal(problem.instance, url)
    }
  }
  // The scheme name is case-insensitive (RFC 9110).
  t.equal((await as(app, { authorization: 'bearer alpha-key-0001' }, 'GET', '/heaps')).statusCode, 200)
  // An invalid body is refused as unauthorized, not parsed: the body of a stranger is never read.
  expectProblem(t, await app.inject({ method: 'POST', url: '/heaps', payload: '{not json', headers: { 'content-type': 'application/json' } }), 401, 'unauthorized')
  t.equal(app.registry.count, 0, 'no heap was created')
})

t.test('health, readiness, docs, metrics and the heap map page stay open', async (t) => {
  const app = await build(t, { apiKeys: KEYS })
  for (const url of ['/healthz', '/readyz', '/docs/json', '/docs/', '/metrics', '/', '/app.js', '/styles.css']) {
    t.equal((await app.inject(url)).statusCode, 200, url)
  }
})

t.test('a tenant sees only its own heaps: another tenant\'s heap ID answers 404 exactly like a missing one', async (t) => {
  const app = await build(t, { apiKeys: KEYS })
  const created = await as(app, ALPHA, 'POST', '/heaps', { size: 4096, name: 'alpha-heap' })
  t.equal(created.statusCode, 201)
  const id = created.json().id as string
  const ptr = (await as(app, ALPHA, 'POST', `/heaps/${id}/alloc`, { size: 64, tag: 't' })).json().ptr as number
  const missing = 'AAAAAAAAAAAAAAAAAAAAAA'
  const before = (await as(app, ALPHA, 'GET', `/heaps/${id}/layout`)).json()

  const routes: Array<[string, string, unknown?]> = [
    ['GET', '/heaps/{id}'],
    ['DELETE', '/heaps/{id}'],
    ['POST', '/heaps/{id}/alloc', { size: 8 }],
    ['GET', '/heaps/{id}/blocks'],
    ['GET', `/heaps/{id}/blocks/${ptr}`],
    ['PATCH', `/heaps/{id}/blocks/${ptr}`, { size: 128 }],
    ['DELETE', `/heaps/{id}/blocks/${ptr}`],
    ['POST', '/heaps/{id}/batch', { ops: [{ op: 'free', ptr }] }],
    ['GET', '/heaps/{id}/stats'],
    ['GET', '/heaps/{id}/layout'],
    ['GET', '/heaps/{id}/layout?buckets=4'],
    ['POST', '/heaps/{id}/reset']
  ]
  for (const [method, template, payload] of routes) {
    const theirs = await as(app, BETA, method, template.replace('{id}', id), payload)
    const absent = await as(app, BETA, method, template.replace('{id}', missing), payload)
    const problem = expectProblem(t, theirs, 404, 'heap-not-found')
    t.same(problem, JSON.parse(absent.body.replaceAll(missing, id)), `${method} ${template}: same body as a missing heap`)
    t.same(Object.keys(theirs.headers).sort(), Object.keys(absent.headers).sort(), `${method} ${template}: same headers`)
  }
  t.same((await as(app, ALPHA, 'GET', `/heaps/${id}/layout`)).json(), before, 'the heap is untouched')
  t.equal((await as(app, ALPHA_ROTATED, 'GET', `/heaps/${id}`)).json().name, 'alpha-heap', 'every key of a tenant reaches its heaps')
})

t.test('GET /heaps lists only the caller\'s heaps, paged within them', async (t) => {
  const app = await build(t, { apiKeys: KEYS })
  const mine: string[] = []
  for (let i = 0; i < 5; i++) {
    mine.push((await as(app, ALPHA, 'POST', '/heaps', { size: 100 + i })).json().id)
    await as(app, BETA, 'POST', '/heaps', { size: 200 + i })
  }
  const ids: string[] = []
  let url = '/heaps?limit=2'
  for (;;) {
    const page = (await as(app, ALPHA, 'GET', url)).json()
    t.ok(page.items.length <= 2)
    ids.push(...page.items.map((heap: { id: string }) => heap.id))
    if (page.nextCursor === null) break
    url = `/heaps?limit=2&cursor=${page.nextCursor}`
  }
  t.same(ids, mine)
  const theirs = (await as(app, BETA, 'GET', '/heaps')).json().items as Array<{ size: number }>
  t.same(theirs.map((heap) => heap.size), [200, 201, 202, 203, 204])
})

t.test('without API keys the service is open and heaps have no owner', async (t) => {
  const app = await build(t)
  const created = await app.inject({ method: 'POST', url: '/heaps', payload: { size: 64 } })
  t.equal(created.statusCode, 201)
  t.equal((await app.inject(`/heaps/${created.json().id}`)).statusCode, 200)
  t.equal((await app.inject({ url: '/heaps', headers: { authorization: 'Bearer anything-at-all' } })).statusCode, 200, 'a header is ignored')
})

t.test('the logger redacts the Authorization header', async (t) => {
  const lines: string[] = []
  const logger = buildLogger('info', { write: (line: string) => { lines.push(line) } })
  logger.info({ req: { headers: { authorization: 'Bearer alpha-key-0001' } } }, 'request')
  t.equal(lines.length, 1)
  t.notMatch(lines[0], /alpha-key-0001/)
  t.match(JSON.parse(lines[0]!).req.headers.authorization, '[redacted]')
})
