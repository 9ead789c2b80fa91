/** Heaps: create, list, read, delete, reset. */
import { z } from 'zod'
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import { HeapParams } from '../schemas/common.js'
import { CreateHeapBody, Heap, HeapList, heapListQuery } from '../schemas/heap.js'
import { pageSize } from '../schemas/page.js'
import { problemResponses, success } from '../schemas/problem.js'
import { heapJson, summaryView, heapPath, nextCursor } from '../representations.js'
import { answer, holdKey } from '../idempotency.js'
import type { RouteOptions } from './options.js'

export const heapRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { registry, config }) => {
  const { maxPageSize, defaultPageSize } = config.limits
  const onRequest = holdKey(registry)

  app.post('/heaps', {
    schema: {
      operationId: 'createHeap',
      tags: ['heaps'],
      summary: 'Create a heap',
      description: 'Creates an empty heap: the address range [0, size), managed by the chosen strategy. ' +
        'Answers the heap with a Location header naming it. The heap ID is unguessable (128 random bits).',
      body: CreateHeapBody,
      response: {
        201: success('The new heap; Location names it.', Heap),
        ...problemResponses(400, 409, 413, 415, 422, 429)
      }
    },
    onRequest
  }, async (request, reply) => {
    return answer(registry, request, reply, () => registry.create({ ...request.body, tenant: request.tenant }),
      (heap) => ({ status: 201, location: heapPath(heap.id), body: heapJson(heap, registry.expiresAt(heap)) }))
  })

  app.get('/heaps', {
    schema: {
      operationId: 'listHeaps',
      tags: ['heaps'],
      summary: 'List heaps',
      description: 'Heaps in creation order, a page at a time. Follow `nextCursor` until it is null; ' +
        'cursors stay valid when heaps are deleted.',
      querystring: heapListQuery(maxPageSize, defaultPageSize),
      response: {
        200: success('A page of heaps.', HeapList),
        ...problemResponses(400, 429)
      }
    }
  }, async (request) => {
    const from = request.query.cursor ?? 0
    const limit = pageSize(request.query.limit, config.limits)
    if (app.shared !== undefined) {
      // Every instance's heaps: the database lists them.
      const page = await app.shared.list(request.tenant, from, limit)
      return { items: page.items.map((summary) => heapJson(summaryView(summary))), nextCursor: nextCursor(page.next) }
    }
    const page = registry.list(from, limit, request.tenant)
    return { items: page.items.map((heap) => heapJson(heap, registry.expiresAt(heap))), nextCursor: nextCursor(page.next) }
  })

  app.get('/heaps/:id', {
    schema: {
      operationId: 'getHeap',
      tags: ['heaps'],
      summary: 'Get a heap',
      description: 'The heap\'s settings and current statistics.',
      params: HeapParams,
      response: {
        200: success('The heap with its statistics.', Heap),
        ...problemResponses(404)
      }
    }
  }, async (request) => {
    const heap = registry.get(request.params.id, request.tenant)
    return heapJson(heap, registry.expiresAt(heap))
  })

  app.delete('/heaps/:id', {
    schema: {
      operationId: 'deleteHeap',
      tags: ['heaps'],
      summary: 'Delete a heap',
      description: 'Deletes the heap and every block in it. Its ID is never reused.',
      params: HeapParams,
      response: {
        204: z.undefined().describe('Deleted.'),
        ...problemResponses(404)
      }
    }
  }, async (request, reply) => {
    const remove = (): void => registry.delete(request.params.id, request.tenant)
    if (app.shared !== undefined) await app.shared.run(request.params.id, { compute: remove })
    else remove()
    return reply.code(204).send()
  })

  // Reset takes no options: a client may send no body, an empty one under Content-Type:
  // application/json (which Fastify's JSON parser refuses alone), or `{}`.
  app.register(async (scope) => {
    const json = scope.getDefaultJsonParser('error', 'error')
    scope.removeContentTypeParser('application/json')
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      if (body === '') done(null, undefined)
      else json(request, body as string, done)
    })

    scope.withTypeProvider<ZodTypeProvider>().post('/heaps/:id/reset', {
      schema: {
        operationId: 'resetHeap',
        tags: ['heaps'],
        summary: 'Free every block',
        description: 'Frees every block at once. Counters (allocs, frees, peaks) are kept. Answers the heap. ' +
          'The body may be absent, empty or `{}`.',
        params: HeapParams,
        body: z.strictObject({}).nullish(),
        response: {
          200: success('The heap, now empty.', Heap),
          ...problemResponses(400, 404, 409, 422)
        }
      },
      onRequest
    }, async (request, reply) => {
      return answer(registry, request, reply, () => {
        const heap = registry.get(request.params.id, request.tenant)
        heap.reset()
        return heap
      }, (heap) => ({ status: 200, body: heapJson(heap, registry.expiresAt(heap)) }))
    })
  })
}
