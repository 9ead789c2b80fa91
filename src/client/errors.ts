/**
 * What a call of HeapdClient rejects with: HeapdError for every answer the service refused (a
 * problem+json body), HeapdConnectionError when no answer came, HeapdTimeoutError when an answer
 * took too long. Retries are over by the time any of them is thrown.
 */
import type { Problem, ProblemCode } from './types.js'

const PROBLEM_TYPE = /\/([^/]+)$/

function isProblem (body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && typeof (body as Problem).type === 'string' &&
    typeof (body as Problem).status === 'number'
}

/** A problem the service answered (RFC 9457), with its members as typed properties. */
export class HeapdError extends Error {
  /** The last segment of `type`, e.g. `out-of-memory`. */
  readonly code: ProblemCode
  readonly status: number
  readonly type: string
  readonly title: string
  readonly detail: string
  readonly instance: string
  readonly reason: Problem['reason']
  readonly requested: Problem['requested']
  readonly free: Problem['free']
  readonly largestFree: Problem['largestFree']
  readonly heapSize: Problem['heapSize']
  readonly ptr: Problem['ptr']
  readonly blockPtr: Problem['blockPtr']
  readonly planId: Problem['planId']
  readonly index: Problem['index']
  readonly line: Problem['line']
  readonly limit: Problem['limit']
  readonly limitValue: Problem['limitValue']
  readonly issues: Problem['issues']
  readonly requestId: Problem['requestId']
  /** Seconds the service asked to wait before trying again (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined
  /** The answer's body as it came. */
  readonly problem: Problem

  constructor (problem: Problem, retryAfter?: number) {
    super(problem.detail)
    this.name = 'HeapdError'
    this.problem = problem
    this.code = (PROBLEM_TYPE.exec(problem.type)?.[1] ?? problem.type) as ProblemCode
    this.status = problem.status
    this.type = problem.type
    this.title = problem.title
    this.detail = problem.detail
    this.instance = problem.instance
    this.reason = problem.reason
    this.requested = problem.requested
    this.free = problem.free
    this.largestFree = problem.largestFree
    this.heapSize = problem.heapSize
    this.ptr = problem.ptr
    this.blockPtr = problem.blockPtr
    this.planId = problem.planId
    this.index = problem.index
    this.line = problem.line
    this.limit = problem.limit
    this.limitValue = problem.limitValue
    this.issues = problem.issues
    this.requestId = problem.requestId
    this.retryAfter = retryAfter
  }

  /** The error for a refused answer: its problem, or an `unexpected-response` when the body is not one. */
  static fromResponse (response: Response, body: unknown): HeapdError {
    const retryAfter = retryAfterSeconds(response)
    if (isProblem(body)) return new HeapdError(body, retryAfter)
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? '')
    return new HeapdError({
      type: 'unexpected-response',
      title: response.statusText || 'Unexpected response',
      status: response.status,
      detail: `HTTP ${response.status} without a problem body${text === '' || text === '""' ? '' : `: ${text.slice(0, 200)}`}`,
      instance: new URL(response.url || 'http://unknown/').pathname
    }, retryAfter)
  }

  /** Whether `error` is a HeapdError, of `code` when given: narrows `unknown` in a `catch`. */
  static is (error: unknown, code?: ProblemCode): error is HeapdError {
    return error instanceof HeapdError && (code === undefined || error.code === code)
  }
}

/** No answer: the service could not be reached, or the connection broke. */
export class HeapdConnectionError extends Error {
  readonly code = 'connection-failed'

  constructor (readonly url: string, options: { cause: unknown }) {
    super(`cannot reach ${url}: ${describe(options.cause)}`, options)
    this.name = 'HeapdConnectionError'
  }
}

/** No answer within the time allowed, on the last attempt. */
export class HeapdTimeoutError extends Error {
  readonly code = 'timeout'

  constructor (readonly url: string, readonly timeoutMs: number) {
    super(`no answer from ${url} within ${timeoutMs} ms`)
    this.name = 'HeapdTimeoutError'
  }
}

/** `Retry-After` in seconds: a number of seconds or an HTTP date. */
export function retryAfterSeconds (response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (header === null) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim())
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

function describe (cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause)
  const inner = (cause as { cause?: unknown }).cause
  // fetch says only "fetch failed"; the system error under it says why (ECONNREFUSED, ENOTFOUND).
  if (inner instanceof Error) return `${cause.message} (${(inner as { code?: string }).code ?? inner.message})`
  return cause.message
}
