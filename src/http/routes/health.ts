/** Liveness and readiness for orchestrators. */
import { z } from 'zod'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { notReadyResponse, success } from '../schemas/problem.js'
import { problem } from '../problems.js'
import { sendProblem } from '../errors.js'

/** Seconds a balancer may wait before asking a store that failed again. */
const STORE_RETRY_AFTER = 1

export interface HealthOptions {
  /** True once the app has begun closing: it should get no new traffic. */
  isClosing: () => boolean
  /** False while the store cannot commit changes (a full disk); asking may let it try again. */
  isStoreReady?: () => boolean
}

export const healthRoutes: FastifyPluginAsyncZod<HealthOptions> = async (app, { isClosing, isStoreReady = () => true }) => {
  app.get('/healthz', {
    schema: {
      operationId: 'healthz',
      tags: ['health'],
      summary: 'Liveness',
      description: 'Answers 200 while the process serves requests.',
      response: { 200: success('Alive.', z.object({ status: z.literal('ok') })) }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    schema: {
      operationId: 'readyz',
      tags: ['health'],
      summary: 'Readiness',
      description: 'Answers 200 when the service takes traffic; 503 not-ready once it is shutting down, 503 unavailable while the store cannot commit changes.',
      response: {
        200: success('Ready for traffic.', z.object({ status: z.literal('ready') })),
        503: notReadyResponse
      }
    }
  }, async (request, reply) => {
    if (isClosing()) return sendProblem(reply, problem('not-ready', 'the service is shutting down', request.url))
    if (!isStoreReady()) {
      reply.header('retry-after', String(STORE_RETRY_AFTER))
      return sendProblem(reply, problem('unavailable', 'the store cannot commit changes (see the server log); the service recovers by itself when it can', request.url))
    }
    return { status: 'ready' as const }
  })
}
