/**
 * Answers to requests Node's HTTP parser refuses before Fastify sees them (Fastify's
 * clientErrorHandler): not HTTP at all or ambiguous (two Content-Length headers), 400; headers
 * over the server's limit, 431; a request not received within the request timeout, 408. The same
 * statuses Fastify sends, with a problem+json body; the connection is closed after it, since
 * what follows on it cannot be trusted to start a request.
 */
import { maxHeaderSize, STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { problem, PROBLEM_CONTENT_TYPE, type ProblemCode } from './problems.js'

/** The problem for a parser error, or undefined when nothing is to be answered (the peer left). */
export function clientErrorProblem (error: NodeJS.ErrnoException, requestTimeout: number) {
  if (error.code === 'ECONNRESET') return undefined
  let code: ProblemCode = 'validation-error'
  let detail = 'the request is not a valid HTTP request'
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    code = 'request-timeout'
    detail = `the request was not received within ${requestTimeout} ms`
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    code = 'headers-too-large'
    detail = `the request line and headers are larger than the ${maxHeaderSize} bytes the server accepts`
  } else if (typeof error.code === 'string' && error.code.startsWith('HPE_')) {
    detail += ` (${(error as { reason?: string }).reason ?? error.code})`
  }
  return problem(code, detail, '')
}

/** Fastify's clientErrorHandler: writes the problem and closes the connection. */
export function clientErrorHandler (requestTimeout: number): (error: NodeJS.ErrnoException, socket: Socket) => void {
  return (error, socket) => {
    const body = socket.destroyed ? undefined : clientErrorProblem(error, requestTimeout)
    if (body !== undefined && socket.writable) {
      const json = JSON.stringify(body)
      socket.write(`HTTP/1.1 ${body.status} ${STATUS_CODES[body.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`)
    }
    socket.destroy()
  }
}
