import { Writable } from 'node:stream'
import t from 'tap'
import request from 'supertest'
import { buildApp, requestIdGenerator } from '../../src/http/app.js'
import { buildLogger } from '../../src/http/logger.js'
import { configWith } from '../../src/config.js'
import { build, createHeap, expectProblem, observe } from '../helpers/build.js'

t.test('a body over the limit answers 413', async (t) => {
  const app = await build(t, { limits: { bodyLimit: 1024 } })
  const heap = await createHeap(app)
  const before = await observe(app, heap.id)
  const response = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 1, tag: 'x'.repeat(2000) } })
  expectProblem(t, response, 413, 'payload-too-large')
  t.same(await observe(app, heap.id), before)
  await request(app.server).post('/heaps').set('content-type', 'application/json').send(JSON.stringify({ size: 1, name: 'y'.repeat(4000) }))
    .expect(413).expect('content-type', /problem\+json/)
})

t.test('a body that is not JSON answers 415', async (t) => {
  const app = await build(t)
  for (const [type, payload] of [['text/plain', '{"size":1}'], ['application/x-www-form-urlencoded', 'size=1'], ['application/xml', '<size>1</size>'], ['multipart/form-data; boundary=x', '--x--']]) {
    const response = await app.inject({ method: 'POST', url: '/heaps', payload, headers: { 'content-type': type } })
    expectProblem(t, response, 415, 'unsupported-media-type')
  }
  t.equal(app.registry.count, 0)
})

t.test('malformed and empty JSON answer 400 validation-error', async (t) => {
  const app = await build(t)
  for (const payload of ['{', '{"size":', 'size=1', '{"size":1}}', '{"__proto__":{"x":1},"size":1}', '{"constructor":{"prototype":{"x":1}},"size":1}']) {
    const response = await app.inject({ method: 'POST', url: '/heaps', payload, headers: { 'content-type': 'application/json' } })
    const problem = expectProblem(t, response, 400, 'validation-error')
    t.match(problem.issues, [{ in: 'body' }], payload)
  }
  const empty = await app.inject({ method: 'POST', url: '/heaps', payload: '', headers: { 'content-type': 'application/json' } })
  expectProblem(t, empty, 400, 'validation-error')
  const noBody = await app.inject({ method: 'POST', url: '/heaps' })
  expectProblem(t, noBody, 400, 'validation-error')
  t.equal(app.registry.count, 0)
})

t.test('a URL that is not validly percent-encoded answers 400 validation-error, a parameter over the router\'s length limit 414', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app)
  for (const url of ['/heaps/%E0%A4%A', `/heaps/${heap.id}/blocks/%ZZ`]) {
    const problem = expectProblem(t, await app.inject(url), 400, 'validation-error')
    t.equal(problem.instance, url)
  }
  const long = `/heaps/${'x'.repeat(101)}`
  t.equal(expectProblem(t, await app.inject(long), 414, 'uri-too-long').instance, long)
})

t.test('unknown routes and methods answer 404 not-found as problem+json', async (t) => {
  const app = await build(t)
  for (const [method, url] of [['GET', '/nope'], ['PUT', '/heaps'], ['PATCH', '/heaps'], ['POST', '/heaps/x/blocks'], ['GET', '/heaps/x/alloc'], ['DELETE', '/healthz']] as const) {
    const problem = expectProblem(t, await app.inject({ method, url }), 404, 'not-found')
    t.equal(problem.instance, url)
  }
  for (const url of ['/docs/static//', '/docs/static/%00']) {
    expectProblem(t, await app.inject(url), 404, 'not-found')
  }
  const viaHttp = await request(app.server).get('/definitely/not/here?x=1').expect(404)
  t.match(viaHttp.body, { type: 'https://heapd.dev/problems/not-found', instance: '/definitely/not/here?x=1' })
})

t.test('a real 500 hides the internals and is logged with the request', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done() } })
  const app = buildApp(configWith(), { logger: buildLogger('info', sink) })
  app.get('/boom', async () => { throw new Error('the database password is hunter2') })
  t.teardown(() => app.close())
  await app.ready()
  const response = await app.inject({ url: '/boom', headers: { 'x-request-id': 'req-500' } })
  const problem = expectProblem(t, response, 500, 'internal-error')
  t.notMatch(response.body, /hunter2/)
  t.equal(problem.requestId, 'req-500')
  const logged = lines.find((line) => line.level === 50)
  t.match(logged, { reqId: 'req-500', err: { message: /hunter2/ } }, 'the error is in the log, with the request ID')
})

t.test('request IDs: honoured when sane, generated otherwise, always echoed', async (t) => {
  const app = await build(t)
  const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } })
  t.equal(given.headers['x-request-id'], 'abc-123')
  const generated = await app.inject('/healthz')
  t.match(generated.headers['x-request-id'], /^[\w-]{8}-[0-9a-z]+$/)
  const insane = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'x'.repeat(500) } })
  t.match(insane.headers['x-request-id'], /^[\w-]{8}-[0-9a-z]+$/)
  t.not(insane.headers['x-request-id'], generated.headers['x-request-id'], 'each generated ID is new')
  const onError = await app.inject({ url: '/nope', headers: { 'x-request-id': 'err-1' } })
  t.equal(onError.headers['x-request-id'], 'err-1')
})

t.test('generated request IDs: unique within an app, with a prefix that differs between apps', async (t) => {
  const first = requestIdGenerator()
  const ids = new Set(Array.from({ length: 1000 }, () => first()))
  t.equal(ids.size, 1000)
  const prefixOf = (id: string) => id.slice(0, id.lastIndexOf('-'))
  t.not(prefixOf(requestIdGenerator()()), prefixOf(first()), 'another app (or a restart) has another prefix')
})

t.test('logs: one line per request with its ID, no body, no secrets', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const sink = new Writable({ write (chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done() } })
  const logger = buildLogger('info', sink)
  const app = buildApp(configWith(), { logger })
  t.teardown(() => app.close())
  await app.ready()
  await app.inject({
    method: 'POST', url: '/heaps', payload: { size: 1234567, name: 'secret-name' }, headers: { 'x-request-id': 'log-1', authorization: 'Bearer sk-secret' }
  })
  const mine = lines.filter((line) => line.reqId === 'log-1')
  t.equal(mine.length, 1)
  t.match(mine[0], { msg: 'request completed', req: { method: 'POST', url: '/heaps' }, res: { statusCode: 201 }, responseTime: Number })
  const text = JSON.stringify(lines)
  t.notMatch(text, /secret-name|1234567|sk-secret/)

  logger.info({ req: { method: 'GET', headers: { authorization: 'Bearer sk-secret', cookie: 'session=s3', accept: '*/*' } } }, 'headers logged by mistake')
  t.same(lines.at(-1)!.req, { method: 'GET', headers: { authorization: '[redacted]', cookie: '[redacted]', accept: '*/*' } })
  logger.info({ headers: { authorization: 'Bearer sk-secret' } }, 'headers on their own')
  t.same(lines.at(-1)!.headers, { authorization: '[redacted]' })
})
