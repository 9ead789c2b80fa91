/**
 * The idle-expiry sweep: one unref'd interval timer that asks the registry to delete heaps not
 * accessed for the TTL (Registry.expireIdle, which deletes through the normal path, so a journal
 * records it). A heap goes at most one interval after its `expiresAt`. Timers are injectable so
 * tests drive the sweep without waiting.
 */
import type { Registry } from './registry.js'

export interface SweepTimers {
  setInterval: (callback: () => void, ms: number) => { unref?: () => unknown }
  clearInterval: (timer: ReturnType<SweepTimers['setInterval']>) => void
}

const realTimers: SweepTimers = {
  setInterval: (callback, ms) => setInterval(callback, ms),
  clearInterval: (timer) => clearInterval(timer as ReturnType<typeof setInterval>)
}

/** A tenth of the TTL, between one second and one minute: expiry is late by at most that. */
export function sweepInterval (ttlMs: number): number {
  return Math.min(60_000, Math.max(1_000, Math.floor(ttlMs / 10)))
}

export interface SweepOptions {
  intervalMs: number
  /** Told which heaps expired (for the log). */
  onExpired?: (ids: string[]) => void
  /** Told when a sweep fails (a journal refusing the delete): the next sweep tries again. */
  onError?: (error: unknown) => void
  timers?: SweepTimers
}

/** Starts sweeping every `intervalMs`; answers the function that stops it. */
export function startExpirySweep (registry: Registry, options: SweepOptions): () => void {
  const timers = options.timers ?? realTimers
  const timer = timers.setInterval(() => {
    try {
      const expired = registry.expireIdle()
      if (expired.length > 0) options.onExpired?.(expired)
    } catch (error) {
      // Thrown from a timer, it would end the process; the heaps stay until the next sweep.
      options.onError?.(error)
    }
  }, options.intervalMs)
  // The sweep alone never keeps the process alive.
  timer.unref?.()
  return () => timers.clearInterval(timer)
}
