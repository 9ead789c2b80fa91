/**
 * HeapdClient end to end against the built service: every operation, every problem as a typed
 * HeapdError, API keys, and the retries (through a proxy that answers 503 or stalls) reusing one
 * Idempotency-Key per change.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { HeapdClient, HeapdConnectionError, HeapdError, HeapdTimeoutError } from '../../src/client/index.js'
import { startServer } from './live-server.js'

const server = await startServer(t, { HEAPD_MAX_PAGE_SIZE: '1000' })
const client = new HeapdClient({ baseUrl: server.url })

/** Catches what `promise` rejects with, failing the test when it resolves. */
async function rejection (promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

t.test('every operation, from creating a heap to deleting it', async (t) => {
  const heap = await client.createHeap({ size: 1 << 20, strategy: 'best-fit', alignment: 16, name: 'client-test' })
  t.match(heap, { id: String, size: 1 << 20, strategy: 'best-fit', alignment: 16, name: 'client-test', stats: { used: 0, liveBlocks: 0 } })
  t.same(await client.getHeap(heap.id), heap)

  const a = await client.alloc(heap.id, { size: 4096, tag: 'a' })
  t.same(a, { ptr: 0, size: 4096, tag: 'a' })
  const b = await client.alloc(heap.id, { size: 100, align: 256 })
  t.same(b, { ptr: 4096, size: 100, align: 256 })
  t.same(await client.getBlock(heap.id, b.ptr), b)

  const grown = await client.realloc(heap.id, a.ptr, 8192)
  t.equal(grown.size, 8192)
  t.equal(grown.moved, true, 'b is in the way: the block moves')
  t.same((await client.listBlocks(heap.id)).items.map((block) => block.ptr), [b.ptr, grown.ptr])

  const batch = await client.batch(heap.id, [{ op: 'alloc', size: 64 }, { op: 'free', ptr: b.ptr }, { op: 'free', ptr: b.ptr }])
  t.match(batch.results, [{ ok: true, op: 'alloc', size: 64 }, { ok: true, op: 'free', ptr: b.ptr }, { ok: false, op: 'free', error: { status: 404 } }])

  const stats = await client.stats(heap.id)
  t.match(stats, { size: 1 << 20, used: 8192 + 64, liveBlocks: 2 })

  const layout = await client.layout(heap.id)
  t.equal(layout.items.reduce((sum, segment) => sum + segment.size, 0), 1 << 20, 'the segments tile the heap')
  t.equal(layout.nextCursor, null)
  const firstPage = await client.layout(heap.id, { limit: 1 })
  t.equal(firstPage.items.length, 1)
  t.type(firstPage.nextCursor, 'string')
  const occupancy = await client.layout(heap.id, { buckets: 4 })
  t.match(occupancy, { from: 0, to: 1 << 20, bucketSize: 1 << 18 })
  t.equal(occupancy.buckets.reduce((sum, bucket) => sum + bucket.used, 0), stats.used)
  const zoomed = await client.layout(heap.id, { buckets: 2, from: 0, to: 1024 })
  t.match(zoomed, { from: 0, to: 1024, bucketSize: 512 })

  const blocks = []
  for await (const block of client.blocks(heap.id, { limit: 1 })) blocks.push(block.ptr)
  t.same(blocks, (await client.listBlocks(heap.id)).items.map((block) => block.ptr), 'blocks() follows the cursors')

  await client.free(heap.id, grown.ptr)
  t.equal((await client.stats(heap.id)).liveBlocks, 1)
  const reset = await client.resetHeap(heap.id)
  t.match(reset, { id: heap.id, stats: { used: 0, liveBlocks: 0 } })

  const other = await client.createHeap({ size: 64 })
  t.equal(other.strategy, 'first-fit')
  const listed = []
  for await (const listedHeap of client.heaps({ limit: 1 })) listed.push(listedHeap.id)
  t.ok(listed.includes(heap.id) && listed.includes(other.id), 'heaps() follows the cursors')
  t.ok((await client.listHeaps({ limit: 1 })).items.length === 1)

  await client.deleteHeap(heap.id)
  await client.deleteHeap(other.id)
  t.match(await rejection(client.getHeap(heap.id)), { code: 'heap-not-found', status: 404 })
  t.same(await client.health(), { status: 'ok' })
  t.same(await client.ready(), { status: 'ready' })
})

t.test('every problem is a HeapdError with its code, status, reason and extra members', async (t) => {
  const heap = await client.createHeap({ size: 1024 })
  await client.alloc(heap.id, { size: 512 })
  await client.alloc(heap.id, { size: 256 })
  await client.free(heap.id, 0)

  const oom = await rejection(client.alloc(heap.id, { size: 600 }))
  t.ok(oom instanceof HeapdError)
  t.ok(HeapdError.is(oom, 'out-of-memory'))
  t.notOk(HeapdError.is(oom, 'heap-not-found'))
  t.match(oom, { name: 'HeapdError', code: 'out-of-memory', status: 409, reason: 'fragmented', requested: 600, free: 768, largestFree: 512 })
  t.match((oom as HeapdError).problem, { type: 'https://heapd.dev/problems/out-of-memory', instance: `/heaps/${heap.id}/alloc` })
  t.equal((oom as HeapdError).message, (oom as HeapdError).detail)

  t.match(await rejection(client.free(heap.id, 0)), { code: 'block-not-found', status: 404, reason: 'free', ptr: 0 })
  t.match(await rejection(client.free(heap.id, 600)), { code: 'block-not-found', reason: 'interior', blockPtr: 512 })
  t.match(await rejection(client.alloc(heap.id, { size: 4096 })), { code: 'exceeds-heap-size', status: 400, requested: 4096, heapSize: 1024 })
  t.match(await rejection(client.createHeap({ size: 0 })), { code: 'validation-error', status: 400, issues: [{ in: 'body', path: '/size' }] })
  t.match(await rejection(client.layout(heap.id, { buckets: 0 })), { code: 'validation-error', issues: [{ in: 'querystring', path: '/buckets' }] })
  t.match(await rejection(client.batch(heap.id, [{ op: 'alloc', size: 16 }, { op: 'free', ptr: 999 }], { atomic: true })),
    { code: 'block-not-found', index: 1 })
  t.equal((await client.stats(heap.id)).liveBlocks, 1, 'the refused atomic batch changed nothing')
  t.match(await rejection(client.getHeap('no-such-heap')), { code: 'heap-not-found', status: 404 })
})

t.test('API keys: without one a 401 unauthorized; with one the tenant\'s heaps', async (t) => {
  const guarded = await startServer(t, { HEAPD_API_KEYS: 'secret-key-1:alice' })
  t.match(await rejection(new HeapdClient({ baseUrl: guarded.url }).listHeaps()), { code: 'unauthorized', status: 401 })
  t.match(await rejection(new HeapdClient({ baseUrl: guarded.url, apiKey: 'wrong-key-1' }).listHeaps()), { code: 'unauthorized' })
  const alice = new HeapdClient({ baseUrl: guarded.url, apiKey: 'secret-key-1' })
  const heap = await alice.createHeap({ size: 4096 })
  t.same((await alice.listHeaps()).items.map((item) => item.id), [heap.id])
})

interface Seen { method: string, url: string, key: string | undefined }

/**
 * A proxy in front of the service that lets `fault` answer a request itself (503, stall) or pass
 * it on; it records every request it sees.
 */
async function faultyProxy (t: Test, fault: (seen: Seen, index: number, res: ServerResponse) => boolean) {
  const seen: Seen[] = []
  const held: ServerResponse[] = []
  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    const request = { method: req.method!, url: req.url!, key: req.headers['idempotency-key'] as string | undefined }
    seen.push(request)
    if (fault(request, seen.length - 1, res)) {
      if (!res.writableEnded) held.push(res)
      return
    }
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'connection')) as Record<string, string>
      fetch(server.url + req.url, { method: req.method!, headers, ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}) })
        .then(async (answer) => {
          res.writeHead(answer.status, Object.fromEntries([...answer.headers].filter(([name]) => name !== 'content-length' && name !== 'transfer-encoding')))
          res.end(Buffer.from(await answer.arrayBuffer()))
        })
        .catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const res of held) res.destroy()
    proxy.closeAllConnections()
    proxy.close()
  })
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, seen }
}

function unavailable (res: ServerResponse, retryAfter = '0'): true {
  res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': retryAfter })
  res.end(JSON.stringify({ type: 'https://heapd.dev/problems/unavailable', title: 'Unavailable', status: 503, detail: 'the store cannot be reached; nothing changed', instance: '/' }))
  return true
}

t.test('a 503 is tried again with the same Idempotency-Key, and the change applies once', async (t) => {
  const proxy = await faultyProxy(t, (_seen, index, res) => index === 0 && unavailable(res))
  const heap = await new HeapdClient({ baseUrl: proxy.url }).createHeap({ size: 4096, name: 'retried' })
  t.equal(proxy.seen.length, 2)
  t.type(proxy.seen[0]!.key, 'string')
  t.equal(proxy.seen[1]!.key, proxy.seen[0]!.key, 'the retry carries the first attempt\'s key')
  t.same((await client.getHeap(heap.id)).name, 'retried')

  const second = await new HeapdClient({ baseUrl: proxy.url }).alloc(heap.id, { size: 16 })
  t.equal(second.ptr, 0)
  t.not(proxy.seen[2]!.key, proxy.seen[0]!.key, 'each change has a key of its own')
  const keyed = await new HeapdClient({ baseUrl: proxy.url }).free(heap.id, 0, { idempotencyKey: 'my-own-key' })
  t.equal(keyed, undefined)
  t.equal(proxy.seen.at(-1)!.key, 'my-own-key')
  t.ok(proxy.seen.filter((request) => request.method === 'GET').every((request) => request.key === undefined), 'reads carry no key')
})

t.test('a proxy\'s 502 and 504 are tried again with the same key: the change applies once', async (t) => {
  const gateway = (res: ServerResponse, status: number): true => {
    res.writeHead(status, { 'content-type': 'application/problem+json' })
    res.end(JSON.stringify({ type: 'about:blank', title: 'Bad gateway', status }))
    return true
  }
  // The first attempt reaches the service and is applied; the proxy loses the answer.
  const proxy = await faultyProxy(t, (_seen, index, res) => index === 0 ? gateway(res, 504) : index === 1 && gateway(res, 502))
  const heap = await new HeapdClient({ baseUrl: proxy.url, retries: 3 }).createHeap({ size: 4096, name: 'behind-a-gateway' })
  t.equal(proxy.seen.length, 3)
  t.equal(new Set(proxy.seen.map((request) => request.key)).size, 1, 'one key throughout')
  t.equal((await client.getHeap(heap.id)).name, 'behind-a-gateway')
})

t.test('a 409 idempotency-key-in-flight is tried again with the same key; another 409 is not', async (t) => {
  const inFlight = (res: ServerResponse): true => {
    res.writeHead(409, { 'content-type': 'application/problem+json' })
    res.end(JSON.stringify({ type: 'https://heapd.dev/problems/idempotency-key-in-flight', title: 'In flight', status: 409, detail: 'the first request with this key has not finished', instance: '/' }))
    return true
  }
  const proxy = await faultyProxy(t, (_seen, index, res) => index === 0 && inFlight(res))
  const heap = await new HeapdClient({ baseUrl: proxy.url }).createHeap({ size: 64 })
  t.match(heap, { size: 64 })
  t.equal(proxy.seen.length, 2)
  t.equal(proxy.seen[1]!.key, proxy.seen[0]!.key, 'the retry carries the first attempt\'s key')

  const full = await new HeapdClient({ baseUrl: proxy.url }).createHeap({ size: 64 })
  await new HeapdClient({ baseUrl: proxy.url }).alloc(full.id, { size: 64 })
  const before = proxy.seen.length
  t.match(await rejection(new HeapdClient({ baseUrl: proxy.url }).alloc(full.id, { size: 64 })), { code: 'out-of-memory', status: 409 })
  t.equal(proxy.seen.length, before + 1, 'an out-of-memory 409 is final: no retry')
})

t.test('when every attempt is a 503, the last problem is thrown with its Retry-After', async (t) => {
  const proxy = await faultyProxy(t, (_seen, _index, res) => unavailable(res, '0'))
  const error = await rejection(new HeapdClient({ baseUrl: proxy.url, retries: 3 }).createHeap({ size: 64 }))
  t.match(error, { code: 'unavailable', status: 503, retryAfter: 0 })
  t.equal(proxy.seen.length, 4, 'the first attempt and three retries')
  t.equal(new Set(proxy.seen.map((request) => request.key)).size, 1, 'one key throughout')
})

t.test('an attempt that times out is tried again with the same key', async (t) => {
  const proxy = await faultyProxy(t, (_seen, index) => index === 0) // the first request never gets an answer
  const heap = await new HeapdClient({ baseUrl: proxy.url, timeoutMs: 300 }).createHeap({ size: 64 })
  t.match(heap, { size: 64 })
  t.equal(proxy.seen.length, 2)
  t.equal(proxy.seen[1]!.key, proxy.seen[0]!.key)

  const stalled = await faultyProxy(t, () => true)
  const error = await rejection(new HeapdClient({ baseUrl: stalled.url, timeoutMs: 100, retries: 1 }).stats(heap.id))
  t.ok(error instanceof HeapdTimeoutError)
  t.match(error, { code: 'timeout', timeoutMs: 100 })
  t.equal(stalled.seen.length, 2)
})

t.test('the caller\'s AbortSignal cancels the call at once, without retrying', async (t) => {
  const stalled = await faultyProxy(t, () => true)
  const controller = new AbortController()
  const call = new HeapdClient({ baseUrl: stalled.url, timeoutMs: 10_000 }).alloc('any', { size: 1 }, { signal: controller.signal })
  while (stalled.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10))
  controller.abort()
  t.match(await rejection(call), { name: 'AbortError' })
  t.equal(stalled.seen.length, 1)

  const reason = new Error('gave up')
  t.equal(await rejection(client.stats('any', { signal: AbortSignal.abort(reason) })), reason, 'an aborted signal: nothing is sent')
})

t.test('no server: a HeapdConnectionError after the retries', async (t) => {
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const error = await rejection(new HeapdClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 1 }).listHeaps())
  t.ok(error instanceof HeapdConnectionError)
  t.match(error, { code: 'connection-failed', message: /ECONNREFUSED/ })
})

t.test('an error answer that is not problem+json is an unexpected-response HeapdError', async (t) => {
  const proxy = await faultyProxy(t, (_seen, _index, res) => {
    res.writeHead(502, { 'content-type': 'text/html' })
    res.end('<h1>Bad gateway</h1>')
    return true
  })
  t.match(await rejection(new HeapdClient({ baseUrl: proxy.url }).listHeaps()),
    { code: 'unexpected-response', status: 502, detail: /Bad gateway/ })
})
