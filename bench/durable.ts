/**
 * The cost of durability (HEAPD_DATA): the same load against heapd in memory and with the SQLite
 * store, side by side on one run.
 *
 * 1. In process, no HTTP: Registry alloc+free pairs and 100-op batches, per op.
 * 2. HTTP (autocannon child, bench/cannon.ts): POST /heaps/:id/alloc of 64 bytes into a 2^50-byte
 *    heap, req/s, p99 and server CPU per request.
 *
 * Usage: npm run bench:durable [-- --seconds=N]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { buildApp } from '../src/http/app.js'
import { openStore, type SqliteStore } from '../src/registry/durable/store.js'
import { Registry } from '../src/registry/index.js'
import { load } from './cannon.js'

const secondsArg = process.argv.find((arg) => arg.startsWith('--seconds='))
const seconds = secondsArg !== undefined ? Number(secondsArg.slice('--seconds='.length)) : 5
const dir = mkdtempSync(join(tmpdir(), 'heapd-durable-bench-'))
const limits = { maxHeaps: 10, maxHeapSize: Number.MAX_SAFE_INTEGER, maxBlocksPerHeap: 10_000_000 }

function registryWith (store: SqliteStore | undefined): Registry {
  const registry = new Registry({ limits, ...(store !== undefined ? { events: store } : {}) })
  store?.restore(registry)
  return registry
}

function inProcess (label: string, store: SqliteStore | undefined): void {
  const registry = registryWith(store)
  const heap = registry.create({ size: 2 ** 50, strategy: 'tlsf' })
  const pairs = 20_000
  let start = process.hrtime.bigint()
  for (let i = 0; i < pairs; i++) heap.free(heap.alloc(64 + (i & 63)).ptr)
  const pairUs = Number(process.hrtime.bigint() - start) / 1000 / pairs
  const batch = Array.from({ length: 100 }, (_, i) => ({ op: 'alloc' as const, size: 64 + i }))
  const batches = 200
  start = process.hrtime.bigint()
  for (let i = 0; i < batches; i++) heap.batch(batch, false)
  const batchOpUs = Number(process.hrtime.bigint() - start) / 1000 / (batches * 100)
  console.log(`${label.padEnd(8)} in process: alloc+free pair ${pairUs.toFixed(2)} us, batch op ${batchOpUs.toFixed(2)} us`)
}

async function overHttp (label: string, store: SqliteStore | undefined): Promise<void> {
  const app = buildApp(loadConfig({}), store !== undefined ? { events: store } : {})
  store?.restore(app.registry)
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const created = await app.inject({ method: 'POST', url: '/heaps', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ size: 2 ** 50 }) })
  const { id } = created.json() as { id: string }
  const result = await load({ url: `${address}/heaps/${id}/alloc`, seconds, connections: 10, body: JSON.stringify({ size: 64, tag: 'bench' }) })
  console.log(`${label.padEnd(8)} HTTP alloc: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms, ` +
    `server CPU ${result.serverCpuUsPerRequest.toFixed(1)} us/request, errors ${result.errors + result.non2xx}`)
  await app.close()
}

try {
  inProcess('memory', undefined)
  const store = openStore(join(dir, 'a.db'))
  inProcess('sqlite', store)
  store.close()
  await overHttp('memory', undefined)
  const httpStore = openStore(join(dir, 'b.db'))
  await overHttp('sqlite', httpStore)
  httpStore.close()
} finally {
  rmSync(dir, { recursive: true, force: true })
}
