/**
 * The yardstick of `npm run bench:http`: a bare Fastify 5 app with one POST route that takes the
 * alloc body ({size}), validates it with a JSON schema and answers a small JSON 201 with a
 * Location, like POST /heaps/:id/alloc does, but with no allocator, registry or zod behind it.
 */
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import { pathToFileURL } from 'node:url'

export async function buildBareApp (): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  let next = 0
  app.post('/alloc', {
    schema: {
      body: {
        type: 'object',
        properties: { size: { type: 'integer', minimum: 1 } },
        required: ['size'],
        additionalProperties: false
      }
    }
  }, async (request, reply) => {
    const { size } = request.body as { size: number }
    const ptr = next
    next += size
    return reply.code(201).header('location', `/alloc/${ptr}`).send({ ptr, size })
  })
  return app
}

/**
 * The yardstick of `npm run bench:load`: bare Fastify 5 routes answering the load
 * mix (alloc, free, stats) with JSON-schema validation and replies shaped like heapd's, over a
 * bump pointer per heap and no allocator, logging, metrics or security headers. What p50 and p99
 * this machine allows for that traffic before heapd adds anything.
 */
export async function buildBareLoadApp (): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  const heaps = new Map<string, { next: number, live: number }>()
  const heapOf = (id: string) => {
    const heap = heaps.get(id)
    if (heap === undefined) throw Object.assign(new Error('no such heap'), { statusCode: 404 })
    return heap
  }
  const id = { type: 'string', minLength: 1, maxLength: 64 }
  app.get('/readyz', async () => ({ status: 'ready' }))
  app.post('/heaps', {
    schema: { body: { type: 'object', properties: { size: { type: 'integer', minimum: 1 }, name: { type: 'string' } }, required: ['size'], additionalProperties: false } }
  }, async (_request, reply) => {
    const heapId = `h${heaps.size}`
    heaps.set(heapId, { next: 0, live: 0 })
    return reply.code(201).header('location', `/heaps/${heapId}`).send({ id: heapId })
  })
  app.post('/heaps/:id/reset', { schema: { params: { type: 'object', properties: { id }, required: ['id'] } } }, async (request) => {
    const heap = heapOf((request.params as { id: string }).id)
    heap.live = 0
    return { liveBlocks: 0 }
  })
  app.post('/heaps/:id/alloc', {
    schema: {
      params: { type: 'object', properties: { id }, required: ['id'] },
      body: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } }, required: ['size'], additionalProperties: false }
    }
  }, async (request, reply) => {
    const heapId = (request.params as { id: string }).id
    const heap = heapOf(heapId)
    const { size } = request.body as { size: number }
    const ptr = heap.next
    heap.next += size
    heap.live++
    return reply.code(201).header('location', `/heaps/${heapId}/blocks/${ptr}`).send({ ptr, size })
  })
  app.delete('/heaps/:id/blocks/:ptr', {
    schema: { params: { type: 'object', properties: { id, ptr: { type: 'string', pattern: '^(0|[1-9][0-9]*)$' } }, required: ['id', 'ptr'] } }
  }, async (request, reply) => {
    heapOf((request.params as { id: string }).id).live--
    return reply.code(204).send()
  })
  app.get('/heaps/:id/stats', { schema: { params: { type: 'object', properties: { id }, required: ['id'] } } }, async (request) => {
    const heap = heapOf((request.params as { id: string }).id)
    return { liveBlocks: heap.live, used: heap.next, allocs: heap.live, frees: 0 }
  })
  return app
}

// Run as a server (`node --import tsx bench/bare-app.ts`, PORT and HOST from the environment): the
// load benchmark's baseline runs in a child process like heapd's server.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await buildBareLoadApp()
  await app.listen({ port: Number(process.env.PORT ?? 3001), host: process.env.HOST ?? '127.0.0.1' })
  process.once('SIGTERM', () => { app.close().then(() => process.exit(0)) })
}
