/**
 * Errors as RFC 9457 problem details. `toProblem` is the one mapping from anything thrown while
 * serving a request (validation, Fastify's own errors, allocator and registry errors) to the
 * problem the client sees; the error handler in errors.ts and the batch route both use it.
 */
import type { FastifyError } from 'fastify'
import {
  AllocatorError, ExceedsHeapSizeError, InvalidArgumentError, InvalidPointerError, OutOfMemoryError
} from '../allocator/errors.js'
import {
  BatchOpError, BlockMovingError, DefragInProgressError, HeapNotFoundError, IdempotencyKeyInFlightError, IdempotencyKeyReusedError,
  PlanCommittedError, PlanExpiredError, PlanNotFoundError, QuotaExceededError, UnknownMoveError
} from '../registry/errors.js'
import { StoreUnavailableError } from '../registry/store/errors.js'
import { NotRecordingError } from '../registry/recording.js'
import { ReplayLimitError } from '../registry/replays.js'
import { TraceError } from '../trace/index.js'
import type { ProblemBody } from './schemas/problem.js'

export const PROBLEM_TYPE_BASE = 'https://heapd.dev/problems/'
export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

const CATALOGUE = {
  'validation-error': { status: 400, title: 'Invalid request' },
  'invalid-trace': { status: 400, title: 'Invalid trace' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  'exceeds-heap-size': { status: 400, title: 'Larger than the heap' },
  'heap-not-found': { status: 404, title: 'Heap not found' },
  'block-not-found': { status: 404, title: 'Block not found' },
  'not-found': { status: 404, title: 'Not found' },
  'plan-not-found': { status: 404, title: 'Defragmentation plan not found' },
  'not-recording': { status: 404, title: 'Heap does not record' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'out-of-memory': { status: 409, title: 'Out of memory' },
  'idempotency-key-in-flight': { status: 409, title: 'Idempotency-Key in flight' },
  'block-moving': { status: 409, title: 'Block moving' },
  'defrag-in-progress': { status: 409, title: 'Defragmentation in progress' },
  'plan-committed': { status: 409, title: 'Defragmentation plan committed' },
  'plan-expired': { status: 410, title: 'Defragmentation plan expired' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'uri-too-long': { status: 414, title: 'URI too long' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'idempotency-key-reused': { status: 422, title: 'Idempotency-Key reused' },
  'headers-too-large': { status: 431, title: 'Request headers too large' },
  'quota-exceeded': { status: 429, title: 'Quota exceeded' },
  'too-many-replays': { status: 429, title: 'Too many replays' },
  'internal-error': { status: 500, title: 'Internal error' },
  // Readiness (the process is shutting down) and overload (it sheds requests for a moment) are both
  // 503, but a client retries the second and a balancer drains the first: two types.
  'not-ready': { status: 503, title: 'Not ready' },
  overloaded: { status: 503, title: 'Service overloaded' },
  // The store cannot commit (a full disk): nothing changed, and retrying later succeeds.
  unavailable: { status: 503, title: 'Service unavailable' }
} as const satisfies Record<string, { status: number, title: string }>

export type ProblemCode = keyof typeof CATALOGUE

type Extras = Omit<ProblemBody, 'type' | 'title' | 'status' | 'detail' | 'instance'>

/** Thrown by a route for a client error that only the HTTP layer can see (e.g. a query out of range). */
export class ProblemError extends Error {
  constructor (readonly problemCode: ProblemCode, detail: string, readonly extras: Extras = {}) {
    super(detail)
    this.name = 'ProblemError'
  }
}

export function problem (code: ProblemCode, detail: string, instance: string, extras: Extras = {}): ProblemBody {
  const { status, title } = CATALOGUE[code]
  return { type: PROBLEM_TYPE_BASE + code, title, status, detail, instance, ...extras }
}

type ValidationContext = 'body' | 'params' | 'querystring' | 'headers'

interface ValidationItem {
  instancePath?: string
  message?: string
}

/** Issues listed in a validation problem; the rest are counted (moreIssues), so that a huge invalid body gets a small answer. */
export const MAX_LISTED_ISSUES = 20

/** What the request was served under, for problems that name a limit. */
export interface ProblemContext {
  /** The route's body limit in bytes. */
  bodyLimit?: number
}

/**
 * The problem for `error`, thrown while serving `instance`. Returns undefined for errors no client
 * input can cause: those are bugs, and the caller answers them with a generic 500.
 */
export function toProblem (error: unknown, instance: string, context: ProblemContext = {}): ProblemBody | undefined {
  if (error instanceof ProblemError) return problem(error.problemCode, error.message, instance, error.extras)
  if (error instanceof AllocatorError) return allocatorProblem(error, instance)
  if (error instanceof BatchOpError) {
    const cause = toProblem(error.cause, instance)
    return cause === undefined ? undefined : { ...cause, detail: error.message, index: error.index }
  }
  if (error instanceof HeapNotFoundError) return problem('heap-not-found', error.message, instance)
  const defrag = defragProblem(error, instance)
  if (defrag !== undefined) return defrag
  if (error instanceof NotRecordingError) return problem('not-recording', error.message, instance)
  if (error instanceof TraceError) return traceProblem(error, instance)
  if (error instanceof ReplayLimitError) {
    return problem('too-many-replays', error.message, instance, { limit: 'maxConcurrentReplays', limitValue: error.limit })
  }
  if (error instanceof IdempotencyKeyReusedError) return problem('idempotency-key-reused', error.message, instance)
  if (error instanceof IdempotencyKeyInFlightError) return problem('idempotency-key-in-flight', error.message, instance)
  if (error instanceof StoreUnavailableError) {
    return problem('unavailable', 'the change cannot be recorded right now, so nothing changed; retry after Retry-After seconds', instance)
  }
  if (error instanceof QuotaExceededError) {
    return problem('quota-exceeded', error.message, instance, { limit: error.limit, limitValue: error.value })
  }
  if (!isFastifyError(error)) return undefined
  if (Array.isArray(error.validation)) return validationProblem(error.validation as ValidationItem[], (error.validationContext ?? 'body') as ValidationContext, instance)
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('unsupported-media-type', 'the body must be JSON (Content-Type: application/json)', instance)
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return context.bodyLimit === undefined
        ? problem('payload-too-large', 'the request body is larger than the server accepts', instance)
        : problem('payload-too-large', `the request body is larger than the limit of ${context.bodyLimit} bytes`, instance, {
          limit: 'bodyLimit', limitValue: context.bodyLimit
        })
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('uri-too-long', 'a path segment of the URL is longer than the server accepts', instance)
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('validation-error', 'the body is empty but Content-Type says JSON', instance, {
        issues: [{ in: 'body', path: '', message: 'body is empty' }]
      })
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidJson(error, instance)
  }
  // The JSON parser's own errors (syntax, __proto__ poisoning) carry status 400 and no code.
  if (error instanceof SyntaxError || (error.statusCode === 400 && error.code === undefined)) return invalidJson(error, instance)
  const status = error.statusCode ?? 500
  if (status >= 500) return undefined
  const code = codeForStatus(status)
  return problem(code, code === 'not-found' ? `nothing is served at ${instance.split('?')[0]}` : error.message, instance)
}

function defragProblem (error: unknown, instance: string): ProblemBody | undefined {
  if (error instanceof BlockMovingError) return problem('block-moving', error.message, instance, { ptr: error.ptr, planId: error.planId })
  if (error instanceof DefragInProgressError) return problem('defrag-in-progress', error.message, instance, { planId: error.planId })
  if (error instanceof PlanNotFoundError) return problem('plan-not-found', error.message, instance, { planId: error.planId })
  if (error instanceof PlanExpiredError) return problem('plan-expired', error.message, instance, { planId: error.planId })
  if (error instanceof PlanCommittedError) return problem('plan-committed', error.message, instance, { planId: error.planId })
  if (error instanceof UnknownMoveError) {
    return problem('validation-error', error.message, instance, {
      issues: [{ in: 'body', path: `/skipped/${error.index}`, message: `${error.ptr} is not the source of a move of this plan` }]
    })
  }
  return undefined
}

/** A trace that breaks a rule: 400 naming the line or op; one over HEAPD_MAX_REPLAY_OPS: 413. */
function traceProblem (error: TraceError, instance: string): ProblemBody {
  const where: Extras = error.line !== undefined ? { line: error.line } : error.index !== undefined ? { index: error.index } : {}
  if (error.reason === 'too-many-ops') {
    return problem('payload-too-large', `${error.where}: ${error.message}`, instance, {
      ...where, limit: 'maxReplayOps', ...(error.limit !== undefined ? { limitValue: error.limit } : {})
    })
  }
  return problem('invalid-trace', `${error.where}: ${error.message}`, instance, { reason: error.reason, ...where })
}

function allocatorProblem (error: AllocatorError, instance: string): ProblemBody {
  if (error instanceof OutOfMemoryError) {
    return problem('out-of-memory', error.message, instance, {
      reason: error.reason, requested: error.requested, free: error.free, largestFree: error.largestFree
    })
  }
  if (error instanceof ExceedsHeapSizeError) {
    return problem('exceeds-heap-size', error.message, instance, { requested: error.requested, heapSize: error.heapSize })
  }
  if (error instanceof InvalidPointerError) {
    const extras: Extras = { reason: error.reason, ptr: error.ptr }
    if (error.blockPtr !== undefined) extras.blockPtr = error.blockPtr
    return problem('block-not-found', error.message, instance, extras)
  }
  const argument = error instanceof InvalidArgumentError ? error.argument : ''
  return problem('validation-error', error.message, instance, {
    issues: [{ in: 'body', path: argument === '' ? '' : `/${argument}`, message: error.message }]
  })
}

function validationProblem (items: readonly ValidationItem[], where: ValidationContext, instance: string): ProblemBody {
  const listed = items.slice(0, MAX_LISTED_ISSUES).map((item) => ({
    in: where,
    path: item.instancePath === '/' ? '' : item.instancePath ?? '',
    message: item.message ?? 'a value is not valid'
  }))
  const more = items.length - listed.length
  const detail = `invalid ${where}: ${listed.map((issue) => issue.message).join('; ')}${more > 0 ? `; and ${more} more issues` : ''}`
  return problem('validation-error', detail, instance, more > 0 ? { issues: listed, moreIssues: more } : { issues: listed })
}

function invalidJson (error: Error, instance: string): ProblemBody {
  return problem('validation-error', `the body is not valid JSON: ${error.message}`, instance, {
    issues: [{ in: 'body', path: '', message: 'not valid JSON' }]
  })
}

/** Other client errors raised by Fastify or its plugins, folded into the catalogue. */
function codeForStatus (status: number): ProblemCode {
  switch (status) {
    case 401: return 'unauthorized'
    // Nothing is served behind a refused path (e.g. @fastify/static's 403 for `//` or `%00`).
    case 403:
    case 404:
    case 405: return 'not-found'
    case 408: return 'request-timeout'
    case 413: return 'payload-too-large'
    case 414: return 'uri-too-long'
    case 415: return 'unsupported-media-type'
    case 429: return 'quota-exceeded'
    case 431: return 'headers-too-large'
    default: return 'validation-error'
  }
}

function isFastifyError (error: unknown): error is FastifyError & { validationContext?: string } {
  return error instanceof Error
}
