/**
 * The one-line request log on its own: the line it writes for a completed and for an errored
 * response, the debug line on arrival, and no line at all when request logging is disabled.
 */
import t from 'tap'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { OneLineRequestLog } from '../../src/http/request-log.js'

interface Line { level: string, fields: Record<string, unknown>, message: string }

function fakes (): { request: FastifyRequest, reply: FastifyReply, lines: Line[] } {
  const lines: Line[] = []
  const log = Object.fromEntries(['debug', 'info', 'error'].map((level) => [level, (fields: Record<string, unknown>, message: string) => { lines.push({ level, fields, message }) }]))
  const request = { log } as unknown as FastifyRequest
  const reply = { log, elapsedTime: 1.5, statusCode: 201 } as unknown as FastifyReply
  return { request, reply, lines }
}

t.test('a completed request is one info line with the request, the reply and the time', async t => {
  const { request, reply, lines } = fakes()
  const log = new OneLineRequestLog()
  log.incomingRequest(request)
  log.requestCompleted(null, request, reply)
  t.same(lines.map((line) => [line.level, line.message]), [['debug', 'incoming request'], ['info', 'request completed']])
  t.equal(lines[1]!.fields.req, request)
  t.equal(lines[1]!.fields.res, reply)
  t.equal(lines[1]!.fields.responseTime, 1.5)
})

t.test('a response that failed on the wire is logged at error with its cause', async t => {
  const { request, reply, lines } = fakes()
  const cause = new Error('socket hang up')
  new OneLineRequestLog().requestCompleted(cause, request, reply)
  t.equal(lines.length, 1)
  t.equal(lines[0]!.level, 'error')
  t.equal(lines[0]!.message, 'request errored')
  t.equal(lines[0]!.fields.err, cause)
})

t.test('with request logging disabled no line is written', async t => {
  const { request, reply, lines } = fakes()
  const log = new OneLineRequestLog({ disableRequestLogging: true })
  log.incomingRequest(request)
  log.requestCompleted(null, request, reply)
  log.requestCompleted(new Error('x'), request, reply)
  t.same(lines, [])
})
