/**
 * One log line per request at info: Fastify's "request completed" line carrying the request too
 * (method, URL, client) beside the status and time. The "incoming request" line moves to debug, for
 * following a request that has not finished yet.
 *
 * Fastify calls requestCompleted once for every answered request (after the onResponse hooks, in
 * the same tick), so the request metrics count there too (onCompleted) instead of in an onResponse
 * hook of their own: a hook runner per request was a measurable part of a small request's cost.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/** Told of every answered request, with the time it took in milliseconds. */
export type CompletedListener = (request: FastifyRequest, reply: FastifyReply, elapsedMs: number) => void

export class OneLineRequestLog extends LogController {
  private completed: CompletedListener | undefined

  /** Calls `listener` for every answered request, logged or not (one listener: the metrics). */
  onCompleted (listener: CompletedListener): void {
    this.completed = listener
  }

  override incomingRequest (request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const responseTime = reply.elapsedTime
    if (this.completed !== undefined) this.completed(request, reply, responseTime)
    if (this.isLogDisabled(request)) return
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored')
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed')
  }
}
