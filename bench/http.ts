/**
 * `npm run bench:http`: HTTP throughput of POST /heaps/:id/alloc next to a bare Fastify route
 * taking the same body, in one process and run (both servers in this process, autocannon in a
 * child process, see cannon.ts), and the batch endpoint's allocator ops/s end to end. Beside
 * req/s, the server's CPU time per request: the steady figure when other processes share the
 * cores. Loopback only.
 *   npm run bench:http -- [--quick] [--seconds=S] [--connections=N] [--batch-ops=N] [--only=alloc|batch]
 */
import type { FastifyInstance } from 'fastify'
import { loadavg } from 'node:os'
import { buildBareApp } from './bare-app.js'
import { load } from './cannon.js'
import type { LoadResult } from './cannon.js'
import { startHeapd } from './heapd-app.js'
import { printTable, int, verdict } from './table.js'
import type { Cell } from './table.js'
import { flagsOf } from './args.js'

const MIN_ALLOC_OVER_BARE = 0.85
const MIN_BATCH_OPS_PER_SECOND = 1e6

const args = flagsOf(process.argv.slice(2))
const quick = args.has('quick') || process.env.BENCH_QUICK === '1'
const seconds = Number(args.get('seconds') ?? (quick ? 3 : 10))
const connections = Number(args.get('connections') ?? 50)
const batchOps = Number(args.get('batch-ops') ?? 1000)
const only = args.get('only')
if (only !== undefined && only !== 'alloc' && only !== 'batch') throw new Error('--only takes alloc or batch')
const warmupSeconds = quick ? 1 : 2

async function listen (app: FastifyInstance): Promise<string> {
  return await app.listen({ host: '127.0.0.1', port: 0 })
}

const allocBody = JSON.stringify({ size: 64 })
const bare = await buildBareApp()
const bareUrl = `${await listen(bare)}/alloc`
const heapd = await startHeapd()
const heapdBase = await listen(heapd.app)

console.log('# heapd HTTP benchmark\n')
console.log(`node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at start; autocannon in a child process, ${connections} connections, pipelining 1, ${seconds} s per run after a ${warmupSeconds} s warm-up; 127.0.0.1`)

const targets: Cell[][] = []
const runs: LoadResult[] = []
let failedAllocs = 0
if (only === undefined || only === 'alloc') {
  const result = await compareAlloc()
  targets.push(...result.targets)
  runs.push(...result.runs)
}
if (only === undefined || only === 'batch') {
  const result = await benchBatch()
  targets.push(...result.targets)
  runs.push(...result.runs)
  failedAllocs += result.failedAllocs
}
const noErrors = runs.every((r) => r.errors + r.timeouts + r.non2xx === 0) && failedAllocs === 0
targets.push(['no errors, timeouts, non-2xx or failed allocs', noErrors ? 'none' : 'some (see tables)', verdict(noErrors)])
printTable('Targets (issue 3), against the numbers above', ['target', 'measured', 'verdict'], targets)

console.log(`\nload average ${loadavg()[0]!.toFixed(2)} at the end: other processes on this machine skew the figures.`)
await bare.close()
await heapd.app.close()

async function compareAlloc (): Promise<{ targets: Cell[][], runs: LoadResult[] }> {
  // Warm both apps up, then measure in the order bare, heapd, heapd, bare and keep each one's better run.
  await load({ url: bareUrl, seconds: warmupSeconds, connections, body: allocBody })
  const warmHeap = await heapd.createHeap(2 ** 50)
  await load({ url: `${heapdBase}/heaps/${warmHeap}/alloc`, seconds: warmupSeconds, connections, body: allocBody })
  await heapd.deleteHeap(warmHeap)

  const bareRuns: LoadResult[] = []
  const allocRuns: LoadResult[] = []
  const liveAtEnd: number[] = []
  bareRuns.push(await load({ url: bareUrl, seconds, connections, body: allocBody }))
  for (let i = 0; i < 2; i++) {
    // A fresh heap per run keeps it far from the per-heap block limit, since nothing is freed.
    const heapId = await heapd.createHeap(2 ** 50)
    allocRuns.push(await load({ url: `${heapdBase}/heaps/${heapId}/alloc`, seconds, connections, body: allocBody }))
    liveAtEnd.push((await heapd.stats(heapId)).liveBlocks)
    await heapd.deleteHeap(heapId)
  }
  bareRuns.push(await load({ url: bareUrl, seconds, connections, body: allocBody }))

  const bestBare = best(bareRuns)
  const bestAlloc = best(allocRuns)
  const allocRatio = bestAlloc.requestsPerSecond / bestBare.requestsPerSecond
  const cpuRatio = leastCpu(bareRuns) / leastCpu(allocRuns)
  printTable('POST /heaps/:id/alloc vs a bare Fastify route (same body {"size":64}, 201 + small JSON)', ['app', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'server CPU µs/req', 'runs (req/s)'], [
    row('bare Fastify POST /alloc', bestBare, bareRuns),
    row('heapd POST /heaps/:id/alloc', bestAlloc, allocRuns)
  ], [
    `ratio alloc / bare = ${allocRatio.toFixed(3)} by req/s (better run of each), ${cpuRatio.toFixed(3)} by server CPU per request (least of each).`,
    `heap of 2^50 bytes, never freed: ${liveAtEnd.map(int).join(' and ')} live blocks at the end of the two runs.`
  ])
  return {
    targets: [
      [`alloc route >= ${MIN_ALLOC_OVER_BARE} × bare route (req/s)`, `${allocRatio.toFixed(3)} (${int(bestAlloc.requestsPerSecond)} / ${int(bestBare.requestsPerSecond)} req/s)`, verdict(allocRatio >= MIN_ALLOC_OVER_BARE)],
      [`alloc route >= ${MIN_ALLOC_OVER_BARE} × bare route (server CPU per request)`, `${cpuRatio.toFixed(3)} (${leastCpu(bareRuns).toFixed(0)} / ${leastCpu(allocRuns).toFixed(0)} µs)`, verdict(cpuRatio >= MIN_ALLOC_OVER_BARE)]
    ],
    runs: [...bareRuns, ...allocRuns]
  }
}

async function benchBatch (): Promise<{ targets: Cell[][], runs: LoadResult[], failedAllocs: number }> {
  // Batch: half allocs then frees of those same blocks. First-fit on an empty heap places them
  // at 0, 64, 128, ... so the frees can name their pointers in advance and the heap stays bounded.
  const pairs = Math.floor(batchOps / 2)
  const ops: unknown[] = []
  for (let i = 0; i < pairs; i++) ops.push({ op: 'alloc', size: 64 })
  for (let i = 0; i < pairs; i++) ops.push({ op: 'free', ptr: i * 64 })
  const batchBody = JSON.stringify({ ops })
  const batchHeap = await heapd.createHeap(2 ** 50)
  const check = await heapd.batch(batchHeap, batchBody)
  if (!check) throw new Error('the batch body does not run cleanly on an empty first-fit heap')
  await load({ url: `${heapdBase}/heaps/${batchHeap}/batch`, seconds: warmupSeconds, connections, body: batchBody })
  const batchRuns: LoadResult[] = []
  for (let i = 0; i < 2; i++) batchRuns.push(await load({ url: `${heapdBase}/heaps/${batchHeap}/batch`, seconds, connections, body: batchBody }))
  const bestBatch = best(batchRuns)
  const batchStats = await heapd.stats(batchHeap)
  const batchOpsPerSecond = bestBatch.requestsPerSecond * pairs * 2
  const batchOpsPerCpuSecond = pairs * 2 / leastCpu(batchRuns) * 1e6
  printTable(`POST /heaps/:id/batch, ${pairs * 2} ops per request (${pairs} allocs of 64 B, then their ${pairs} frees)`, ['endpoint', 'req/s', 'allocator ops/s', 'p50 ms', 'p99 ms', 'errors', 'non-2xx', 'server CPU µs/req', 'ops per server CPU-s'], [
    ['heapd POST /heaps/:id/batch', int(bestBatch.requestsPerSecond), int(batchOpsPerSecond), bestBatch.p50, bestBatch.p99, bestBatch.errors + bestBatch.timeouts, bestBatch.non2xx, leastCpu(batchRuns).toFixed(0), int(batchOpsPerCpuSecond)]
  ], [`after warm-up and runs: ${int(batchStats.liveBlocks)} live blocks, ${int(batchStats.failedAllocs)} failed allocs, ${int(batchStats.allocs)} allocs and ${int(batchStats.frees)} frees.`])
  return {
    targets: [
      [`batch >= ${int(MIN_BATCH_OPS_PER_SECOND)} allocator ops/s end to end`, `${int(batchOpsPerSecond)} ops/s`, verdict(batchOpsPerSecond >= MIN_BATCH_OPS_PER_SECOND)],
      [`batch >= ${int(MIN_BATCH_OPS_PER_SECOND)} allocator ops per server CPU-second`, `${int(batchOpsPerCpuSecond)} ops/CPU-s`, verdict(batchOpsPerCpuSecond >= MIN_BATCH_OPS_PER_SECOND)]
    ],
    runs: batchRuns,
    failedAllocs: batchStats.failedAllocs
  }
}

function best (runs: LoadResult[]): LoadResult {
  return runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a))
}

/** Least server CPU per request over some runs: the run least disturbed by other processes. */
function leastCpu (runs: LoadResult[]): number {
  return Math.min(...runs.map((r) => r.serverCpuUsPerRequest))
}

function row (name: string, r: LoadResult, runs: LoadResult[]): Cell[] {
  return [name, int(r.requestsPerSecond), r.p50, r.p99, r.errors + r.timeouts, r.non2xx, leastCpu(runs).toFixed(0), runs.map((x) => int(x.requestsPerSecond)).join(', ')]
}
