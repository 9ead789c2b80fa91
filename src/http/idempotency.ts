/**
 * The Idempotency-Key header (IETF httpapi draft) on the routes that change heaps: this module
 * reads and checks the key, takes the request's fingerprint (method, path, body) and sends the
 * answer; the registry keeps the keys (registry/idempotency.ts). A request without the header
 * costs one header lookup more than the route alone, in each of two places: holdKey, the routes'
 * onRequest hook, which marks the key in flight before the body is read (so that a retry sent while
 * the first is still uploading answers 409 idempotency-key-in-flight), and answer, in the route.
 *
 * Remembered: successful changes, and the client errors that are final for the request (4xx such
 * as out-of-memory or block-not-found). Never a 5xx (nothing changed, the retry must run again) nor
 * a 429 (the retry may pass once the quota or rate allows).
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { Outcome, StoredAnswer } from '../registry/idempotency.js'
import type { Registry } from '../registry/registry.js'
import { PROBLEM_CONTENT_TYPE, ProblemError, toProblem } from './problems.js'

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key'

/** The operations whose routes answer through `answer` below, for the OpenAPI document (openapi.ts). */
export const KEYED_OPERATIONS: ReadonlySet<string> = new Set(['createHeap', 'allocBlock', 'reallocBlock', 'freeBlock', 'runBatch', 'resetHeap', 'createDefragPlan', 'commitDefragPlan', 'abortDefragPlan'])

/** Visible ASCII but the quote and the backslash, as an unquoted token or the content of a structured-field string. */
const KEY = /^[!#-[\]-~]{1,255}$/

/** What a change route answers: status, Location when it names a resource, and the JSON body (none for 204). */
export interface Answer {
  status: number
  location?: string
  body?: unknown
  /** The route's own writer of `body` as JSON, when it has one (the batch route's); JSON.stringify otherwise. */
  json?: (body: never) => string
}

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * The change routes' onRequest hook: holds the request's key in flight until its change runs, or
 * until its response closes without one (a body refused or never finished). A request refused by
 * auth holds nothing.
 */
export function holdKey (registry: Registry) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const header = request.headers[IDEMPOTENCY_KEY_HEADER]
    if (header === undefined || request.authFailure !== undefined) return done()
    try {
      const key = keyOf(header)
      const tenant = request.tenant
      if (registry.holdIdempotencyKey(tenant, key, request)) {
        reply.raw.once('close', () => registry.releaseIdempotencyKey(tenant, key, request))
      }
    } catch (error) {
      return done(error as Error)
    }
    done()
  }
}

/**
 * Sends what `perform` (the registry call) answers, as `present` puts it. With an Idempotency-Key,
 * through the registry's key table: a retry gets the first answer and `perform` does not run again.
 */
export function answer<T> (registry: Registry, request: FastifyRequest, reply: FastifyReply, perform: () => T, present: (result: T) => Answer): FastifyReply | Promise<FastifyReply> {
  const header = request.headers[IDEMPOTENCY_KEY_HEADER]
  const shared = request.server.shared
  if (header === undefined) {
    if (shared === undefined) return send(reply, present(perform()))
    return shared.run(heapIdOf(request), { compute: () => present(perform()) }).then((answer) => send(reply, answer))
  }
  const keyed = { tenant: request.tenant, key: keyOf(header), fingerprint: fingerprintOf(request), holder: request }
  const run = (): StoredAnswer => registry.idempotently(keyed, perform, (outcome) => remembered(outcome, present, request))
  if (shared === undefined) return replay(reply, run())
  return shared.run(heapIdOf(request), { compute: run, key: keyed }).then((stored) => replay(reply, stored))
}

/** The heap a change route works on: its `:id`; undefined for a creation. */
function heapIdOf (request: FastifyRequest): string | undefined {
  return (request.params as { id?: string } | undefined)?.id
}

/** The key of the header; a 400 validation-error naming the header when it is not a sensible token. */
export function keyOf (header: string | string[]): string {
  const text = Array.isArray(header) ? header.join(', ') : header
  // The draft writes the key as a structured-field string ("..."); a bare token is taken too.
  const key = text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text
  if (KEY.test(key)) return key
  const message = key.length === 0
    ? 'Idempotency-Key is empty'
    : key.length > 255
      ? `Idempotency-Key is ${key.length} characters long, at most 255 are allowed`
      : 'Idempotency-Key must be visible ASCII characters without spaces, quotes or backslashes (a UUID, say)'
  throw new ProblemError('validation-error', message, { issues: [{ in: 'headers', path: `/${IDEMPOTENCY_KEY_HEADER}`, message }] })
}

/** What makes two requests the same request: method, path and query, and body. */
export function fingerprintOf (request: FastifyRequest): string {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n`)
    .update(JSON.stringify(request.body) ?? '')
    .digest('base64url')
}

function remembered<T> (outcome: Outcome<T>, present: (result: T) => Answer, request: FastifyRequest): StoredAnswer | undefined {
  if (outcome.ok) {
    const { status, location, body, json = JSON.stringify } = present(outcome.result)
    return { status, ...(location !== undefined ? { location } : {}), ...(body !== undefined ? { body: json(body as never) } : {}) }
  }
  const problem = toProblem(outcome.error, request.url)
  if (problem === undefined || problem.status >= 500 || problem.status === 429) return undefined
  // Answered here rather than by the error handler: counted here too, once (a replay is no new failure).
  request.server.countAllocFailure(outcome.error)
  return { status: problem.status, body: JSON.stringify(problem) }
}

function send (reply: FastifyReply, { status, location, body }: Answer): FastifyReply {
  reply.code(status)
  if (location !== undefined) reply.header('location', location)
  return reply.send(body)
}

/** The remembered answer, its body sent as the JSON text it was kept as (Fastify sends JSON text as it is). */
function replay (reply: FastifyReply, { status, location, body }: StoredAnswer): FastifyReply {
  reply.code(status)
  if (location !== undefined) reply.header('location', location)
  if (body === undefined) return reply.send()
  return reply.type(status >= 400 ? PROBLEM_CONTENT_TYPE : JSON_TYPE).send(body)
}
