import { once } from 'node:events'
import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import type { LightMyRequestResponse } from 'fastify'
import type { App } from '../../src/http/app.js'
import type { Change } from '../../src/registry/events.js'
import { StoreUnavailableError } from '../../src/registry/store/errors.js'
import { alloc, build, createHeap, expectProblem, observe } from '../helpers/build.js'

type Method = 'POST' | 'PATCH' | 'DELETE' | 'GET'

async function send (app: App, method: Method, url: string, key: string | undefined, payload?: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method,
    url,
    headers: { ...headers, ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    ...(payload !== undefined ? { payload: payload as object } : {})
  })
}

/** Status, the headers that matter and the body: what a replay must give again. */
function answerOf (response: LightMyRequestResponse) {
  return { status: response.statusCode, location: response.headers.location, type: response.headers['content-type'], body: response.body }
}

/** Sends the request twice with `key` and checks the second is the first's answer and changed nothing. */
async function replays (t: Test, app: App, heapId: string | undefined, method: Method, url: string, payload?: unknown) {
  const key = `key-${method}-${url}-${Math.random()}`
  const first = await send(app, method, url, key, payload)
  const heapsBefore = app.registry.count
  const before = heapId === undefined ? undefined : await observe(app, heapId)
  const second = await send(app, method, url, key, payload)
  t.same(answerOf(second), answerOf(first), `${method} ${url}: the retry answers the first answer`)
  t.equal(app.registry.count, heapsBefore, 'no heap made or deleted by the retry')
  if (heapId !== undefined) t.same(await observe(app, heapId), before, 'the heap is unchanged by the retry')
  return first
}

t.test('a retry with the same key answers the first answer and applies nothing, on every change route', async (t) => {
  const app = await build(t)
  const created = await replays(t, app, undefined, 'POST', '/heaps', { size: 4096, strategy: 'best-fit' })
  t.equal(created.statusCode, 201)
  t.match(created.headers.location, /^\/heaps\//)
  t.equal(app.registry.count, 1, 'one heap, not two')
  const id = created.json().id as string

  const allocated = await replays(t, app, id, 'POST', `/heaps/${id}/alloc`, { size: 100, tag: 'a' })
  t.equal(allocated.statusCode, 201)
  const ptr = allocated.json().ptr as number
  t.equal((await observe(app, id)).stats.liveBlocks, 1, 'one block, not two')

  const resized = await replays(t, app, id, 'PATCH', `/heaps/${id}/blocks/${ptr}`, { size: 200 })
  t.equal(resized.statusCode, 200)

  const batch = { ops: [{ op: 'alloc', size: 10 }, { op: 'alloc', size: 1_000_000 }, { op: 'free', ptr: 4000 }] }
  const ran = await replays(t, app, id, 'POST', `/heaps/${id}/batch`, batch)
  t.equal(ran.statusCode, 200)
  t.match(ran.json().results, [{ ok: true }, { ok: false, error: { status: 400 } }, { ok: false, error: { status: 404 } }])

  const atomic = { ops: [{ op: 'alloc', size: 10 }, { op: 'alloc', size: 4000 }], atomic: true }
  const refused = await replays(t, app, id, 'POST', `/heaps/${id}/batch`, atomic)
  expectProblem(t, refused, 409, 'out-of-memory')
  t.equal(refused.json().index, 1)

  const freed = await replays(t, app, id, 'DELETE', `/heaps/${id}/blocks/${ptr}`)
  t.equal(freed.statusCode, 204)

  const reset = await replays(t, app, id, 'POST', `/heaps/${id}/reset`)
  t.equal(reset.statusCode, 200)
  t.equal(reset.json().stats.liveBlocks, 0)
})

t.test('a retry after later changes still answers the first answer and does not apply again', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app)
  await alloc(app, id, 64)
  const reset = await send(app, 'POST', `/heaps/${id}/reset`, 'reset-1')
  const ptr = await alloc(app, id, 32)
  const again = await send(app, 'POST', `/heaps/${id}/reset`, 'reset-1')
  t.same(answerOf(again), answerOf(reset), 'the first reset\'s answer')
  t.same((await send(app, 'GET', `/heaps/${id}/blocks/${ptr}`, undefined)).json(), { ptr, size: 32 }, 'the block made since is still there')

  const first = await send(app, 'DELETE', `/heaps/${id}/blocks/${ptr}`, 'free-1')
  t.equal(first.statusCode, 204)
  const retried = await send(app, 'DELETE', `/heaps/${id}/blocks/${ptr}`, 'free-1')
  t.equal(retried.statusCode, 204, 'a retried free is not a double free')
  expectProblem(t, await send(app, 'DELETE', `/heaps/${id}/blocks/${ptr}`, 'free-2'), 404, 'block-not-found')
})

t.test('final client errors are remembered; a refused alloc is not counted twice', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app, { size: 100 })
  const first = await send(app, 'POST', `/heaps/${id}/alloc`, 'oom', { size: 90 }, {})
  t.equal(first.statusCode, 201)
  const refused = await send(app, 'POST', `/heaps/${id}/alloc`, 'oom-2', { size: 50 })
  expectProblem(t, refused, 409, 'out-of-memory')
  const failed = (await observe(app, id)).stats.failedAllocs
  await send(app, 'DELETE', `/heaps/${id}/blocks/0`, undefined)
  const retried = await send(app, 'POST', `/heaps/${id}/alloc`, 'oom-2', { size: 50 })
  t.same(answerOf(retried), answerOf(refused), 'the refusal again, although the alloc would fit now')
  t.equal((await observe(app, id)).stats.failedAllocs, failed, 'failedAllocs counted once')
  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /heapd_alloc_failures_total\{reason="full"\} 1\n/, 'and in the metrics once')
  t.equal((await observe(app, id)).stats.liveBlocks, 0)
})

t.test('the same key with a different request answers 422 idempotency-key-reused and changes nothing', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app)
  t.equal((await send(app, 'POST', `/heaps/${id}/alloc`, 'k1', { size: 10 })).statusCode, 201)
  const before = await observe(app, id)
  expectProblem(t, await send(app, 'POST', `/heaps/${id}/alloc`, 'k1', { size: 11 }), 422, 'idempotency-key-reused')
  expectProblem(t, await send(app, 'POST', `/heaps/${id}/batch`, 'k1', { ops: [{ op: 'alloc', size: 10 }] }), 422, 'idempotency-key-reused')
  expectProblem(t, await send(app, 'POST', '/heaps', 'k1', { size: 10 }), 422, 'idempotency-key-reused')
  t.same(await observe(app, id), before)
  t.equal(app.registry.count, 1)
})

/** Sends the head of a keyed alloc and `sent` bytes of its body on a socket of its own; the rest is up to the test. */
async function startUpload (app: App, url: string, key: string, body: string, sent: number) {
  const { port } = new URL(await app.listen({ port: 0, host: '127.0.0.1' }))
  const socket = connect(Number(port), '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.on('data', (chunk: Buffer) => { received += chunk.toString() })
  socket.write(`POST ${url} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
    `idempotency-key: ${key}\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body.slice(0, sent)}`)
  // The key is held once the server has the request's head: wait for that, not for a time.
  while (app.registry.idempotencyKeys === 0) await sleep(5)
  return {
    socket,
    finish: async () => {
      socket.write(body.slice(sent))
      await once(socket, 'end')
      const [head, text] = received.split('\r\n\r\n')
      return { status: Number(head!.split(' ')[1]), body: text! }
    }
  }
}

t.test('a retry sent while the first request is still uploading answers 409 idempotency-key-in-flight', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app)
  const body = JSON.stringify({ size: 10, tag: 'slow' })
  const upload = await startUpload(app, `/heaps/${id}/alloc`, 'slow', body, 5)
  expectProblem(t, await send(app, 'POST', `/heaps/${id}/alloc`, 'slow', { size: 10, tag: 'slow' }), 409, 'idempotency-key-in-flight')
  expectProblem(t, await send(app, 'POST', `/heaps/${id}/alloc`, 'slow', { size: 99 }), 409, 'idempotency-key-in-flight')
  t.equal((await observe(app, id)).stats.liveBlocks, 0, 'nothing applied meanwhile')
  const first = await upload.finish()
  t.equal(first.status, 201, 'the first request is answered once its body is in')
  const retry = await send(app, 'POST', `/heaps/${id}/alloc`, 'slow', { size: 10, tag: 'slow' })
  t.equal(retry.statusCode, 201)
  t.equal(retry.body, first.body, 'then the retry replays it')
  t.equal((await observe(app, id)).stats.liveBlocks, 1)
})

t.test('a key whose request never runs its change is free again', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app)
  const upload = await startUpload(app, `/heaps/${id}/alloc`, 'abandoned', JSON.stringify({ size: 10 }), 3)
  upload.socket.destroy()
  while (app.registry.idempotencyKeys > 0) await sleep(5)
  t.equal((await send(app, 'POST', `/heaps/${id}/alloc`, 'abandoned', { size: 10 })).statusCode, 201, 'an abandoned upload leaves the key free')

  expectProblem(t, await send(app, 'POST', `/heaps/${id}/alloc`, 'invalid', { size: 'ten' }), 400, 'validation-error')
  expectProblem(t, await send(app, 'POST', `/heaps/${id}/alloc`, 'invalid', { size: 1 << 20 }), 400, 'exceeds-heap-size')
  t.equal(app.registry.idempotencyKeys, 2, 'the refused body held the key only while it was served; the final refusal is remembered')
})

t.test('keys expire after HEAPD_IDEMPOTENCY_TTL on the registry\'s clock', async (t) => {
  let clock = Date.parse('2030-01-01T00:00:00Z')
  const app = await build(t, { idempotencyTtl: 60 }, { now: () => new Date(clock) })
  const { id } = await createHeap(app)
  const first = await send(app, 'POST', `/heaps/${id}/alloc`, 'k', { size: 10 })
  clock += 59_000
  t.equal((await send(app, 'POST', `/heaps/${id}/alloc`, 'k', { size: 10 })).body, first.body, 'remembered within the TTL')
  clock += 1_000
  const later = await send(app, 'POST', `/heaps/${id}/alloc`, 'k', { size: 10 })
  t.equal(later.statusCode, 201)
  t.not(later.json().ptr, first.json().ptr, 'after the TTL the key is new: the alloc runs again')
  t.equal((await observe(app, id)).stats.liveBlocks, 2)
  t.equal(app.registry.idempotencyKeys, 1, 'the expired entry is gone, the new one kept')
})

t.test('keys are per tenant', async (t) => {
  const apiKeys = [{ key: 'alpha-key-0001', tenant: 'alpha' }, { key: 'beta-key-00001', tenant: 'beta' }]
  const app = await build(t, { apiKeys })
  const alpha = { authorization: 'Bearer alpha-key-0001' }
  const beta = { authorization: 'Bearer beta-key-00001' }
  const a = await send(app, 'POST', '/heaps', 'shared', { size: 100 }, alpha)
  const b = await send(app, 'POST', '/heaps', 'shared', { size: 100 }, beta)
  t.equal(a.statusCode, 201)
  t.equal(b.statusCode, 201)
  t.not(b.json().id, a.json().id, 'beta\'s request with the same key makes its own heap')
  t.equal((await send(app, 'POST', '/heaps', 'shared', { size: 100 }, alpha)).body, a.body, 'alpha\'s retry replays alpha\'s answer')
  expectProblem(t, await send(app, 'POST', '/heaps', 'shared', { size: 200 }, beta), 422, 'idempotency-key-reused')
  t.equal(app.registry.count, 2)
})

t.test('a 503 from the store and a 429 are not remembered: the retry runs again', async (t) => {
  let failNext = false
  const events = {
    changed (change: Change) {
      if (!failNext || change.kind === 'answered') return
      failNext = false
      throw new StoreUnavailableError('test.db', new Error('disk full'))
    }
  }
  const app = await build(t, { limits: { maxBlocksPerHeap: 1 } }, { events })
  const { id } = await createHeap(app)
  failNext = true
  const unavailable = await send(app, 'POST', `/heaps/${id}/alloc`, 'k', { size: 10 })
  expectProblem(t, unavailable, 503, 'unavailable')
  t.equal((await observe(app, id)).stats.liveBlocks, 0)
  const retried = await send(app, 'POST', `/heaps/${id}/alloc`, 'k', { size: 10 })
  t.equal(retried.statusCode, 201, 'the retry is applied')
  t.equal((await send(app, 'POST', `/heaps/${id}/alloc`, 'k', { size: 10 })).body, retried.body, 'and then remembered')

  expectProblem(t, await send(app, 'POST', `/heaps/${id}/alloc`, 'q', { size: 10 }), 429, 'quota-exceeded')
  await send(app, 'DELETE', `/heaps/${id}/blocks/${retried.json().ptr as number}`, undefined)
  t.equal((await send(app, 'POST', `/heaps/${id}/alloc`, 'q', { size: 10 })).statusCode, 201, 'once the quota allows, the retry runs')
})

t.test('malformed keys answer 400 validation-error naming the header, and change nothing', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app)
  for (const key of ['', 'a'.repeat(256), 'has space', 'quote"inside', 'back\\slash', 'é', '""']) {
    const response = await send(app, 'POST', `/heaps/${id}/alloc`, key, { size: 10 })
    const body = expectProblem(t, response, 400, 'validation-error')
    t.match(body.issues, [{ in: 'headers', path: '/idempotency-key' }], JSON.stringify(key))
  }
  t.equal((await observe(app, id)).stats.liveBlocks, 0)
  const long = 'a'.repeat(255)
  t.equal((await send(app, 'POST', `/heaps/${id}/alloc`, long, { size: 10 })).statusCode, 201, '255 characters are fine')
  const bare = await send(app, 'POST', `/heaps/${id}/alloc`, 'uuid-1', { size: 10 })
  const quoted = await send(app, 'POST', `/heaps/${id}/alloc`, '"uuid-1"', { size: 10 })
  t.equal(quoted.body, bare.body, 'the structured-field string "uuid-1" is the key uuid-1')
  t.equal((await observe(app, id)).stats.liveBlocks, 2)
})

t.test('a keyed answer is the answer the request gets without a key', async (t) => {
  const app = await build(t)
  const plain = await createHeap(app, { size: 4096 })
  const keyedHeap = await createHeap(app, { size: 4096 })
  const batch = { ops: [{ op: 'alloc', size: 10, tag: 'ü"x' }, { op: 'alloc', size: 20, align: 64 }, { op: 'realloc', ptr: 0, size: 30 }] }
  const without = await send(app, 'POST', `/heaps/${plain.id}/batch`, undefined, batch)
  const withKey = await send(app, 'POST', `/heaps/${keyedHeap.id}/batch`, 'same', batch)
  t.equal(withKey.body, without.body)
  t.equal(withKey.headers['content-type'], without.headers['content-type'])
  const allocWithout = await send(app, 'POST', `/heaps/${plain.id}/alloc`, undefined, { size: 5 })
  const allocWith = await send(app, 'POST', `/heaps/${keyedHeap.id}/alloc`, 'alloc', { size: 5 })
  t.equal(allocWith.body, allocWithout.body)
  t.equal(allocWith.headers['content-type'], allocWithout.headers['content-type'])
})

t.test('requests without the header are never remembered', async (t) => {
  const app = await build(t)
  const { id } = await createHeap(app)
  const a = await alloc(app, id, 10)
  const b = await alloc(app, id, 10)
  t.not(a, b)
  t.equal(app.registry.idempotencyKeys, 0)
})
