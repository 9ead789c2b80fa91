/**
 * One log line per request at info: Fastify's "request completed" line carrying the request too
 * (method, URL, client) beside the status and time. The "incoming request" line moves to debug, for
 * following a request that has not finished yet.
 */
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

export class OneLineRequestLog extends LogController {
  override incomingRequest (request: FastifyRequest): void {
    if (this.isLogDisabled(request)) return
    request.log.debug({ req: request }, 'incoming request')
  }

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    const responseTime = reply.elapsedTime
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored')
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed')
  }
}
