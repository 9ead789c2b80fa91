/**
 * `npm run bench:load` (issue 4, item 6): heapd's real server in a child process, as `npm start`
 * runs it, loaded for 60 s by autocannon in this process at 50 connections with a mixed sequence
 * per connection: alloc, alloc, free the older of its blocks, stats. One block per cycle stays
 * live, so the heaps grow while the run lasts. Reports p50/p99, errors and the server's RSS before
 * and after (measured after a short warm-up of the same mix, whose blocks are then reset, so that
 * the growth reflects the blocks and not the JIT). Loopback only; the child is stopped with SIGTERM.
 *
 * The server is the production build: dist, compiled by tsc from src when older than it (as npm
 * start's prestart and npm test's pretest do), run by plain node with the node flags of `npm start`
 * (read from package.json, so the two never differ); the sources through tsx's loader cost about
 * 10 % more server CPU per request. Its logging is production's: one pino line per request at
 * info, written to its stdout, which here is /dev/null (or a file with --server-output=FILE), not
 * a pipe this process would have to drain while it drives the load. With --baseline, the same mix
 * first runs against bare Fastify routes (bench/bare-app.ts, compiled too, child process, same
 * flags): the p50/p99 this machine allows for that traffic, in the same run.
 *
 * The run above saturates the server: 50 connections each send their next request as soon as the
 * last one is answered, so latency there is about connections / throughput, whatever the server
 * does. The target is judged on it. After it, the same mix runs again at an evenly paced rate
 * (--rate req/s, below saturation; bench/paced.ts), reported beside it, not instead of it: the
 * latency a client sees when the server keeps up. Not with autocannon's rate, which has each
 * connection send its share of a second back to back when the second starts: one burst a second
 * at full speed, whose p99 is the burst's.
 *   npm run bench:load -- [--seconds=60] [--warmup=5] [--connections=50] [--heaps=10] [--log-level=info] [--baseline] [--server-output=FILE] [--rate=2000] [--rate-seconds=30] [--node-flags='--flag ...']
 */
import autocannon from 'autocannon'
import type { Options, Request } from 'autocannon'
import { spawn, spawnSync } from 'node:child_process'
import { openSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { printTable, int, mib, verdict } from './table.js'
import { ensureBuilt } from '../test/helpers/built-server.js'
import { flagsOf } from './args.js'
import { runPaced, type Latency, type PacedResult } from './paced.js'

const MAX_P99_MS = 5

const args = flagsOf(process.argv.slice(2))
const seconds = Number(args.get('seconds') ?? 60)
const warmupSeconds = Number(args.get('warmup') ?? 5)
const connections = Number(args.get('connections') ?? 50)
const heapCount = Number(args.get('heaps') ?? 10)
const logLevel = args.get('log-level') ?? 'info'
const withBaseline = args.has('baseline')
const serverOutput = args.get('server-output') ?? '/dev/null'
/** Offered load of the paced run, requests per second over all connections; 0 skips it. */
const rate = Number(args.get('rate') ?? 2000)
const rateSeconds = Number(args.get('rate-seconds') ?? 30)

/** The node flags of `npm start` (`node [flags] dist/server.js`), applied to the servers here. */
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
function compile (args: string[]): void {
  const build = spawnSync('npx', ['tsc', ...args], { cwd: root, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`tsc ${args.join(' ')} failed:\n${build.stdout}${build.stderr}`)
}

/** A port free right now on 127.0.0.1, for the child to listen on. */
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

interface Measured {
  /** The paced run: the mix evenly paced below saturation. */
  paced?: PacedResult
  requests: number
  requestsPerSecond: number
  latency: Latency
  errors: number
  timeouts: number
  non2xx: number
  cpuUsPerRequest: number
  /** This process's CPU a request: autocannon's, which shares the machine's two cores with the server. */
  clientCpuUsPerRequest: number
  rssBefore: number
  rssAfter: number
  live: number
  exit: string
}

/** Starts `script` (compiled JavaScript, relative to the repository root) in a child process, loads it with the mix, stops it with SIGTERM. */
async function measure (script: string): Promise<Measured> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const output = openSync(serverOutput, 'a')
  const server = spawn(process.execPath, [...nodeFlags, script], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: logLevel },
    stdio: ['ignore', output, 'inherit']
  })
  const exited = once(server, 'exit')
  let exit = 'not stopped'
  try {
    await waitReady(base)
    const heaps: string[] = []
    for (let i = 0; i < heapCount; i++) {
      const heap = await json<{ id: string }>(`${base}/heaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ size: 2 ** 40, name: `load-${i}` }) })
      heaps.push(heap.id)
    }

    interface Ctx { heap?: string, ptrs?: number[] }
    const heapOf = (ctx: Ctx): string => (ctx.heap ??= heaps[Math.floor(Math.random() * heaps.length)]!)
    const keepPtr = (status: number, body: string, ctx: Ctx): void => {
      if (status === 201) (ctx.ptrs ??= []).push((JSON.parse(body) as { ptr: number }).ptr)
    }
    // Only the alloc carries a body: a DELETE or GET declaring a JSON body and sending none is a 400.
    const alloc = {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req: Request, ctx: Ctx) => ({ ...req, path: `/heaps/${heapOf(ctx)}/alloc`, body: JSON.stringify({ size: 1 + Math.floor(Math.random() * 4096) }) }),
      onResponse: keepPtr
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

    const run = async (duration: number) => await autocannon({ url: base, connections, pipelining: 1, duration, requests } as unknown as Options)
    await run(warmupSeconds)
    for (const heap of heaps) await json(`${base}/heaps/${heap}/reset`, { method: 'POST' })
    const rssBefore = rssOf(server.pid!)
    const cpuBefore = cpuSecondsOf(server.pid!)
    const clientCpuBefore = process.cpuUsage()
    const result = await run(seconds)
    const cpuUsPerRequest = (cpuSecondsOf(server.pid!) - cpuBefore) / result.requests.total * 1e6
    const clientCpu = process.cpuUsage(clientCpuBefore)
    const clientCpuUsPerRequest = (clientCpu.user + clientCpu.system) / result.requests.total
    const rssAfter = rssOf(server.pid!)
    let live = 0
    for (const heap of heaps) live += (await json<{ liveBlocks: number }>(`${base}/heaps/${heap}/stats`)).liveBlocks
    const paced = rate > 0 ? await runPaced({ base, heaps, streams: connections, rate, seconds: rateSeconds }) : undefined
    return {
      ...(paced !== undefined ? { paced } : {}),
      requests: result.requests.total,
      requestsPerSecond: result.requests.total / seconds,
      latency: result.latency,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      cpuUsPerRequest,
      clientCpuUsPerRequest,
      rssBefore,
      rssAfter,
      live,
      get exit () { return exit }
    }
  } finally {
    server.kill('SIGTERM')
    const [code, signal] = await exited as [number | null, NodeJS.Signals | null]
    exit = `${code ?? signal}${code === 0 ? ' (graceful)' : ''}`
  }
}

console.log('# heapd load benchmark\n')
// dist as the tests build it: only when older than src, one build at a time across processes.
ensureBuilt()
if (withBaseline) compile(['bench/bare-app.ts', '--outDir', '.bench-build', '--rootDir', '.', '--module', 'nodenext', '--target', 'es2023', '--skipLibCheck'])

console.log(`node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at start; server: node ${[...nodeFlags, 'dist/server.js'].join(' ')} (npm start without its build, done just before), LOG_LEVEL=${logLevel}, its stdout (one log line per request at info) to ${serverOutput}; ${heapCount} heaps of 2^40 bytes; autocannon in this process, ${connections} connections, ${seconds} s after a ${warmupSeconds} s warm-up, pipelining 1; each connection loops alloc, alloc, free (its oldest block), stats${rate > 0 ? `; then ${rateSeconds} s of the same mix evenly paced at ${int(rate)} req/s (bench/paced.ts, ${connections} streams)` : ''}`)

const runs: Array<[string, Measured]> = []
if (withBaseline) runs.push(['bare Fastify routes (baseline)', await measure('.bench-build/bench/bare-app.js')])
const heapd = await measure('dist/server.js')
runs.push(['heapd (dist/server.js)', heapd])

printTable(`Mixed load, ${seconds} s each`, ['server', 'requests', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'timeouts', 'non-2xx', 'server CPU µs/req', 'client CPU µs/req'], runs.map(([name, r]) => [
  name, int(r.requests), int(r.requestsPerSecond), r.latency.p50, r.latency.p90, r.latency.p99, r.latency.max, r.errors, r.timeouts, r.non2xx, r.cpuUsPerRequest.toFixed(0), r.clientCpuUsPerRequest.toFixed(0)
]), ['client CPU: autocannon, in this process. When it nears a core (1e6 µs / req/s), the client, not the server, sets the pace and much of the latency.'])
if (rate > 0) {
  printTable(`The same mix evenly paced at ${int(rate)} req/s, ${rateSeconds} s each (after the run above; open loop, latency from each request's due time)`, ['server', 'req/s achieved', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors + timeouts + non-2xx', 'client send lag p50/p99 ms'], runs.map(([name, r]) => [
    name, int(r.paced!.requestsPerSecond), r.paced!.latency.p50, r.paced!.latency.p90, r.paced!.latency.p99, r.paced!.latency.max, r.paced!.errors, `${r.paced!.sendLag.p50}/${r.paced!.sendLag.p99}`
  ]), ['client send lag: how late the client (one thread, waking every millisecond) sent its requests; it is part of every latency in the row.',
    'a server that achieved clearly less than the offered rate was saturated: its figures are not latency below saturation.'])
}
printTable('Server memory', ['server', 'RSS before', 'RSS after', 'Δ RSS', 'live blocks at the end', 'Δ RSS per live block'], runs.map(([name, r]) => [
  name, mib(r.rssBefore), mib(r.rssAfter), mib(r.rssAfter - r.rssBefore), int(r.live), r.live > 0 ? `${((r.rssAfter - r.rssBefore) / r.live).toFixed(0)} B` : '—'
]))
const errors = heapd.errors + heapd.timeouts + heapd.non2xx
printTable('Targets (issue 4, item 6), heapd', ['target', 'measured', 'verdict'], [
  ['0 errors', `${int(errors)}`, verdict(errors === 0)],
  [`p99 < ${MAX_P99_MS} ms (saturating run)`, `${heapd.latency.p99} ms`, verdict(heapd.latency.p99 < MAX_P99_MS)]
], heapd.paced !== undefined ? [`for information, not the target: p99 ${heapd.paced.latency.p99} ms at an evenly paced ${int(rate)} req/s offered, ${int(heapd.paced.requestsPerSecond)} achieved${heapd.paced.requestsPerSecond < 0.95 * rate ? ' (saturated: not below saturation)' : ''} (${heapd.paced.errors} errors).`] : [])
for (const [name, r] of runs) console.log(`\n${name} stopped by SIGTERM: exit ${r.exit}`)
console.log(`\nload average ${loadavg()[0]!.toFixed(2)} at the end: other processes on this machine skew the latencies.`)
