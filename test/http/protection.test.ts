import { setTimeout as wait } from 'node:timers/promises'
import t from 'tap'
import { API_HEADERS, HSTS_HEADER, SHED_RETRY_AFTER } from '../../src/http/protection.js'
import { build, createHeap, expectProblem } from '../helpers/build.js'

t.test('security headers on the API, the heap map page and Swagger UI, with a CSP both pages work under', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  for (const url of [`/heaps/${heap.id}`, '/heaps/missing', '/heaps']) {
    const response = await app.inject(url)
    for (const [name, value] of Object.entries(API_HEADERS)) t.equal(response.headers[name], value, `${url}: ${name}`)
    t.equal(response.headers['strict-transport-security'], undefined, `${url}: no HSTS over plain HTTP (RFC 6797)`)
    t.equal(response.headers['referrer-policy'], undefined, `${url}: no page-only headers on JSON`)
  }
  for (const url of ['/', '/docs/', '/healthz', '/nowhere']) {
    const response = await app.inject(url)
    const csp = response.headers['content-security-policy'] as string
    t.match(csp, /default-src 'self'/, `${url}: CSP`)
    t.match(csp, /script-src 'self'(;|$)/, `${url}: scripts from this origin only`)
    t.notMatch(csp, /upgrade-insecure-requests/, `${url}: plain HTTP deployments keep working`)
    t.equal(response.headers['x-content-type-options'], 'nosniff')
    t.equal(response.headers['x-frame-options'], 'SAMEORIGIN')
    t.equal(response.headers['strict-transport-security'], undefined, `${url}: no HSTS over plain HTTP`)
  }

  // What the pages load must be allowed by that policy: same-origin scripts only, no inline ones.
  for (const page of ['/', '/docs/']) {
    const html = (await app.inject(page)).body
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)]
    t.ok(scripts.length > 0, `${page} has scripts`)
    for (const [, attributes, body] of scripts) {
      const src = /src="([^"]+)"/.exec(attributes!)?.[1]
      t.ok(src !== undefined && !/^(https?:)?\/\//.test(src), `${page}: ${src} is same-origin`)
      t.equal(body!.trim(), '', `${page}: no inline script`)
      const url = new URL(src!, `http://localhost${page}`).pathname
      t.equal((await app.inject(url)).statusCode, 200, `${url} is served`)
    }
    t.notMatch(html, /\son\w+=/, `${page}: no inline event handlers (script-src-attr 'none')`)
  }
})

t.test('HSTS over HTTPS only: behind a trusted proxy that says so, on the API and the pages alike', async (t) => {
  const [name, value] = HSTS_HEADER
  const proxied = await build(t, { trustProxy: true })
  const heap = await createHeap(proxied)
  for (const url of [`/heaps/${heap.id}`, '/heaps/missing', '/', '/healthz']) {
    const overTls = await proxied.inject({ url, headers: { 'x-forwarded-proto': 'https' } })
    t.equal(overTls.headers[name], value, `${url} over HTTPS`)
    t.equal((await proxied.inject({ url, headers: { 'x-forwarded-proto': 'http' } })).headers[name], undefined, `${url} over HTTP`)
  }
  t.equal((await proxied.inject(`/heaps/${heap.id}`)).headers['cache-control'], 'no-store', 'the API set is kept over HTTPS')

  // An untrusted client cannot claim HTTPS for itself.
  const direct = await build(t)
  t.equal((await direct.inject({ url: '/heaps', headers: { 'x-forwarded-proto': 'https' } })).headers[name], undefined)
})

t.test('HEAPD_DOCS=false: no Swagger UI and no live document; the API and the page stay', async (t) => {
  const app = await build(t, { docs: false })
  expectProblem(t, await app.inject('/docs/'), 404, 'not-found')
  expectProblem(t, await app.inject('/docs/json'), 404, 'not-found')
  t.equal((await app.inject('/')).statusCode, 200)
  await createHeap(app)
})

t.test('timeouts and trust-proxy come from the configuration', async (t) => {
  const app = await build(t, { connectionTimeout: 5_000, keepAliveTimeout: 4_000, requestTimeout: 3_000 })
  t.equal(app.server.timeout, 5_000)
  t.equal(app.server.keepAliveTimeout, 4_000)
  t.equal(app.server.requestTimeout, 3_000)

  // Behind a trusted proxy the client address comes from X-Forwarded-For, so the per-address rate
  // limit tells clients apart; without trust, the header is ignored and they share one budget.
  const proxied = await build(t, { trustProxy: true, limits: { rateLimit: 1 } })
  t.equal((await proxied.inject({ url: '/heaps', headers: { 'x-forwarded-for': '203.0.113.1' } })).statusCode, 200)
  t.equal((await proxied.inject({ url: '/heaps', headers: { 'x-forwarded-for': '203.0.113.2' } })).statusCode, 200)
  const direct = await build(t, { limits: { rateLimit: 1 } })
  t.equal((await direct.inject({ url: '/heaps', headers: { 'x-forwarded-for': '203.0.113.1' } })).statusCode, 200)
  expectProblem(t, await direct.inject({ url: '/heaps', headers: { 'x-forwarded-for': '203.0.113.2' } }), 429, 'quota-exceeded')

  const hops = await build(t, { trustProxy: 1, limits: { rateLimit: 1 } })
  t.equal((await hops.inject({ url: '/heaps', headers: { 'x-forwarded-for': '203.0.113.1' } })).statusCode, 200)
  t.equal((await hops.inject({ url: '/heaps', headers: { 'x-forwarded-for': '203.0.113.2' } })).statusCode, 200)
})

t.test('overload shedding: a lagging event loop answers 503 problem+json with Retry-After on the API only', async (t) => {
  // A generous limit: on a loaded machine the loop lags tens of milliseconds at rest.
  const limit = 200
  const app = await build(t, { limits: { maxEventLoopDelay: limit } }, { pressureSampleInterval: 50 })
  const heap = app.registry.create({ size: 1024 })
  const shedding = app as unknown as { memoryUsage: () => { eventLoopDelay: number } }

  // Block the event loop, then wait for the sampler to see the delay (it samples every 50 ms).
  // The sampler averages over its interval, so on a busy machine one block may land across two
  // samples and be diluted: block again (at most three times) until a sample shows it.
  for (let attempt = 0; attempt < 3 && shedding.memoryUsage().eventLoopDelay <= limit; attempt++) {
    const until = Date.now() + 2000
    while (Date.now() < until) { /* busy: the event loop cannot turn */ }
    for (let i = 0; i < 100 && shedding.memoryUsage().eventLoopDelay <= limit; i++) await wait(5)
  }
  t.ok(shedding.memoryUsage().eventLoopDelay > limit, 'the delay was measured')

  const [shed, health, metrics] = await Promise.all([app.inject(`/heaps/${heap.id}`), app.inject('/healthz'), app.inject('/metrics')])
  const problem = expectProblem(t, shed, 503, 'overloaded')
  t.equal(problem.title, 'Service overloaded')
  t.match(problem.detail, /overloaded/)
  t.equal(shed.headers['retry-after'], String(SHED_RETRY_AFTER))
  t.equal(health.statusCode, 200, 'liveness still answers')
  t.equal(metrics.statusCode, 200, 'metrics still answer')
  t.equal((await app.inject('/readyz')).statusCode, 200, 'overload is not unreadiness: the balancer keeps the instance')
})
