/**
 * The service's pino logger: JSON lines, one per request at info (method, URL, status, time, request
 * ID; the start of each request too at debug), never bodies, secrets redacted in case headers are
 * ever logged.
 */
import { pino, type DestinationStream, type Logger } from 'pino'

/** Paths pino redacts: headers logged on their own. Headers under `req` are censored by serializeReq. */
export const REDACTED_PATHS = ['headers.authorization', 'headers.cookie']

const CENSOR = '[redacted]'
const SECRET_HEADERS = ['authorization', 'cookie']

/**
 * `req` as logged. A Fastify request (every request line) becomes its summary, as Fastify's own
 * serializer makes it: method, URL, host, client address and port, never headers or body. Anything
 * else under `req` (headers logged by mistake) keeps its shape with the secret headers censored.
 * This replaces pino's redaction of req.headers.*, which cloned and walked every request line
 * (profiled: about 2.5 µs per request) only to find no headers there.
 */
export function serializeReq (req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req
  const value = req as Record<string, unknown>
  // A Fastify request carries its Node request as `raw` (the serializer sees no class to test).
  if (typeof value.raw === 'object' && value.raw !== null && typeof value.id === 'string') {
    const request = value as unknown as { method: string, url: string, host: string, ip: string, socket?: { remotePort?: number } }
    return { method: request.method, url: request.url, host: request.host, remoteAddress: request.ip, remotePort: request.socket?.remotePort }
  }
  const headers = value.headers
  if (typeof headers !== 'object' || headers === null) return req
  const censored: Record<string, unknown> = { ...headers }
  for (const name of SECRET_HEADERS) if (name in censored) censored[name] = CENSOR
  return { ...value, headers: censored }
}

/**
 * The logger writing to `destination`, by default stdout through pino's asynchronous destination
 * (pino flushes it when the process exits). `npm run dev` pipes the lines through pino-pretty.
 */
export function buildLogger (level: string, destination: DestinationStream = pino.destination({ sync: false })): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: CENSOR }, serializers: { req: serializeReq } }
  return pino(options, destination)
}
