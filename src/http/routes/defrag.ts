/**
 * Defragmentation plans (docs/defrag.md): make one, read it, commit it once the client has copied
 * the bytes, or abort it. The plan's logic lives in the registry (registry/defrag.ts).
 */
import { z } from 'zod'
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod'
import type { CommitResult, Plan as PlanData } from '../../registry/defrag.js'
import { HeapParams } from '../schemas/common.js'
import { CommitBody, CommitResult as CommitResultSchema, createPlanBody, Plan, PlanParams } from '../schemas/defrag.js'
import { problemResponses, success } from '../schemas/problem.js'
import { answer, holdKey } from '../idempotency.js'
import type { RouteOptions } from './options.js'

export const defragRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { registry, config }) => {
  const onRequest = holdKey(registry)

  // Plan and commit take optional bodies: a client may send none, an empty one under
  // Content-Type: application/json (which Fastify's JSON parser refuses alone), or `{}`.
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined)
    else json(request, body as string, done)
  })
  const routes = app.withTypeProvider<ZodTypeProvider>()

  routes.post('/heaps/:id/defrag', {
    schema: {
      operationId: 'createDefragPlan',
      tags: ['defrag'],
      summary: 'Plan a defragmentation',
      description: 'Plans block moves that win back contiguous free space, and opens the plan: each destination is reserved ' +
        '(no alloc, realloc or other plan can take it) and each moving block pinned (its free or realloc answers 409 block-moving) ' +
        'until the plan is committed, aborted or expires. Copy `size` bytes from `ptr` to `newPtr` for each move in your own ' +
        'resource, then commit. An empty plan (nothing worth moving) is a valid answer. One open plan per heap: 409 ' +
        'defrag-in-progress otherwise; 409 out-of-memory when no plan can make the `hole` asked for. The body may be absent.',
      params: HeapParams,
      body: createPlanBody(config.maxDefragTtl),
      response: {
        201: success('The open plan; Location names it.', Plan),
        ...problemResponses(400, 404, 409, 413, 415, 422)
      }
    },
    onRequest
  }, async (request, reply) => {
    const { ttl, ...options } = request.body ?? {}
    return answer(registry, request, reply, () => registry.get(request.params.id, request.tenant).planDefrag({ ...options, ...(ttl !== undefined ? { ttl } : {}) }),
      (plan) => ({ status: 201, location: planPath(request.params.id, plan.id), body: planJson(plan) }))
  })

  routes.get('/heaps/:id/defrag/:planId', {
    schema: {
      operationId: 'getDefragPlan',
      tags: ['defrag'],
      summary: 'Read a defragmentation plan',
      description: 'The plan, open or committed (then with its `result`, until `expiresAt`). 410 plan-expired once an open plan ' +
        'passed its `expiresAt`; 404 plan-not-found for an aborted or unknown plan.',
      params: PlanParams,
      response: {
        200: success('The plan.', Plan),
        ...problemResponses(400, 404, 410)
      }
    }
  }, async (request) => planJson(registry.get(request.params.id, request.tenant).defragPlan(request.params.planId)))

  routes.post('/heaps/:id/defrag/:planId/commit', {
    schema: {
      operationId: 'commitDefragPlan',
      tags: ['defrag'],
      summary: 'Commit a defragmentation plan',
      description: 'Call once every copy is made: each block moves to its `newPtr` with its tag and alignment, its old range ' +
        'becomes free, and the moves listed in `skipped` are released instead. A second commit answers the same result. ' +
        '410 plan-expired after `expiresAt`. The body may be absent.',
      params: PlanParams,
      body: CommitBody,
      response: {
        200: success('The moves applied and skipped, and the heap\'s statistics after them.', CommitResultSchema),
        ...problemResponses(400, 404, 409, 410, 413, 415, 422)
      }
    },
    onRequest
  }, async (request, reply) => {
    const { id, planId } = request.params
    return answer(registry, request, reply, () => registry.get(id, request.tenant).commitDefrag(planId, request.body?.skipped),
      (result: CommitResult) => ({ status: 200, body: result }))
  })

  routes.delete('/heaps/:id/defrag/:planId', {
    schema: {
      operationId: 'abortDefragPlan',
      tags: ['defrag'],
      summary: 'Abort a defragmentation plan',
      description: 'Releases the plan\'s reservations and pins: nothing moves. 409 plan-committed for a committed plan, ' +
        '410 plan-expired once it passed its `expiresAt`.',
      params: PlanParams,
      response: {
        204: z.undefined().describe('Aborted.'),
        ...problemResponses(400, 404, 409, 410, 422)
      }
    },
    onRequest
  }, async (request, reply) => {
    const { id, planId } = request.params
    return answer(registry, request, reply, () => registry.get(id, request.tenant).abortDefrag(planId), () => ({ status: 204 }))
  })
}

export function planPath (heapId: string, planId: string): string {
  return `/heaps/${heapId}/defrag/${planId}`
}

/** A plan as clients see it. */
export function planJson (plan: PlanData) {
  const { id, goal, expiresAt, moves, bytesMoved, before, after, committed } = plan
  return {
    id,
    goal,
    state: committed === undefined ? 'open' as const : 'committed' as const,
    expiresAt: new Date(expiresAt).toISOString(),
    moves,
    bytesMoved,
    before,
    after,
    ...(committed !== undefined ? { result: committed } : {})
  }
}
