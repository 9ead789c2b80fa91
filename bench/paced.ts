/**
 * The load mix at an evenly paced rate, open loop: request k is due at start + k / rate whether or
 * not earlier answers have come, and its latency counts from that due time (so a client that fell
 * behind, or a server that stalled, shows in the figures instead of slowing the schedule: no
 * coordinated omission). autocannon's own rate sends each connection's share of a second in one
 * burst when the second starts, which measures bursts at full speed, not latency below saturation.
 *
 * Streams take turns, each on its own heap, each looping alloc, alloc, free (its oldest answered
 * block), stats, as bench:load's connections do; a free with no answered block yet is a stats.
 */
import { Agent, request } from 'node:http'
import { percentile } from './stats.js'

/** Latency percentiles of a run, in ms. */
export interface Latency { p50: number, p90: number, p99: number, max: number }

export interface PacedResult {
  /** Requests answered per second over the run. */
  requestsPerSecond: number
  latency: Latency
  /** Every request's latency in ms, sorted: runs are pooled from these. */
  samples: Float64Array
  /** Transport errors and answers other than 2xx. */
  errors: number
  /** How late the client sent its requests (ms after their due time): its own timer resolution and pauses, part of every latency above. */
  sendLag: { p50: number, p99: number }
}

interface Stream {
  heap: string
  step: number
  ptrs: number[]
}

/** What one request of the mix sends. */
interface Call { method: string, path: string, body?: string, onAnswer?: (status: number, text: string) => void }

/** The percentiles of latencies sorted ascending. */
export function latencyOf (sorted: Float64Array): Latency {
  return { p50: percentile(sorted, 0.5), p90: percentile(sorted, 0.9), p99: percentile(sorted, 0.99), max: percentile(sorted, 1) }
}

function nextCall (stream: Stream): Call {
  const step = stream.step++ % 4
  if (step <= 1) {
    return {
      method: 'POST',
      path: `/heaps/${stream.heap}/alloc`,
      body: JSON.stringify({ size: 1 + Math.floor(Math.random() * 4096) }),
      onAnswer: (status, text) => { if (status === 201) stream.ptrs.push((JSON.parse(text) as { ptr: number }).ptr) }
    }
  }
  const ptr = step === 2 ? stream.ptrs.shift() : undefined
  if (ptr !== undefined) return { method: 'DELETE', path: `/heaps/${stream.heap}/blocks/${ptr}` }
  return { method: 'GET', path: `/heaps/${stream.heap}/stats` }
}

export async function runPaced (options: { base: string, heaps: string[], streams: number, rate: number, seconds: number }): Promise<PacedResult> {
  const { base, heaps, rate, seconds } = options
  const { hostname, port } = new URL(base)
  const agent = new Agent({ keepAlive: true, maxSockets: options.streams })
  const streams: Stream[] = Array.from({ length: options.streams }, (_, i) => ({ heap: heaps[i % heaps.length]!, step: 0, ptrs: [] }))
  const total = Math.round(rate * seconds)
  const latencies = new Float64Array(total)
  const lags = new Float64Array(total)
  let answered = 0
  let errors = 0
  let sent = 0

  const send = (due: number, stream: Stream): Promise<void> => new Promise((resolve) => {
    const call = nextCall(stream)
    const finish = (ok: boolean): void => {
      latencies[answered++] = performance.now() - due
      if (!ok) errors++
      resolve()
    }
    const req = request({ agent, hostname, port, method: call.method, path: call.path, headers: call.body !== undefined ? { 'content-type': 'application/json' } : {} }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk }).on('end', () => {
        const status = res.statusCode ?? 0
        call.onAnswer?.(status, text)
        finish(status >= 200 && status < 300)
      })
    })
    req.on('error', () => { finish(false) })
    req.end(call.body)
  })

  const start = performance.now()
  const pending: Array<Promise<void>> = []
  // Wake every millisecond (the timers' resolution) and send every request due by then.
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now()
      for (; sent < total; sent++) {
        const due = start + (sent * 1000) / rate
        if (due > now) break
        lags[sent] = performance.now() - due
        pending.push(send(due, streams[sent % streams.length]!))
      }
      if (sent < total) setTimeout(tick, 1)
      else resolve()
    }
    tick()
  })
  await Promise.all(pending)
  const elapsed = (performance.now() - start) / 1000
  agent.destroy()
  const sorted = latencies.subarray(0, answered).sort()
  const sortedLags = lags.subarray(0, sent).sort()
  return {
    requestsPerSecond: answered / elapsed,
    latency: latencyOf(sorted),
    samples: sorted,
    errors,
    sendLag: { p50: percentile(sortedLags, 0.5), p99: percentile(sortedLags, 0.99) }
  }
}
