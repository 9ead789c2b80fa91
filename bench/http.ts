/**
 * `npm run bench:http`: HTTP throughput of POST /heaps/:id/alloc next to a bare Fastify route
 * taking the same body, in one process and run (both servers in this process, autocannon in a
 * child process, see cannon.ts), and the batch endpoint's allocator ops/s end to end. Beside
 * req/s, the server's CPU time per request: the steady figure when other processes share the
 * cores. Loopback only.
 *   npm run bench:http -- [--quick] [--seconds=S] [--rounds=N] [--connections=N] [--batch-ops=N] [--only=alloc|batch] [--heapd-env]
 */
import type { FastifyInstance } from 'fastify'
import { loadavg } from 'node:os'
import { buildBareApp } from './bare-app.js'
import { load } from './cannon.js'
import type { LoadResult } from './cannon.js'
import { startHeapd } from './heapd-app.js'
import { printTable, int } from './table.js'
import { flagsOf } from './args.js'
import { median } from './stats.js'

const args = flagsOf(process.argv.slice(2))
const quick = args.has('quick') || process.env.BENCH_QUICK === '1'
const seconds = Number(args.get('seconds') ?? (quick ? 2 : 5))
const rounds = Number(args.get('rounds') ?? (quick ? 2 : 6))
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
// --heapd-env: heapd configured from this process's environment (say HEAPD_METRICS=false), to see what a feature costs.
const heapd = await startHeapd(args.has('heapd-env') ? process.env : {})
const heapdBase = await listen(heapd.app)

console.log('# heapd HTTP benchmark\n')
console.log(`node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at start; autocannon in a child process, ${connections} connections, pipelining 1, ${seconds} s per run after a ${warmupSeconds} s warm-up, ${rounds} rounds of the alloc comparison; 127.0.0.1`)

const runs: LoadResult[] = []
let failedAllocs = 0
if (only === undefined || only === 'alloc') runs.push(...await compareAlloc())
if (only === undefined || only === 'batch') {
  const result = await benchBatch()
  runs.push(...result.runs)
  failedAllocs += result.failedAllocs
}
const failures = runs.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0)
console.log(`\nerrors, timeouts and non-2xx answers over all runs: ${int(failures)}; failed allocs in the batches: ${int(failedAllocs)}`)

console.log(`\nload average ${loadavg()[0]!.toFixed(2)} at the end: other processes on this machine skew the figures.`)
await bare.close()
await heapd.app.close()

async function compareAlloc (): Promise<LoadResult[]> {
  await load({ url: bareUrl, seconds: warmupSeconds, connections, body: allocBody })
  const warmHeap = await heapd.createHeap(2 ** 50)
  await load({ url: `${heapdBase}/heaps/${warmHeap}/alloc`, seconds: warmupSeconds, connections, body: allocBody })
  await heapd.deleteHeap(warmHeap)

  // This machine's speed drifts over tens of seconds (other tenants of the host), by up to 2x. So
  // the two apps run in short rounds of one run each, in the order bare-heapd, heapd-bare, ..., and
  // each round gives a ratio of two neighbouring runs, and the median round is reported.
  const bareRuns: LoadResult[] = []
  const allocRuns: LoadResult[] = []
  const liveAtEnd: number[] = []
  const runAlloc = async (): Promise<LoadResult> => {
    // A fresh heap per run keeps it far from the per-heap block limit, since nothing is freed.
    const heapId = await heapd.createHeap(2 ** 50)
    const result = await load({ url: `${heapdBase}/heaps/${heapId}/alloc`, seconds, connections, body: allocBody })
    liveAtEnd.push((await heapd.stats(heapId)).liveBlocks)
    await heapd.deleteHeap(heapId)
    return result
  }
  const runBare = async (): Promise<LoadResult> => await load({ url: bareUrl, seconds, connections, body: allocBody })
  for (let round = 0; round < rounds; round++) {
    if (round % 2 === 0) {
      bareRuns.push(await runBare())
      allocRuns.push(await runAlloc())
    } else {
      allocRuns.push(await runAlloc())
      bareRuns.push(await runBare())
    }
  }

  const byRequests = median(allocRuns.map((run, i) => run.requestsPerSecond / bareRuns[i]!.requestsPerSecond))
  const byCpu = median(allocRuns.map((run, i) => bareRuns[i]!.serverCpuUsPerRequest / run.serverCpuUsPerRequest))
  printTable('POST /heaps/:id/alloc vs a bare Fastify route (same body {"size":64}, 201 + small JSON)', ['round', 'bare req/s', 'heapd req/s', 'ratio', 'bare CPU µs/req', 'heapd CPU µs/req', 'ratio by CPU', 'bare p50/p99 ms', 'heapd p50/p99 ms', 'errors'], allocRuns.map((alloc, i) => {
    const bare = bareRuns[i]!
    return [String(i + 1), int(bare.requestsPerSecond), int(alloc.requestsPerSecond), (alloc.requestsPerSecond / bare.requestsPerSecond).toFixed(3),
      bare.serverCpuUsPerRequest.toFixed(0), alloc.serverCpuUsPerRequest.toFixed(0), (bare.serverCpuUsPerRequest / alloc.serverCpuUsPerRequest).toFixed(3),
      `${bare.p50}/${bare.p99}`, `${alloc.p50}/${alloc.p99}`, String(bare.errors + bare.timeouts + alloc.errors + alloc.timeouts)]
  }), [
    `ratio alloc / bare, median of ${rounds} rounds: ${byRequests.toFixed(3)} by req/s, ${byCpu.toFixed(3)} by server CPU per request.`,
    `best runs: bare ${int(best(bareRuns).requestsPerSecond)} req/s, heapd ${int(best(allocRuns).requestsPerSecond)} req/s; least CPU: bare ${leastCpu(bareRuns).toFixed(0)} µs, heapd ${leastCpu(allocRuns).toFixed(0)} µs per request.`,
    `heap of 2^50 bytes per run, never freed: ${liveAtEnd.map(int).join(', ')} live blocks at the end of the runs.`
  ])
  return [...bareRuns, ...allocRuns]
}

async function benchBatch (): Promise<{ runs: LoadResult[], failedAllocs: number }> {
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
  return { runs: batchRuns, failedAllocs: batchStats.failedAllocs }
}

function best (runs: LoadResult[]): LoadResult {
  return runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a))
}

/** Least server CPU per request over some runs: the run least disturbed by other processes. */
function leastCpu (runs: LoadResult[]): number {
  return Math.min(...runs.map((r) => r.serverCpuUsPerRequest))
}
