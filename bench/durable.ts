/**
 * The cost of durability (HEAPD_DATA): the same load against heapd in memory and with the SQLite
 * store, side by side on one run.
 *
 * 1. In process, no HTTP: Registry alloc+free pairs and 100-op batches, per op.
 * 2. HTTP (autocannon child, bench/cannon.ts): POST /heaps/:id/alloc of 64 bytes into a 2^50-byte
 *    heap, req/s, p99 and server CPU per request.
 *
 * 3. The snapshot pause: a tlsf heap holding 100 000 live blocks churns (free one, alloc one) until
 *    its journal passes 2 x live + 1024 steps and the store takes a snapshot; the slowest single
 *    change is that pause (the others show the usual cost of a change).
 *
 * Usage: npm run bench:durable [-- --seconds=N] [--only=pause]
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { buildApp, createRegistry } from '../src/http/app.js'
import { SqliteStore } from '../src/registry/store/sqlite/store.js'
import { Registry } from '../src/registry/index.js'
import { flagsOf } from './args.js'
import { load } from './cannon.js'

const args = flagsOf(process.argv.slice(2))
const seconds = Number(args.get('seconds') ?? 5)
const onlyPause = args.get('only') === 'pause'
const dir = mkdtempSync(join(tmpdir(), 'heapd-durable-bench-'))
const limits = { maxHeaps: 10, maxHeapSize: Number.MAX_SAFE_INTEGER, maxBlocksPerHeap: 10_000_000 }

function registryWith (store: SqliteStore | undefined): Registry {
  const registry = new Registry({ limits, ...(store !== undefined ? { events: store.events } : {}) })
  if (store !== undefined) registry.load(store.load())
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
  const config = loadConfig({})
  const registry = createRegistry(config, store !== undefined ? { events: store.events } : {})
  if (store !== undefined) registry.load(store.load())
  const app = buildApp(config, { registry })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  const created = await app.inject({ method: 'POST', url: '/heaps', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ size: 2 ** 50 }) })
  const { id } = created.json() as { id: string }
  const result = await load({ url: `${address}/heaps/${id}/alloc`, seconds, connections: 10, body: JSON.stringify({ size: 64, tag: 'bench' }) })
  console.log(`${label.padEnd(8)} HTTP alloc: ${Math.round(result.requestsPerSecond)} req/s, p99 ${result.p99} ms, ` +
    `server CPU ${result.serverCpuUsPerRequest.toFixed(1)} us/request, errors ${result.errors + result.non2xx}`)
  await app.close()
}

/** Times every single change of a churning tlsf heap with `live` blocks through its first snapshots. */
function snapshotPause (store: SqliteStore, live: number): void {
  const registry = registryWith(store)
  const heap = registry.create({ size: 2 ** 40, strategy: 'tlsf' })
  const ptrs: number[] = []
  for (let i = 0; i < live / 1000; i++) {
    const results = heap.batch(Array.from({ length: 1000 }, (_, j) => ({ op: 'alloc' as const, size: 16 + ((i * 1000 + j) * 7919) % 4096 })), false)
    for (const result of results) if (result.ok) ptrs.push(result.ptr)
  }
  // The batches were `live` steps; single changes add one each until the journal passes
  // 2 x live + 1024 and the snapshot is taken, then a few thousand more.
  const changes = live + 1024 + 4096
  const times: number[] = []
  let state = 12345
  for (let i = 0; i < changes / 2; i++) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    const at = state % ptrs.length
    let start = process.hrtime.bigint()
    heap.free(ptrs[at]!)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
    start = process.hrtime.bigint()
    ptrs[at] = heap.alloc(16 + state % 4096).ptr
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  // The snapshot is taken by the change that brings the journal past 2 x live + 1024 steps:
  // change `live` + 1022 give or take a few. The slowest change near there is the pause.
  const near = times.slice(live + 1000, live + 1050)
  const pause = Math.max(...near)
  const others = times.filter((_, i) => i < live + 1000 || i >= live + 1050).sort((a, b) => a - b)
  console.log(`snapshot pause, tlsf, ${live} live blocks: the change taking the snapshot ${pause.toFixed(1)} ms (change ${live + 1000 + near.indexOf(pause)}); ` +
    `the other ${others.length} changes: median ${others[others.length >> 1]!.toFixed(3)} ms, p99 ${others[Math.floor(others.length * 0.99)]!.toFixed(3)} ms, ` +
    `slowest ${others[others.length - 1]!.toFixed(1)} ms`)
}

try {
  const pauseStore = SqliteStore.open(join(dir, 'pause.db'))
  snapshotPause(pauseStore, 100_000)
  pauseStore.close()
  if (!onlyPause) {
    inProcess('memory', undefined)
    const store = SqliteStore.open(join(dir, 'a.db'))
    inProcess('sqlite', store)
    store.close()
    await overHttp('memory', undefined)
    const httpStore = SqliteStore.open(join(dir, 'b.db'))
    await overHttp('sqlite', httpStore)
    httpStore.close()
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
