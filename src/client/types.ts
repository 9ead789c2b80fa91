/**
 * The shapes the service answers and accepts, named from the types generated out of the OpenAPI
 * document (openapi.generated.ts), so that they follow the server's schemas without a copy.
 */
import type { components, operations } from './openapi.generated.js'

type Schemas = components['schemas']
type JsonBody<Operation extends { requestBody?: unknown }> =
  NonNullable<Operation['requestBody']> extends { content: { 'application/json': infer Body } } ? Body : never

export type Heap = Schemas['Heap']
export type HeapList = Schemas['HeapList']
export type Strategy = Heap['strategy']
export type Stats = Schemas['Stats']
export type Block = Schemas['Block']
export type BlockList = Schemas['BlockList']
export type ReallocResult = Schemas['ReallocResult']
export type Layout = Schemas['Layout']
export type LayoutSegment = Schemas['LayoutSegment']
export type Occupancy = Schemas['Occupancy']
export type BatchResponse = Schemas['BatchResponse']
export type BatchResult = BatchResponse['results'][number]
export type Problem = Schemas['Problem']
export type DefragPlan = Schemas['DefragPlan']
export type DefragMove = Schemas['DefragMove']
export type DefragCommitResult = Schemas['DefragCommitResult']
export type LayoutStats = Schemas['LayoutStats']
/** One op of a trace, as GET /heaps/{id}/trace answers it in JSON and POST /replays takes it (docs/traces.md). */
export type TraceOp = Schemas['RecordedTrace'][number]
export type Replay = Schemas['Replay']
export type ReplayResult = Replay['results'][number]

export type CreateHeapBody = JsonBody<operations['createHeap']>
export type AllocBody = JsonBody<operations['allocBlock']>
export type BatchOp = JsonBody<operations['runBatch']>['ops'][number]
export type DefragPlanBody = JsonBody<operations['createDefragPlan']>
export type DefragCommitBody = JsonBody<operations['commitDefragPlan']>

/** The `code` of every problem the service answers: the last segment of its `type`. */
export type ProblemCode =
  | 'validation-error'
  | 'invalid-trace'
  | 'unauthorized'
  | 'exceeds-heap-size'
  | 'heap-not-found'
  | 'block-not-found'
  | 'not-found'
  | 'plan-not-found'
  | 'not-recording'
  | 'request-timeout'
  | 'out-of-memory'
  | 'quota-exceeded'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'block-moving'
  | 'defrag-in-progress'
  | 'plan-committed'
  | 'plan-expired'
  | 'uri-too-long'
  | 'headers-too-large'
  | 'too-many-replays'
  | 'idempotency-key-reused'
  | 'idempotency-key-in-flight'
  | 'overloaded'
  | 'unavailable'
  | 'not-ready'
  | 'internal-error'
  /** Not from the service: an error answer that is not problem+json (e.g. a proxy's 502 page). */
  | 'unexpected-response'

/** Options every call takes. */
export interface RequestOptions {
  /** Cancels the call, retries included; the call rejects with the signal's reason. */
  signal?: AbortSignal
  /** Time allowed for each attempt; the client's `timeoutMs` when omitted. */
  timeoutMs?: number
  /** The key of a change (a fresh one when omitted); pass your own to retry across restarts of your program. */
  idempotencyKey?: string
}

export interface PageOptions extends RequestOptions {
  /** Items per page (the service's default when omitted). */
  limit?: number
  /** `nextCursor` of the previous page. */
  cursor?: string
}

export interface BatchOptions extends RequestOptions {
  /** Every op applies or none does. */
  atomic?: boolean
}

export interface SegmentsOptions extends PageOptions {
  buckets?: undefined
}

export interface OccupancyOptions extends RequestOptions {
  /** Number of equal-width buckets of [from, to). */
  buckets: number
  from?: number
  to?: number
}

export interface TraceOptions extends RequestOptions {
  /** `text`: the trace format (docs/traces.md), header comment included; `json`: its ops. */
  format: 'text' | 'json'
}

export interface ReplayOptions extends RequestOptions {
  /** Strategies to replay on, in this order; all when omitted. */
  strategies?: Strategy[]
  /** Heaps of this many bytes, counting failures; large enough that nothing fails when omitted. */
  size?: number
  /** The heaps' alignment, as createHeap takes it; 1 when omitted. */
  alignment?: number
}
