/**
 * heapd's own app for the HTTP benchmarks: buildApp with the default config (loadConfig({}), or
 * the given environment's) and no logger, plus the few calls the benchmarks make through
 * app.inject (outside the timed load): create and delete a heap, read its stats, try a batch body.
 */
import { buildApp } from '../src/http/app.js'
import type { App } from '../src/http/app.js'
import { loadConfig } from '../src/config.js'

export interface Heapd {
  app: App
  createHeap(size: number): Promise<string>
  deleteHeap(id: string): Promise<void>
  stats(id: string): Promise<{ liveBlocks: number, allocs: number, frees: number, failedAllocs: number }>
  /** True when every op of the batch body succeeds. */
  batch(id: string, body: string): Promise<boolean>
}

/** `environment`: the HEAPD_* settings to build heapd with (the defaults when omitted). */
export async function startHeapd (environment: NodeJS.ProcessEnv = {}): Promise<Heapd> {
  // Without a logger in its options, buildApp logs nothing.
  const app = buildApp(loadConfig(environment))
  await app.ready()
  const json = { 'content-type': 'application/json' }

  return {
    app,
    async createHeap (size) {
      const res = await app.inject({ method: 'POST', url: '/heaps', headers: json, payload: JSON.stringify({ size }) })
      if (res.statusCode !== 201) throw new Error(`POST /heaps answered ${res.statusCode}: ${res.body}`)
      return (res.json() as { id: string }).id
    },
    async deleteHeap (id) {
      const res = await app.inject({ method: 'DELETE', url: `/heaps/${id}` })
      if (res.statusCode !== 204) throw new Error(`DELETE /heaps/${id} answered ${res.statusCode}: ${res.body}`)
    },
    async stats (id) {
      const res = await app.inject({ method: 'GET', url: `/heaps/${id}/stats` })
      if (res.statusCode !== 200) throw new Error(`GET /heaps/${id}/stats answered ${res.statusCode}: ${res.body}`)
      return res.json()
    },
    async batch (id, body) {
      const res = await app.inject({ method: 'POST', url: `/heaps/${id}/batch`, headers: json, payload: body })
      if (res.statusCode !== 200) throw new Error(`POST /heaps/${id}/batch answered ${res.statusCode}: ${res.body}`)
      return (res.json() as { results: { ok: boolean }[] }).results.every((r) => r.ok)
    }
  }
}
