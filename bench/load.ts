/**
 * `npm run bench:load`: the latency heapd adds, against bare Fastify routes answering the same
 * mixed traffic in the same run. Both servers run in child processes as `npm start` runs heapd:
 * dist/server.js (compiled from src when older, as npm test's pretest does) and bench/bare-app.ts
 * compiled the same way, with the node flags of the start script and production logging (one pino
 * line per request at info) to /dev/null or --server-output=FILE.
 *
 *  1. Warm-up: each server gets the mix for a few seconds; its heaps are then reset.
 *  2. Saturation: autocannon in this process, closed loop (each connection sends its next request
 *     when the last is answered), on each server: the throughput each allows and its CPU per
 *     request. Latency there is about connections / throughput whatever the server does, so it is
 *     shown but not compared.
 *  3. Paced: the same mix open loop (bench/paced.ts: each request due at its own time, latency from
 *     that time) at half of bare's saturation rate, on each server in alternating rounds (bare then
 *     heapd, heapd then bare, ...) so that a passing slowdown of the machine (other load) falls on both. heapd's p99
 *     over bare's, on the rounds pooled, is the latency heapd adds where the server keeps up.
 *
 * The mix, per connection or stream: alloc, alloc, free its oldest block, stats. One block per
 * cycle stays live, so the heaps grow while the run lasts. Loopback only; children stop on SIGTERM.
 *   npm run bench:load -- [--warmup=5] [--saturation-seconds=10] [--rounds=4] [--round-seconds=10]
 *     [--connections=50] [--streams=50] [--heaps=10] [--rate=N] [--log-level=info]
 *     [--server-output=FILE] [--node-flags='--flag ...']
 * --rate sets the paced rate instead of half of bare's saturation.
 */
import autocannon from 'autocannon'
import type { Options, Request } from 'autocannon'
import { spawn, spawnSync } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { printTable, int, mib } from './table.js'
import { ensureBuilt } from '../test/helpers/built-server.js'
import { flagsOf } from './args.js'
import { latencyOf, runPaced, type Latency, type PacedResult } from './paced.js'
import { median } from './stats.js'

const args = flagsOf(process.argv.slice(2), ['warmup', 'saturation-seconds', 'rounds', 'round-seconds', 'connections', 'streams', 'heaps', 'rate', 'log-level', 'server-output', 'node-flags'])
const warmupSeconds = positive('warmup', 5)
const saturationSeconds = positive('saturation-seconds', 10)
const rounds = positive('rounds', 4)
const roundSeconds = positive('round-seconds', 10)
const connections = positive('connections', 50)
const streams = positive('streams', 50)
const heapCount = positive('heaps', 10)
const fixedRate = args.has('rate') ? positive('rate', 0) : undefined
const logLevel = args.get('log-level') ?? 'info'
const serverOutput = args.get('server-output') ?? '/dev/null'

function positive (name: string, fallback: number): number {
  const value = args.get(name)
  if (value === undefined) return fallback
  const n = Number(value)
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`)
  return n
}

/** The node flags of `npm start` (`node [flags] dist/server.js`), applied to both servers. */
function startFlags (): string[] {
  const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } }
  const match = /^node((?: --\S+)*) dist\/server\.js$/.exec(scripts.start)
  if (match === null) throw new Error(`cannot read node flags from the start script: ${scripts.start}`)
  return match[1]!.trim().split(' ').filter((flag) => flag !== '')
}
// --node-flags='--a --b' tries other flags on both servers (then no longer npm start's).
const nodeFlags = args.has('node-flags') ? args.get('node-flags')!.split(' ').filter((flag) => flag !== '') : startFlags()

const root = fileURLToPath(new URL('..', import.meta.url))

/** Compiles with tsc (run from the repository root); throws with its output when it fails. */
function compile (tscArgs: string[]): void {
  const build = spawnSync('npx', ['tsc', ...tscArgs], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`tsc ${tscArgs.join(' ')} failed:\n${build.stdout}${build.stderr}`)
}

/** A port free right now on 127.0.0.1, for a child to listen on. */
async function freePort (): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const { port } = probe.address() as { port: number }
  probe.close()
  await once(probe, 'close')
  return port
}

/** Resident set size of a process, from /proc (Linux). */
function rssOf (pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))
  return Number(line?.match(/\d+/)?.[0] ?? NaN) * 1024
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; USER_HZ is 100 there). */
function cpuSecondsOf (pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

async function waitReady (base: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`server at ${base} not ready after 30 s`)
}

async function json<T> (url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init)
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${res.status}: ${await res.text()}`)
  return await res.json() as T
}

interface Server {
  name: string
  base: string
  pid: number
  heaps: string[]
  /** SIGTERM, then how it exited. */
  stop: () => Promise<string>
}

/** Starts `script` (compiled JavaScript, relative to the repository root) in a child process with its heaps. */
async function startServer (name: string, script: string): Promise<Server> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, [...nodeFlags, script], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: logLevel },
    stdio: ['ignore', openSync(serverOutput, 'a'), 'inherit']
  })
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  const stop = async (): Promise<string> => {
    child.kill('SIGTERM')
    const [code, signal] = await exited
    return `${code ?? signal}${code === 0 ? ' (graceful)' : ''}`
  }
  try {
    await waitReady(base)
    const heaps: string[] = []
    for (let i = 0; i < heapCount; i++) {
      const heap = await json<{ id: string }>(`${base}/heaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 2 ** 40, name: `load-${i}` }) })
      heaps.push(heap.id)
    }
    return { name, base, pid: child.pid!, heaps, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

interface Saturation {
  requestsPerSecond: number
  latency: Latency
  failures: number
  cpuUsPerRequest: number
  /** This process's CPU a request: autocannon's, which shares the machine's cores with the server. */
  clientCpuUsPerRequest: number
}

/** The mix, closed loop, for `seconds` at `connections` connections (autocannon in this process). */
async function closedLoop (server: Server, seconds: number): Promise<Saturation> {
  interface Ctx { heap?: string, ptrs?: number[] }
  const heapOf = (ctx: Ctx): string => (ctx.heap ??= server.heaps[Math.floor(Math.random() * server.heaps.length)]!)
  // Only the alloc carries a body: a DELETE or GET declaring a JSON body and sending none is a 400.
  const alloc = {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    setupRequest: (req: Request, ctx: Ctx) => ({ ...req, path: `/heaps/${heapOf(ctx)}/alloc`, body: JSON.stringify({ size: 1 + Math.floor(Math.random() * 4096) }) }),
    onResponse: (status: number, body: string, ctx: Ctx) => {
      if (status === 201) (ctx.ptrs ??= []).push((JSON.parse(body) as { ptr: number }).ptr)
    }
  }
  const requests = [alloc, alloc, {
    method: 'DELETE',
    // Frees the connection's oldest block; with none to free (an alloc failed), start over.
    setupRequest: (req: Request, ctx: Ctx) => {
      const ptr = ctx.ptrs?.shift()
      return ptr === undefined ? undefined : { ...req, path: `/heaps/${heapOf(ctx)}/blocks/${ptr}`, body: undefined }
    }
  }, {
    method: 'GET',
    setupRequest: (req: Request, ctx: Ctx) => ({ ...req, path: `/heaps/${heapOf(ctx)}/stats`, body: undefined })
  }]
  const cpuBefore = cpuSecondsOf(server.pid)
  const clientBefore = process.cpuUsage()
  const result = await autocannon({ url: server.base, connections, pipelining: 1, duration: seconds, requests } as unknown as Options)
  const client = process.cpuUsage(clientBefore)
  const total = result.requests.total
  return {
    requestsPerSecond: total / seconds,
    latency: result.latency,
    failures: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: (cpuSecondsOf(server.pid) - cpuBefore) / total * 1e6,
    clientCpuUsPerRequest: (client.user + client.system) / total
  }
}

async function liveBlocks (server: Server): Promise<number> {
  let live = 0
  for (const heap of server.heaps) live += (await json<{ liveBlocks: number }>(`${server.base}/heaps/${heap}/stats`)).liveBlocks
  return live
}

/** The rounds of one server pooled: every request's latency, one set of percentiles. */
function pooled (runs: PacedResult[]): { latency: Latency, requestsPerSecond: number, errors: number } {
  const samples = new Float64Array(runs.reduce((n, run) => n + run.samples.length, 0))
  let at = 0
  for (const run of runs) {
    samples.set(run.samples, at)
    at += run.samples.length
  }
  return {
    latency: latencyOf(samples.sort()),
    requestsPerSecond: runs.reduce((sum, run) => sum + run.requestsPerSecond, 0) / runs.length,
    errors: runs.reduce((sum, run) => sum + run.errors, 0)
  }
}

console.log('# heapd load benchmark\n')
ensureBuilt()
compile(['bench/bare-app.ts', '--outDir', '.bench-build', '--rootDir', '.', '--module', 'nodenext', '--target', 'es2023', '--skipLibCheck'])
console.log(`node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at start; servers: node ${[...nodeFlags, '<script>'].join(' ')}, LOG_LEVEL=${logLevel}, stdout to ${serverOutput}; ${heapCount} heaps of 2^40 bytes each; mix per connection or stream: alloc, alloc, free (its oldest block), stats`)

const bare = await startServer('bare Fastify routes', '.bench-build/bench/bare-app.js')
const heapd = await startServer('heapd (dist/server.js)', 'dist/server.js')
const servers = [bare, heapd]

for (const server of servers) {
  await closedLoop(server, warmupSeconds)
  for (const heap of server.heaps) await json(`${server.base}/heaps/${heap}/reset`, { method: 'POST' })
}
const rssBefore = servers.map((server) => rssOf(server.pid))

const saturation: Saturation[] = []
for (const server of servers) saturation.push(await closedLoop(server, saturationSeconds))
printTable(`Saturation: autocannon, closed loop, ${connections} connections, ${saturationSeconds} s each, after a ${warmupSeconds} s warm-up`,
  ['server', 'req/s', 'p50 ms', 'p99 ms', 'errors + timeouts + non-2xx', 'server CPU µs/req', 'client CPU µs/req'],
  servers.map((server, i) => {
    const s = saturation[i]!
    return [server.name, int(s.requestsPerSecond), s.latency.p50, s.latency.p99, s.failures, s.cpuUsPerRequest.toFixed(0), s.clientCpuUsPerRequest.toFixed(0)]
  }),
  ['Closed-loop latency is about connections / throughput: it says how fast the server is, not what a client waits below saturation.',
    'client CPU: autocannon, in this process; near a core (1e6 µs / req/s) the client, not the server, sets the pace.'])

const rate = fixedRate ?? Math.round(saturation[0]!.requestsPerSecond / 2)
const paced = new Map<Server, PacedResult[]>(servers.map((server) => [server, []]))
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? servers : [...servers].reverse()
  for (const server of order) {
    console.error(`paced round ${round + 1} of ${rounds}: ${server.name}`)
    paced.get(server)!.push(await runPaced({ base: server.base, heaps: server.heaps, streams, rate, seconds: roundSeconds }))
  }
}
const bareRuns = paced.get(bare)!
const heapdRuns = paced.get(heapd)!
printTable(`Paced rounds: ${int(rate)} req/s offered${fixedRate === undefined ? ' (half of bare\'s saturation)' : ''}, open loop, ${streams} streams, ${roundSeconds} s a round, alternating`,
  ['round', 'bare p99 ms', 'heapd p99 ms', 'heapd / bare', 'bare req/s', 'heapd req/s', 'client send lag p99 ms (bare / heapd)'],
  bareRuns.map((b, i) => {
    const h = heapdRuns[i]!
    return [String(i + 1), b.latency.p99, h.latency.p99, (h.latency.p99 / b.latency.p99).toFixed(2), int(b.requestsPerSecond), int(h.requestsPerSecond), `${b.sendLag.p99} / ${h.sendLag.p99}`]
  }),
  ['client send lag: how late this process (one thread, waking every millisecond) sent its requests; it is part of every latency in the row.'])

const bareAll = pooled(bareRuns)
const heapdAll = pooled(heapdRuns)
printTable(`Paced, ${rounds} rounds pooled (latency from each request's due time)`,
  ['server', 'req/s achieved', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors + non-2xx'],
  ([[bare.name, bareAll], [heapd.name, heapdAll]] as const).map(([name, run]) => [
    name, int(run.requestsPerSecond), run.latency.p50, run.latency.p90, run.latency.p99, run.latency.max, run.errors
  ]),
  ([[bare, bareAll], [heapd, heapdAll]] as const).map(([server, run]) => run.requestsPerSecond < 0.95 * rate
    ? `${server.name}: clearly less than the ${int(rate)} req/s offered, so saturated; its figures are not latency below saturation.`
    : `${server.name}: kept up with the ${int(rate)} req/s offered.`))

const rssAfter = servers.map((server) => rssOf(server.pid))
const live = [await liveBlocks(bare), await liveBlocks(heapd)]
printTable('Server memory, from after the warm-up to the end', ['server', 'RSS before', 'RSS after', 'Δ RSS', 'live blocks at the end', 'Δ RSS per live block'], servers.map((server, i) => [
  server.name, mib(rssBefore[i]!), mib(rssAfter[i]!), mib(rssAfter[i]! - rssBefore[i]!), int(live[i]!), live[i]! > 0 ? `${((rssAfter[i]! - rssBefore[i]!) / live[i]!).toFixed(0)} B` : '—'
]))

console.log(`\nheapd p99 / bare p99 at ${int(rate)} req/s: ${(heapdAll.latency.p99 / bareAll.latency.p99).toFixed(2)} (${heapdAll.latency.p99} ms / ${bareAll.latency.p99} ms, ${rounds} rounds pooled; median of the rounds' ratios ${median(bareRuns.map((b, i) => heapdRuns[i]!.latency.p99 / b.latency.p99)).toFixed(2)})`)
for (const server of servers) console.log(`${server.name} stopped by SIGTERM: exit ${await server.stop()}`)
console.log(`\nload average ${loadavg()[0]!.toFixed(2)} at the end: other processes on this machine skew the latencies.`)
