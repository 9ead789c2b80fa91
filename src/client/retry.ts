/**
 * Attempts of one call: each with its own time limit, tried again after a timeout, a broken
 * connection, a 503 (overloaded or a store that cannot be reached: nothing changed), a proxy's 502
 * or 504 (it lost the instance mid-request: the change may or may not have run) or a 409 saying
 * that an earlier attempt with the same key is still in flight, waiting as
 * the service's `Retry-After` says or backing off. A change is safe to try again because every
 * attempt carries the same `Idempotency-Key`. The caller's signal ends everything at once.
 */
import { HeapdConnectionError, HeapdTimeoutError, retryAfterSeconds } from './errors.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** Time allowed for each attempt. */
  timeoutMs: number
  /** The base of the exponential backoff when the service gives no `Retry-After`. */
  backoffMs: number
  /** The longest wait between attempts, whatever `Retry-After` says. */
  maxDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, timeoutMs: 10_000, backoffMs: 100, maxDelayMs: 5_000 }

/** Runs `attempt` until it answers something other than a 503, or the retries are spent. */
export async function withRetries<T extends { response: Response, error?: unknown }> (
  url: string, policy: RetryPolicy, signal: AbortSignal | undefined, attempt: (signal: AbortSignal) => Promise<T>
): Promise<T> {
  for (let tried = 0; ; tried++) {
    signal?.throwIfAborted()
    const timeout = AbortSignal.timeout(policy.timeoutMs)
    let failure: Error
    try {
      const result = await attempt(signal === undefined ? timeout : AbortSignal.any([signal, timeout]))
      if (!worthRetrying(result) || tried >= policy.retries) return result
      const retryAfter = retryAfterSeconds(result.response)
      await sleep(retryAfter === undefined ? backoff(policy, tried) : Math.min(retryAfter * 1000, policy.maxDelayMs), signal)
      continue
    } catch (error) {
      signal?.throwIfAborted()
      if (timeout.aborted) failure = new HeapdTimeoutError(url, policy.timeoutMs)
      else if (error instanceof TypeError) failure = new HeapdConnectionError(url, { cause: error })
      else throw error
    }
    if (tried >= policy.retries) throw failure
    await sleep(backoff(policy, tried), signal)
  }
}

/**
 * A 503 changed nothing; after a 502 or 504 the same key answers the first answer if the change
 * ran; a 409 `idempotency-key-in-flight` means an earlier attempt with this key (one that timed
 * out on this side) is still running there: asked again, the service answers it.
 */
function worthRetrying (result: { response: Response, error?: unknown }): boolean {
  const status = result.response.status
  if (status === 502 || status === 503 || status === 504) return true
  const type = (result.error as { type?: unknown } | undefined)?.type
  return status === 409 && typeof type === 'string' && type.endsWith('/idempotency-key-in-flight')
}

/** Exponential with jitter, so that clients refused together do not come back together. */
function backoff (policy: RetryPolicy, tried: number): number {
  return Math.min(policy.backoffMs * 2 ** tried * (0.5 + Math.random() / 2), policy.maxDelayMs)
}

function sleep (ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      signal?.removeEventListener('abort', abort)
      resolve()
    }
    const timer = setTimeout(done, ms)
    const abort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', abort, { once: true })
  })
}
