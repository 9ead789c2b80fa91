/**
 * What the app adds when heaps are shared with other instances (PostgreSQL, registry/shared.ts):
 * reads of a heap wait their turn and see every change committed before they arrived, and idle
 * expiry runs in the database, where each heap is deleted once whichever instance sweeps first.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { sweepInterval } from '../registry/expiry.js'
import type { SharedHeaps } from '../registry/shared.js'

/** Reads of `/heaps/:id` and below bring the heap up to date first (a version check, a reload when behind). */
export function installSharedReads (app: FastifyInstance, shared: SharedHeaps): void {
  app.addHook('preHandler', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return
    const heapId = (request.params as { id?: unknown } | undefined)?.id
    if (typeof heapId !== 'string' || request.routeOptions.url?.startsWith('/heaps/:id') !== true) return
    await shared.fresh(heapId)
  })
}

/**
 * Deletes heaps whose last change is older than the TTL, in the database (a heap only read does
 * not count as changed there). Answers the app's onClose hook that stops it.
 */
export function startSharedExpiry (shared: SharedHeaps, ttlMs: number, log: FastifyBaseLogger): () => Promise<void> {
  const timer = setInterval(() => {
    shared.expireIdle(ttlMs).then((ids) => {
      if (ids.length > 0) log.info({ heapIds: ids }, 'idle heaps expired')
    }, (err: unknown) => log.warn({ err }, 'idle heap expiry failed; the next sweep tries again'))
  }, sweepInterval(ttlMs))
  timer.unref()
  return async () => { clearInterval(timer) }
}
