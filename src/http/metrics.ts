/**
 * Prometheus metrics at GET /metrics (prom-client), one metrics registry per app so that apps
 * (and tests building many of them) never share series.
 *
 * - heapd_http_requests_total and heapd_http_request_duration_seconds, by method, route template
 *   (never the raw URL: IDs and pointers would explode the series count) and status;
 * - heapd_heaps, heapd_live_blocks and heapd_bytes{state="used"|"free"}, read from the registry
 *   when scraped;
 * - heapd_alloc_failures_total by reason: full, fragmented (out-of-memory), exceeds-heap-size,
 *   quota (a block limit), for allocs and reallocs, single or in a batch.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Registry as MetricsRegistry } from 'prom-client'
import { ExceedsHeapSizeError, OutOfMemoryError } from '../allocator/errors.js'
import { BatchOpError, QuotaExceededError } from '../registry/errors.js'
import type { Registry } from '../registry/registry.js'
import type { OneLineRequestLog } from './request-log.js'
import { RequestMetrics } from './request-metrics.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived; set only by the metrics of an app without a logger. */
    receivedAt: number
  }
  interface FastifyInstance {
    /** Counts a failed alloc or realloc (does nothing for other errors or when metrics are off). */
    countAllocFailure: (error: unknown) => void
  }
}

/** Notes when a request arrived, for its duration (set in app.ts's onRequest hook). */
export type ArrivalStamp = (request: FastifyRequest) => void

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** The reason label of an alloc failure, or undefined when `error` is not one. */
export function allocFailureReason (error: unknown): string | undefined {
  const cause = error instanceof BatchOpError ? error.cause : error
  if (cause instanceof OutOfMemoryError) return cause.reason
  if (cause instanceof ExceedsHeapSizeError) return 'exceeds-heap-size'
  if (cause instanceof QuotaExceededError && (cause.limit === 'maxBlocksPerHeap' || cause.limit === 'maxBlocksTotal')) return 'quota'
  return undefined
}

/**
 * `requestLog` is the app's log controller when the app has a logger: Fastify then reports every
 * answered request to it, and the request series count there. Without a logger Fastify calls it
 * for nothing, and the request is timed from its arrival (the function this answers, which app.ts
 * calls in its one onRequest hook) to its answer being sent (an onSend hook).
 */
export function installMetrics (app: FastifyInstance, registry: Registry, enabled: boolean, requestLog: OneLineRequestLog | undefined): ArrivalStamp | undefined {
  if (!enabled) {
    app.decorate('countAllocFailure', () => {})
    return undefined
  }
  const metrics = new MetricsRegistry()
  const requests = new RequestMetrics(DURATION_BUCKETS)
  requests.register(metrics,
    { requests: 'heapd_http_requests_total', duration: 'heapd_http_request_duration_seconds' },
    { requests: 'HTTP requests answered, by route template and status.', duration: 'Time to answer an HTTP request.' })
  const allocFailures = new Counter({
    name: 'heapd_alloc_failures_total', help: 'Refused allocs and reallocs, by reason.', labelNames: ['reason'], registers: [metrics]
  })
  new Gauge({ name: 'heapd_heaps', help: 'Heaps alive.', registers: [metrics], collect () { this.set(registry.count) } })
  new Gauge({ name: 'heapd_live_blocks', help: 'Live blocks across all heaps.', registers: [metrics], collect () { this.set(registry.liveBlocks) } })
  new Gauge({
    name: 'heapd_bytes',
    help: 'Bytes of address space across all heaps, used or free.',
    labelNames: ['state'],
    registers: [metrics],
    collect () {
      let used = 0
      let free = 0
      for (const heap of registry.heaps()) {
        const stats = heap.stats()
        used += stats.used
        free += stats.free
      }
      this.set({ state: 'used' }, used)
      this.set({ state: 'free' }, free)
    }
  })
  new Gauge({
    name: 'heapd_process_resident_memory_bytes', help: 'Resident set size of the process.', registers: [metrics],
    collect () { this.set(process.memoryUsage.rss()) }
  })

  app.decorate('countAllocFailure', (error: unknown) => {
    const reason = allocFailureReason(error)
    if (reason !== undefined) allocFailures.inc({ reason })
  })

  app.decorateRequest('receivedAt', 0)
  app.addHook('onError', async (_request, _reply, error) => { app.countAllocFailure(error) })

  const record = (request: FastifyRequest, reply: FastifyReply, elapsedMs: number): void => {
    requests.record(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, elapsedMs / 1000)
  }
  let stampArrival: ArrivalStamp | undefined
  if (requestLog !== undefined) {
    // Counted where the request line is logged: no hook runner per request.
    requestLog.onCompleted(record)
  } else {
    // Without a logger, Fastify times a request (reply.elapsedTime) only for onResponse hooks, and
    // setting that up (response listeners, a hook runner after the response) was the largest cost
    // of the metrics per request. So the request is timed here, from its arrival to its answer
    // being sent (onSend). Callback style: no promise per request on the hot path.
    stampArrival = (request) => { request.receivedAt = performance.now() }
    app.addHook('onSend', (request, reply, _payload, done) => {
      // An answer sent before the onRequest hooks ran has no arrival time: 0, as reply.elapsedTime says then.
      record(request, reply, request.receivedAt === 0 ? 0 : performance.now() - request.receivedAt)
      done()
    })
  }

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.metrics()
    return reply.type(metrics.contentType).send(text)
  })
  return stampArrival
}
