/**
 * Prometheus metrics at GET /metrics (prom-client), one metrics registry per app so that apps
 * (and tests building many of them) never share series.
 *
 * - heapd_http_requests_total and heapd_http_request_duration_seconds, by method, route template
 *   (never the raw URL: IDs and pointers would explode the series count) and status;
 * - heapd_heaps, heapd_live_blocks and heapd_bytes{state="used"|"free"}, read from the registry
 *   when scraped;
 * - heapd_alloc_failures_total by reason: full, fragmented (out-of-memory), exceeds-heap-size,
 *   quota (a block limit), for allocs and reallocs, single or in a batch;
 * - heapd_defrag_plans_total by outcome (created, committed, aborted, expired) and
 *   heapd_defrag_bytes_moved_total (bytes of committed moves), read from the registry's plan
 *   counters when scraped, since plans also expire with no request;
 * - heapd_shared_{batches,jobs,commits,conflicts,reloads}_total, with PostgreSQL: how often
 *   another instance got to a heap first (registry/shared.ts).
 */
import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, Histogram, Registry as MetricsRegistry } from 'prom-client'
import { ExceedsHeapSizeError, OutOfMemoryError } from '../allocator/errors.js'
import { BatchOpError, QuotaExceededError } from '../registry/errors.js'
import type { Registry } from '../registry/registry.js'
import type { SharedCounters } from '../registry/shared.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a failed alloc or realloc (does nothing for other errors or when metrics are off). */
    countAllocFailure: (error: unknown) => void
  }
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

/** The reason label of an alloc failure, or undefined when `error` is not one. */
export function allocFailureReason (error: unknown): string | undefined {
  const cause = error instanceof BatchOpError ? error.cause : error
  if (cause instanceof OutOfMemoryError) return cause.reason
  if (cause instanceof ExceedsHeapSizeError) return 'exceeds-heap-size'
  if (cause instanceof QuotaExceededError && (cause.limit === 'maxBlocksPerHeap' || cause.limit === 'maxBlocksTotal' || cause.limit === 'maxBlocksPerTenant')) return 'quota'
  return undefined
}

export function installMetrics (app: FastifyInstance, registry: Registry, enabled: boolean): void {
  if (!enabled) {
    app.decorate('countAllocFailure', () => {})
    return
  }
  const metrics = new MetricsRegistry()
  const labelNames = ['method', 'route', 'status'] as const
  const requests = new Counter({
    name: 'heapd_http_requests_total', help: 'HTTP requests answered, by route template and status.', labelNames, registers: [metrics]
  })
  const durations = new Histogram({
    name: 'heapd_http_request_duration_seconds', help: 'Time to answer an HTTP request.', labelNames, buckets: DURATION_BUCKETS, registers: [metrics]
  })
  const allocFailures = new Counter({
    name: 'heapd_alloc_failures_total', help: 'Refused allocs and reallocs, by reason.', labelNames: ['reason'], registers: [metrics]
  })
  // Read from the registry and the process when scraped.
  const gauges = [
    new Gauge({ name: 'heapd_heaps', help: 'Heaps alive.', registers: [], collect () { this.set(registry.count) } }),
    new Gauge({ name: 'heapd_live_blocks', help: 'Live blocks across all heaps.', registers: [], collect () { this.set(registry.liveBlocks) } }),
    new Gauge({
      name: 'heapd_bytes',
      help: 'Bytes of address space across all heaps, used or free.',
      labelNames: ['state'],
      registers: [],
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
    }),
    new Gauge({
      name: 'heapd_process_resident_memory_bytes',
      help: 'Resident set size of the process.',
      registers: [],
      collect () { this.set(process.memoryUsage.rss()) }
    })
  ]
  for (const gauge of gauges) metrics.registerMetric(gauge)
  const { counters: defrag } = registry.defrag
  metrics.registerMetric(new Counter({
    name: 'heapd_defrag_plans_total',
    help: 'Defragmentation plans, by outcome: created, committed, aborted (by the client, a reset or a delete), expired.',
    labelNames: ['outcome'],
    registers: [],
    collect () {
      this.reset()
      for (const [outcome, count] of Object.entries(defrag.plans)) this.inc({ outcome }, count)
    }
  }))
  metrics.registerMetric(new Counter({
    name: 'heapd_defrag_bytes_moved_total',
    help: 'Bytes moved by committed defragmentation plans.',
    registers: [],
    collect () {
      this.reset()
      this.inc(defrag.bytesMoved)
    }
  }))

  const shared = app.shared
  if (shared !== undefined) {
    const help: Record<keyof SharedCounters, string> = {
      batches: 'Batches of requests computed on a heap shared through PostgreSQL (each attempt counts).',
      jobs: 'Requests on shared heaps answered after their batch committed (or needed no commit).',
      commits: 'Transactions committed to PostgreSQL.',
      conflicts: 'Commits refused because another instance changed a heap first: the batch was computed again.',
      reloads: 'Heaps loaded from PostgreSQL: first use on this instance, or behind another instance.'
    }
    for (const name of Object.keys(help) as Array<keyof SharedCounters>) {
      metrics.registerMetric(new Counter({
        name: `heapd_shared_${name}_total`,
        help: help[name],
        registers: [],
        collect () {
          this.reset()
          this.inc(shared.counters[name])
        }
      }))
    }
  }

  app.decorate('countAllocFailure', (error: unknown) => {
    const reason = allocFailureReason(error)
    if (reason !== undefined) allocFailures.inc({ reason })
  })

  app.addHook('onError', async (_request, _reply, error) => { app.countAllocFailure(error) })
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: reply.statusCode }
    requests.inc(labels)
    durations.observe(labels, reply.elapsedTime / 1000)
  })

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await metrics.metrics()
    return reply.type(metrics.contentType).send(text)
  })
}
