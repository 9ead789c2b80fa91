/**
 * RFC 9457 problem details, the body of every error. The extra members are listed here so the
 * OpenAPI document shows them and the serializer keeps them.
 */
import { z } from 'zod'

export const ValidationIssue = z.object({
  in: z.enum(['body', 'params', 'querystring', 'headers']).meta({ description: 'Which part of the request.' }),
  path: z.string().meta({ description: 'JSON Pointer to the offending value within that part ("" for the whole).', examples: ['/size'] }),
  message: z.string()
})

export const Problem = z.object({
  type: z.string().meta({ description: 'https://heapd.dev/problems/<code>; the code is stable.', examples: ['https://heapd.dev/problems/out-of-memory'] }),
  title: z.string().meta({ examples: ['Out of memory'] }),
  status: z.int(),
  detail: z.string().meta({ examples: ['out of memory: 4096 bytes requested, 6144 free but the largest free range is 2048 bytes'] }),
  instance: z.string().meta({ description: 'The request path.', examples: ['/heaps/3q2-7wAAAAD8tYc0QmH1Kg/alloc'] }),
  reason: z.string().optional().meta({ description: 'out-of-memory: `full` or `fragmented`; block-not-found: `out-of-bounds`, `free` or `interior`; invalid-trace: the rule broken (docs/traces.md).' }),
  requested: z.int().optional().meta({ description: 'out-of-memory, exceeds-heap-size: bytes requested.' }),
  free: z.int().optional().meta({ description: 'out-of-memory: total free bytes.' }),
  largestFree: z.int().optional().meta({ description: 'out-of-memory: the largest free range.' }),
  heapSize: z.int().optional().meta({ description: 'exceeds-heap-size: the heap\'s size.' }),
  ptr: z.int().optional().meta({ description: 'block-not-found: the pointer given; block-moving: the moving block.' }),
  planId: z.string().optional().meta({ description: 'block-moving, defrag-in-progress, plan-not-found, plan-expired, plan-committed: the defragmentation plan concerned.' }),
  blockPtr: z.int().optional().meta({ description: 'block-not-found with reason `interior`: the start of the block containing ptr.' }),
  index: z.int().optional().meta({ description: 'Atomic batch: index of the op that failed; invalid-trace in JSON ops: index (0-based) of the bad op.' }),
  line: z.int().optional().meta({ description: 'invalid-trace in the text format: the line (1-based) that breaks a rule.' }),
  limit: z.string().optional().meta({ description: 'quota-exceeded, payload-too-large: the name of the limit reached.', examples: ['maxBlocksPerHeap'] }),
  limitValue: z.int().optional().meta({ description: 'quota-exceeded, payload-too-large: the limit\'s setting (bytes for bodyLimit).' }),
  issues: z.array(ValidationIssue).optional().meta({ description: 'validation-error: the issues found, at most 20.' }),
  moreIssues: z.int().optional().meta({ description: 'validation-error: how many further issues were found and not listed.' }),
  requestId: z.string().optional().meta({ description: 'internal-error: quote it when reporting the problem.' })
}).meta({ id: 'Problem' })

export type ProblemBody = z.infer<typeof Problem>

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (validation-error), a size larger than the heap (exceeds-heap-size), or a trace that breaks a rule of the format (invalid-trace, naming its `line` or `index`).',
  401: 'Missing or invalid API key (unauthorized).',
  404: 'Unknown heap (heap-not-found), pointer that is not a live block (block-not-found), the trace of a heap that does not record (not-recording), or an unknown defragmentation plan (plan-not-found).',
  409: 'No free range fits (out-of-memory), the block moves in an open defragmentation plan (block-moving), the heap has an open plan (defrag-in-progress), ' +
    'the plan is committed already (plan-committed), or the first request with this Idempotency-Key is still running (idempotency-key-in-flight).',
  410: 'The defragmentation plan passed its expiresAt and was aborted (plan-expired).',
  413: 'Body over the size limit (payload-too-large); `limitValue` is the limit in bytes.',
  415: 'Body is not JSON (unsupported-media-type).',
  422: 'The Idempotency-Key was used before with a different request: method, path or body (idempotency-key-reused).',
  429: 'A configured limit or the request rate limit is reached (quota-exceeded, `limit` names it), or HEAPD_MAX_CONCURRENT_REPLAYS replays are running (too-many-replays).',
  500: 'Unexpected failure (internal-error); details are logged, not returned.',
  503: 'Overloaded (overloaded): the event loop lags past HEAPD_MAX_EVENT_LOOP_DELAY and /heaps* requests are shed; retry after Retry-After seconds.'
}

/** Response headers of a status, by name, as JSON Schema (openapi.ts carries them into the document). */
type ResponseHeaders = Record<string, { type: 'integer', minimum: number, description: string }>

/** Response headers of some error statuses, declared so clients know to look for them. */
const HEADERS: Record<number, ResponseHeaders> = {
  429: { 'retry-after': { type: 'integer', minimum: 0, description: 'Seconds until the request rate limit lets requests through again; sent only when HEAPD_RATE_LIMIT refused the request (a quota is not a matter of time).' } },
  503: { 'retry-after': { type: 'integer', minimum: 0, description: 'Seconds to wait before retrying.' } }
}

type ProblemResponse = {
  description: string
  headers?: ResponseHeaders
  content: { 'application/problem+json': { schema: typeof Problem } }
}

/** Response entries for the given error statuses, all application/problem+json. */
export function problemResponses<S extends number> (...statuses: S[]) {
  const responses = {} as Record<S, ProblemResponse>
  for (const status of statuses) responses[status] = problemResponse(DESCRIPTIONS[status] ?? 'Error', HEADERS[status])
  return responses
}

/** /readyz's own 503: not overload but a service on its way out. */
export const notReadyResponse = problemResponse('The service is shutting down (not-ready): send new work to another instance.')

function problemResponse (description: string, headers?: ResponseHeaders): ProblemResponse {
  return {
    description,
    ...(headers !== undefined ? { headers } : {}),
    content: { 'application/problem+json': { schema: Problem } }
  }
}

/** A success response with a description, so the document says what each status means. */
export function success<T extends z.ZodType> (description: string, schema: T) {
  return { description, content: { 'application/json': { schema } } }
}
