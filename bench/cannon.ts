/**
 * autocannon, run in a worker thread (`workers: 1`): the servers under test keep the main event
 * loop to themselves while the load generator uses the other core.
 */
import autocannon from 'autocannon'
import type { Options, Result } from 'autocannon'

export interface LoadResult {
  requestsPerSecond: number
  p50: number
  p99: number
  requests: number
  errors: number
  timeouts: number
  non2xx: number
}

export interface LoadOptions {
  url: string
  seconds: number
  connections: number
  body?: string
  method?: Options['method']
  requests?: Options['requests']
}

export async function load (options: LoadOptions): Promise<LoadResult> {
  const result: Result = await autocannon({
    url: options.url,
    method: options.method ?? 'POST',
    headers: { 'content-type': 'application/json' },
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.requests === undefined ? {} : { requests: options.requests }),
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    workers: 1
  } as Options)
  return {
    requestsPerSecond: result.requests.total / options.seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx
  }
}
