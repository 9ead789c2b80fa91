/** What a heap looks like: its statistics, its segments, its occupancy per bucket. */
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { HeapParams } from '../schemas/common.js'
import { Layout, layoutQuery, Occupancy } from '../schemas/layout.js'
import { pageSize } from '../schemas/page.js'
import { problemResponses, success } from '../schemas/problem.js'
import { Stats } from '../schemas/stats.js'
import { nextCursor } from '../representations.js'
import { ProblemError } from '../problems.js'
import type { RouteOptions } from './options.js'

export const layoutRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { registry, config }) => {
  const { maxPageSize, defaultPageSize } = config.limits

  app.get('/heaps/:id/stats', {
    schema: {
      operationId: 'getStats',
      tags: ['layout'],
      summary: 'Heap statistics',
      description: 'Used and free bytes, the largest free range, fragmentation (1 - largestFree / free), ' +
        'Sawicki\'s metric, live blocks, free ranges, peaks and counters. O(1).',
      params: HeapParams,
      response: {
        200: success('The heap\'s statistics.', Stats),
        ...problemResponses(404)
      }
    }
  }, async (request) => registry.get(request.params.id, request.tenant).stats())

  app.get('/heaps/:id/layout', {
    schema: {
      operationId: 'getLayout',
      tags: ['layout'],
      summary: 'Heap layout',
      description: 'Without `buckets`: used and free segments in address order, tiling [0, size), a page at a time ' +
        '(the cursor is an offset, so pages stay consistent while the heap changes). ' +
        'With `buckets=N`: used bytes in each of N equal-width buckets of [from, to), for a heap of any size; ' +
        'narrow `from` and `to` to zoom in.',
      params: HeapParams,
      querystring: layoutQuery(maxPageSize, defaultPageSize),
      response: {
        200: success('A page of segments (Layout), or with `buckets` the occupancy (Occupancy).', z.union([Layout, Occupancy])),
        ...problemResponses(400, 404, 429)
      }
    }
  }, async (request) => {
    const heap = registry.get(request.params.id, request.tenant)
    const { buckets, from, to, cursor, limit } = request.query
    if (buckets === undefined) {
      const page = heap.segments(cursor ?? 0, pageSize(limit, config.limits))
      return { items: page.items, nextCursor: nextCursor(page.next) }
    }
    const start = from ?? 0
    const end = to ?? heap.size
    if (end > heap.size || start >= end) {
      throw new ProblemError('validation-error', `[${start}, ${end}) is not a non-empty range within the heap [0, ${heap.size})`, {
        issues: [{ in: 'querystring', path: end > heap.size ? '/to' : '/from', message: `must lie within [0, ${heap.size}] with from < to` }]
      })
    }
    return heap.occupancy(buckets, start, end)
  })
}
