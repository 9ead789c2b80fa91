/**
 * HeapdClient: one method per operation of the service, typed from its OpenAPI document, requests
 * through openapi-fetch. A method resolves to the answer's body and rejects with a HeapdError for
 * every problem. Every change carries an `Idempotency-Key`, the same on each retry.
 */
import createClient, { type Client } from 'openapi-fetch'
import { HeapdError } from './errors.js'
import type { paths } from './openapi.generated.js'
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry.js'
import type {
  AllocBody, BatchOp, BatchOptions, BatchResponse, Block, BlockList, CreateHeapBody, DefragCommitBody, DefragCommitResult, DefragPlan,
  DefragPlanBody, Heap, HeapList, Layout, Occupancy, OccupancyOptions, PageOptions, ReallocResult, Replay, ReplayOptions, RequestOptions,
  SegmentsOptions, Stats, TraceOp, TraceOptions
} from './types.js'

export interface HeapdClientOptions {
  /** The service, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string
  /** Sent as `Authorization: Bearer` when the service has API keys. */
  apiKey?: string
  /** Time allowed for each attempt of a call (10 s when omitted). */
  timeoutMs?: number
  /** Attempts after the first on a timeout, a broken connection or a 503 (2 when omitted; 0 never retries). */
  retries?: number
  /** Replaces the global fetch (a proxy agent, instrumentation). */
  fetch?: typeof globalThis.fetch
}

interface Answer<T> { data?: T, error?: unknown, response: Response }

export class HeapdClient {
  readonly baseUrl: string
  readonly #api: Client<paths>
  readonly #policy: RetryPolicy

  constructor ({ baseUrl, apiKey, timeoutMs, retries, fetch }: HeapdClientOptions) {
    this.baseUrl = new URL(baseUrl).href.replace(/\/$/, '')
    this.#api = createClient<paths>({
      baseUrl: this.baseUrl,
      ...(apiKey !== undefined ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
      ...(fetch !== undefined ? { fetch } : {})
    })
    this.#policy = {
      ...DEFAULT_RETRY_POLICY,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(retries !== undefined ? { retries } : {})
    }
  }

  /** Creates a heap: the range [0, size) under a strategy (first-fit when omitted); with `record`, it keeps its history as a trace. */
  createHeap (body: CreateHeapBody, options?: RequestOptions): Promise<Heap> {
    return this.#call(options, (init) => this.#api.POST('/heaps', { ...init, body }), true)
  }

  /** A page of heaps in creation order; follow `nextCursor`, or use `heaps()`. */
  listHeaps (options: PageOptions = {}): Promise<HeapList> {
    return this.#call(options, (init) => this.#api.GET('/heaps', { ...init, params: { query: page(options) } }))
  }

  /** Every heap, page after page. */
  async * heaps (options: PageOptions = {}): AsyncGenerator<Heap> {
    let cursor = options.cursor
    do {
      const list = await this.listHeaps({ ...options, cursor })
      yield * list.items
      cursor = list.nextCursor ?? undefined
    } while (cursor !== undefined)
  }

  getHeap (heapId: string, options?: RequestOptions): Promise<Heap> {
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}', { ...init, params: { path: { id: heapId } } }))
  }

  async deleteHeap (heapId: string, options?: RequestOptions): Promise<void> {
    await this.#call(options, (init) => this.#api.DELETE('/heaps/{id}', { ...init, params: { path: { id: heapId } } }), true)
  }

  /** Frees every block; resolves to the heap, now empty. */
  resetHeap (heapId: string, options?: RequestOptions): Promise<Heap> {
    return this.#call(options, (init) => this.#api.POST('/heaps/{id}/reset', { ...init, params: { path: { id: heapId } } }), true)
  }

  /** Allocates a block; resolves to it, its pointer in `ptr`. */
  alloc (heapId: string, body: AllocBody, options?: RequestOptions): Promise<Block> {
    return this.#call(options, (init) => this.#api.POST('/heaps/{id}/alloc', { ...init, params: { path: { id: heapId } }, body }), true)
  }

  /** A page of live blocks in address order; or use `blocks()`. */
  listBlocks (heapId: string, options: PageOptions = {}): Promise<BlockList> {
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}/blocks', { ...init, params: { path: { id: heapId }, query: page(options) } }))
  }

  /** Every live block, page after page. */
  async * blocks (heapId: string, options: PageOptions = {}): AsyncGenerator<Block> {
    let cursor = options.cursor
    do {
      const list = await this.listBlocks(heapId, { ...options, cursor })
      yield * list.items
      cursor = list.nextCursor ?? undefined
    } while (cursor !== undefined)
  }

  getBlock (heapId: string, ptr: number, options?: RequestOptions): Promise<Block> {
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}/blocks/{ptr}', { ...init, params: { path: blockPath(heapId, ptr) } }))
  }

  /** Resizes a block, in place when it can; `moved` says whether `ptr` changed. */
  realloc (heapId: string, ptr: number, size: number, options?: RequestOptions): Promise<ReallocResult> {
    return this.#call(options, (init) => this.#api.PATCH('/heaps/{id}/blocks/{ptr}', { ...init, params: { path: blockPath(heapId, ptr) }, body: { size } }), true)
  }

  async free (heapId: string, ptr: number, options?: RequestOptions): Promise<void> {
    await this.#call(options, (init) => this.#api.DELETE('/heaps/{id}/blocks/{ptr}', { ...init, params: { path: blockPath(heapId, ptr) } }), true)
  }

  /** Runs ops in order; with `atomic`, all or none, and the first failure rejects with its `index`. */
  batch (heapId: string, ops: BatchOp[], options: BatchOptions = {}): Promise<BatchResponse> {
    const body = { ops, ...(options.atomic !== undefined ? { atomic: options.atomic } : {}) }
    return this.#call(options, (init) => this.#api.POST('/heaps/{id}/batch', { ...init, params: { path: { id: heapId } }, body }), true)
  }

  stats (heapId: string, options?: RequestOptions): Promise<Stats> {
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}/stats', { ...init, params: { path: { id: heapId } } }))
  }

  /** Used and free segments a page at a time; with `buckets`, used bytes per bucket of [from, to). */
  layout (heapId: string, options?: SegmentsOptions): Promise<Layout>
  layout (heapId: string, options: OccupancyOptions): Promise<Occupancy>
  layout (heapId: string, options: SegmentsOptions | OccupancyOptions = {}): Promise<Layout | Occupancy> {
    const query = options.buckets === undefined
      ? page(options)
      : { buckets: String(options.buckets), ...decimal('from', options.from), ...decimal('to', options.to) }
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}/layout', { ...init, params: { path: { id: heapId }, query } }))
  }

  /**
   * Plans block moves that win back contiguous free space and opens the plan: its destinations are
   * reserved and its blocks pinned until it is committed, aborted or expires (docs/defrag.md).
   */
  planDefrag (heapId: string, body: DefragPlanBody = {}, options?: RequestOptions): Promise<DefragPlan> {
    return this.#call(options, (init) => this.#api.POST('/heaps/{id}/defrag', { ...init, params: { path: { id: heapId } }, body }), true)
  }

  /** A plan, open or committed (then with its `result`). */
  getDefragPlan (heapId: string, planId: string, options?: RequestOptions): Promise<DefragPlan> {
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}/defrag/{planId}', { ...init, params: { path: { id: heapId, planId } } }))
  }

  /** Releases the plan's destinations and blocks; nothing moves. */
  async abortDefragPlan (heapId: string, planId: string, options?: RequestOptions): Promise<void> {
    await this.#call(options, (init) => this.#api.DELETE('/heaps/{id}/defrag/{planId}', { ...init, params: { path: { id: heapId, planId } } }), true)
  }

  /** Moves the plan's blocks, once their bytes are copied; the sources in `skipped` stay where they are. */
  commitDefragPlan (heapId: string, planId: string, body: DefragCommitBody = {}, options?: RequestOptions): Promise<DefragCommitResult> {
    return this.#call(options, (init) => this.#api.POST('/heaps/{id}/defrag/{planId}/commit', { ...init, params: { path: { id: heapId, planId } }, body }), true)
  }

  /** The history of a heap created with `record: true`: the trace text, or its ops with `format: 'json'`. */
  trace (heapId: string, options: TraceOptions & { format: 'text' }): Promise<string>
  trace (heapId: string, options: TraceOptions & { format: 'json' }): Promise<TraceOp[]>
  trace (heapId: string, options: TraceOptions): Promise<string | TraceOp[]> {
    const params = { path: { id: heapId } }
    if (options.format === 'json') {
      return this.#call(options, (init) => this.#api.GET('/heaps/{id}/trace', { ...init, params, headers: { ...init.headers, accept: 'application/json' } }))
    }
    return this.#call(options, (init) => this.#api.GET('/heaps/{id}/trace', { ...init, params, headers: { ...init.headers, accept: 'text/plain' }, parseAs: 'text' }))
  }

  /**
   * Replays a trace (its text, or its ops) on every strategy, or on `strategies`: each one's peak
   * footprint, overhead, failures on a heap of `size`, fragmentation and speed, against the floor.
   * It changes nothing, so it carries no Idempotency-Key.
   */
  replay (trace: string | TraceOp[], options: ReplayOptions = {}): Promise<Replay> {
    const body = { trace, ...replayFields(options) }
    return this.#call(options, (init) => this.#api.POST('/replays', { ...init, body }))
  }

  /** Replays the history of a heap created with `record: true`, as `replay` does a trace. */
  replayHeap (heapId: string, options: ReplayOptions = {}): Promise<Replay> {
    const { strategies, ...numbers } = replayFields(options)
    const query = {
      heap: heapId,
      ...(strategies !== undefined ? { strategies: strategies.join(',') } : {}),
      ...decimal('size', numbers.size),
      ...decimal('alignment', numbers.alignment)
    }
    return this.#call(options, (init) => this.#api.POST('/replays', { ...init, params: { query } }))
  }

  /** Liveness: the process answers. */
  health (options?: RequestOptions): Promise<{ status: 'ok' }> {
    return this.#call(options, (init) => this.#api.GET('/healthz', init))
  }

  /** Readiness: rejects with a 503 problem while the service is not ready. */
  ready (options?: RequestOptions): Promise<{ status: 'ready' }> {
    return this.#call(options, (init) => this.#api.GET('/readyz', init))
  }

  async #call<T> (options: RequestOptions | undefined, request: (init: { signal: AbortSignal, headers: Record<string, string> }) => Promise<Answer<T>>, change = false): Promise<T> {
    const headers: Record<string, string> = change ? { 'idempotency-key': options?.idempotencyKey ?? crypto.randomUUID() } : {}
    const policy = options?.timeoutMs === undefined ? this.#policy : { ...this.#policy, timeoutMs: options.timeoutMs }
    const answer = await withRetries(this.baseUrl, policy, options?.signal, (signal) => request({ signal, headers }))
    if (!answer.response.ok) throw HeapdError.fromResponse(answer.response, answer.error)
    return answer.data as T
  }
}

function page ({ limit, cursor }: PageOptions): { limit?: string, cursor?: string } {
  return { ...decimal('limit', limit), ...(cursor !== undefined ? { cursor } : {}) }
}

/** Query and path integers travel in decimal, as the service parses them. */
function decimal<K extends string> (key: K, value: number | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : { [key]: String(value) } as Record<K, string>
}

/** The replay's own options, without the call's (signal, timeout). */
function replayFields ({ strategies, size, alignment }: ReplayOptions): Pick<ReplayOptions, 'strategies' | 'size' | 'alignment'> {
  return {
    ...(strategies !== undefined ? { strategies } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(alignment !== undefined ? { alignment } : {})
  }
}

function blockPath (id: string, ptr: number): { id: string, ptr: string } {
  return { id, ptr: String(ptr) }
}
