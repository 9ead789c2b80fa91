/** Many allocs, frees and reallocs in one request, optionally all-or-nothing. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { QuotaExceededError } from '../../registry/errors.js'
import { batchBody, BatchResponse } from '../schemas/batch.js'
import { HeapParams } from '../schemas/common.js'
import { problemResponses, success } from '../schemas/problem.js'
import { toProblem } from '../problems.js'
import { batchAnswerJson } from '../batch-json.js'
import { answer, holdKey } from '../idempotency.js'
import type { RouteOptions } from './options.js'

export const batchRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { registry, config }) => {
  const { maxBatchOps, maxTagLength } = config.limits

  app.post('/heaps/:id/batch', {
    schema: {
      operationId: 'runBatch',
      tags: ['batch'],
      summary: 'Run many ops in one request',
      description: `Runs up to ${maxBatchOps} alloc, free and realloc ops in order and answers one result per op. ` +
        'Without `atomic`, each op succeeds or fails on its own (`ok: false` carries its problem). ' +
        'With `"atomic": true`, the first failing op answers its problem with its `index` and the heap is left exactly as before.',
      params: HeapParams,
      body: batchBody(maxTagLength),
      response: {
        200: success('One result per op, in order (also when some failed, unless atomic).', BatchResponse),
        ...problemResponses(400, 404, 409, 413, 415, 422, 429)
      }
    },
    onRequest: holdKey(registry),
    // The 200 answer has its own writer (batch-json.ts); problems stay with the app's.
    serializerCompiler: ({ httpStatus }) => httpStatus === '200'
      ? (data) => batchAnswerJson(data as Parameters<typeof batchAnswerJson>[0])
      : (data) => JSON.stringify(data),
    // Refuse an oversized batch before validating thousands of ops.
    preValidation: async (request) => {
      const ops = (request.body as { ops?: unknown } | null)?.ops
      if (Array.isArray(ops) && ops.length > maxBatchOps) {
        throw new QuotaExceededError('maxBatchOps', maxBatchOps, `the batch has ${ops.length} ops`)
      }
    }
  }, async (request, reply) => {
    return answer(registry, request, reply, () => registry.get(request.params.id, request.tenant).batch(request.body.ops, request.body.atomic === true),
      (results) => ({
        status: 200,
        json: batchAnswerJson,
        body: {
          results: results.map((result) => {
            if (result.ok) return result
            app.countAllocFailure(result.error)
            const problem = toProblem(result.error, request.url)
            if (problem === undefined) throw result.error
            return { ok: false as const, op: result.op, error: problem }
          })
        }
      }))
  })
}
