/**
 * The app's single error handler and not-found handler: every error leaves as problem+json.
 * Client mistakes answer their problem; anything else is a bug, logged with the request and
 * answered with a generic 500 that reveals nothing of the internals.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { StoreUnavailableError } from '../registry/store/errors.js'
import { problem, PROBLEM_CONTENT_TYPE, toProblem } from './problems.js'
import type { ProblemBody } from './schemas/problem.js'

export function sendProblem (reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body)
}

export function installErrorHandling (app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const body = toProblem(error, request.url, { bodyLimit: request.routeOptions.bodyLimit })
    if (body !== undefined) {
      if (body.status >= 500) request.log.error({ err: error }, 'request failed')
      if (error instanceof StoreUnavailableError) reply.header('retry-after', String(error.retryAfter))
      return sendProblem(reply, body)
    }
    request.log.error({ err: error }, 'unexpected error')
    return sendProblem(reply, problem('internal-error', 'an unexpected error occurred; it has been logged', request.url, {
      requestId: String(request.id)
    }))
  })

  app.setNotFoundHandler((request, reply) => {
    return sendProblem(reply, problem('not-found', `no route for ${request.method} ${request.url.split('?')[0]}`, request.url))
  })
}
