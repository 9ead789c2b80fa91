/** Blocks: allocate, list, read, resize (realloc), free. */
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { BlockParams, HeapParams } from '../schemas/common.js'
import { allocBody, Block, BlockList, blockListQuery, ReallocBody, ReallocResult } from '../schemas/block.js'
import { pageSize } from '../schemas/page.js'
import { problemResponses, success } from '../schemas/problem.js'
import { blockPath, nextCursor } from '../representations.js'
import { answer, holdKey } from '../idempotency.js'
import type { RouteOptions } from './options.js'

export const blockRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { registry, config }) => {
  const { maxPageSize, defaultPageSize, maxTagLength } = config.limits
  const onRequest = holdKey(registry)

  app.post('/heaps/:id/alloc', {
    schema: {
      operationId: 'allocBlock',
      tags: ['blocks'],
      summary: 'Allocate a block',
      description: 'Reserves `size` bytes and answers the block\'s pointer (its offset in the heap), aligned to ' +
        'max(align, the heap\'s alignment). 409 out-of-memory when no free range fits, with `reason` ' +
        '`full` (not enough free bytes) or `fragmented` (enough in total, not contiguous).',
      params: HeapParams,
      body: allocBody(maxTagLength),
      response: {
        201: success('The new block; Location names it.', Block),
        ...problemResponses(400, 404, 409, 413, 415, 422, 429)
      }
    },
    onRequest
  }, async (request, reply) => {
    const { size, align, tag } = request.body
    return answer(registry, request, reply, () => registry.get(request.params.id, request.tenant).alloc(size, align, tag),
      (block) => ({ status: 201, location: blockPath(request.params.id, block.ptr), body: block }))
  })

  app.get('/heaps/:id/blocks', {
    schema: {
      operationId: 'listBlocks',
      tags: ['blocks'],
      summary: 'List live blocks',
      description: 'Live blocks in address order, a page at a time. Follow `nextCursor` until it is null.',
      params: HeapParams,
      querystring: blockListQuery(maxPageSize, defaultPageSize),
      response: {
        200: success('A page of live blocks.', BlockList),
        ...problemResponses(400, 404, 429)
      }
    }
  }, async (request) => {
    const page = registry.get(request.params.id, request.tenant).blocks(request.query.cursor ?? 0, pageSize(request.query.limit, config.limits))
    return { items: page.items, nextCursor: nextCursor(page.next) }
  })

  app.get('/heaps/:id/blocks/:ptr', {
    schema: {
      operationId: 'getBlock',
      tags: ['blocks'],
      summary: 'Get a block',
      description: 'The live block starting at `ptr`. 404 block-not-found with `reason`: `out-of-bounds`, ' +
        '`free` (in free space) or `interior` (inside a block, not at its start).',
      params: BlockParams,
      response: {
        200: success('The block.', Block),
        ...problemResponses(400, 404)
      }
    }
  }, async (request) => registry.get(request.params.id, request.tenant).block(request.params.ptr))

  app.patch('/heaps/:id/blocks/:ptr', {
    schema: {
      operationId: 'reallocBlock',
      tags: ['blocks'],
      summary: 'Resize a block (realloc)',
      description: 'Resizes the block in place when it can, otherwise moves it; `moved` says which. ' +
        'On failure the block is unchanged.',
      params: BlockParams,
      body: ReallocBody,
      response: {
        200: success('The block after the resize.', ReallocResult),
        ...problemResponses(400, 404, 409, 413, 415, 422)
      }
    },
    onRequest
  }, async (request, reply) => {
    return answer(registry, request, reply, () => registry.get(request.params.id, request.tenant).realloc(request.params.ptr, request.body.size),
      (block) => ({ status: 200, ...(block.moved ? { location: blockPath(request.params.id, block.ptr) } : {}), body: block }))
  })

  app.delete('/heaps/:id/blocks/:ptr', {
    schema: {
      operationId: 'freeBlock',
      tags: ['blocks'],
      summary: 'Free a block',
      description: 'Frees the block starting at `ptr`; its range merges with free neighbours. ' +
        'A second free of the same pointer answers 404 block-not-found with reason `free`.',
      params: BlockParams,
      response: {
        204: z.undefined().describe('Freed.'),
        ...problemResponses(400, 404, 409, 422)
      }
    },
    onRequest
  }, async (request, reply) => {
    return answer(registry, request, reply, () => registry.get(request.params.id, request.tenant).free(request.params.ptr), () => ({ status: 204 }))
  })
}
