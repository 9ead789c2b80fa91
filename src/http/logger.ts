/**
 * The service's pino logger: JSON lines, one per request at info (method, URL, status, time, request
 * ID; the start of each request too at debug), never bodies, secrets redacted in case headers are
 * ever logged.
 */
import { pino, type DestinationStream, type Logger } from 'pino'

export const REDACTED_PATHS = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie']

export function buildLogger (level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }
  return destination === undefined ? pino(options) : pino(options, destination)
}
