/**
 * `npm run bench:cluster`: what scaling out costs and gives, in one run. Single allocs (POST
 * /heaps/:id/alloc of 64 B, 50 connections) and 1,000-op batches against:
 *   memory      one instance, heaps in memory;
 *   sqlite      one instance on a SQLite file (HEAPD_DATA);
 *   postgres    one instance on PostgreSQL (HEAPD_DATABASE_URL);
 *   cluster     three instances on PostgreSQL behind nginx (deploy/nginx.conf).
 * Every server is a child process: node dist/server.js, nginx, and a throwaway PostgreSQL on a
 * loopback port with its default durability (fsync, synchronous commit), as the cluster tests use.
 * The load is three autocannon children at once (cannon.ts), one per heap, the connections split
 * between them, so the cluster's heaps sit on different instances as nginx routes them. Server CPU
 * per request is the user + system time, from /proc/<pid>/stat, of every server process (heapd,
 * nginx, PostgreSQL and its backends) over the run, divided by the requests answered.
 *   npm run bench:cluster -- [--seconds=S] [--connections=N] [--batch-ops=N]
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { launchNginx, onDatabase, startInstance, type Instance, type Nginx } from '../test/cluster/instances.js'
import { startPostgres, type TestPostgres } from '../test/cluster/postgres.js'
import { flagsOf } from './args.js'
import { load, type LoadResult } from './cannon.js'
import { int, printTable } from './table.js'

const args = flagsOf(process.argv.slice(2), ['seconds', 'connections', 'batch-ops'])
const seconds = Number(args.get('seconds') ?? 5)
const connections = Number(args.get('connections') ?? 50)
const batchOps = Number(args.get('batch-ops') ?? 1000)
const HEAPS = 3
const warmupSeconds = 2
const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

interface Subject {
  name: string
  base: string
  /** heapd's processes, and the others serving (nginx, PostgreSQL): their CPU time is the server's. */
  pids: () => { heapd: number[], others: number[] }
  heaps: string[]
  close: () => Promise<void>
}

interface Figures {
  requestsPerSecond: number
  p50: number
  p99: number
  failures: number
  /** CPU time of the heapd processes per request. */
  heapdCpuUsPerRequest: number
  /** CPU time of every server process (heapd, nginx, PostgreSQL) per request. */
  cpuUsPerRequest: number
}

/** utime + stime of a process, in clock ticks; 0 once it is gone. */
function cpuTicks (pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0
  }
}

/** `root` and every process descending from it (nginx's workers, PostgreSQL's backends). */
function processTree (root: number): number[] {
  const parents = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {}
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid)
  }
  return tree
}

async function post (base: string, path: string, body: unknown): Promise<any> {
  const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const answer = await response.json()
  if (!response.ok) throw new Error(`POST ${path} answered ${response.status}: ${JSON.stringify(answer)}`)
  return answer
}

/** `HEAPS` heaps; behind nginx, heaps routed to different instances (as far as a few tries find them). */
async function createHeaps (base: string, nginx?: Nginx): Promise<string[]> {
  if (nginx === undefined) return await Promise.all(Array.from({ length: HEAPS }, async () => (await post(base, '/heaps', { size: 2 ** 50 })).id as string))
  const byUpstream = new Map<string, string>()
  const spare: string[] = []
  for (let i = 0; i < 30 && byUpstream.size < HEAPS; i++) {
    const id = (await post(base, '/heaps', { size: 2 ** 50 })).id as string
    await post(base, `/heaps/${id}/alloc`, { size: 64 })
    const line = nginx.accessLog().split('\n').reverse().find((entry) => entry.includes(`/heaps/${id}/alloc`))
    const upstream = line?.split(' ')[3] ?? ''
    if (byUpstream.has(upstream)) spare.push(id)
    else byUpstream.set(upstream, id)
  }
  return [...byUpstream.values(), ...spare].slice(0, HEAPS)
}

/** Loads the heaps at once, one autocannon per heap, `connections` split between them. */
async function measure (subject: Subject, path: string, body: string, runSeconds: number): Promise<Figures> {
  const pids = subject.pids()
  const before = new Map([...pids.heapd, ...pids.others].map((pid) => [pid, cpuTicks(pid)]))
  const results: LoadResult[] = await Promise.all(subject.heaps.map(async (heap, i) => await load({
    url: `${subject.base}/heaps/${heap}/${path}`,
    seconds: runSeconds,
    connections: Math.floor(connections / HEAPS) + (i < connections % HEAPS ? 1 : 0),
    body
  })))
  const after = subject.pids()
  const spent = (group: number[]): number => {
    let ticks = 0
    for (const pid of new Set(group)) ticks += cpuTicks(pid) - (before.get(pid) ?? 0)
    return ticks / ticksPerSecond * 1e6
  }
  const heapdUs = spent([...pids.heapd, ...after.heapd])
  const othersUs = spent([...pids.others, ...after.others])
  const requests = results.reduce((sum, result) => sum + result.requests, 0)
  return {
    requestsPerSecond: requests / runSeconds,
    // The slowest of the three loads: a conservative figure for the whole.
    p50: Math.max(...results.map((result) => result.p50)),
    p99: Math.max(...results.map((result) => result.p99)),
    failures: results.reduce((sum, result) => sum + result.errors + result.timeouts + result.non2xx, 0),
    heapdCpuUsPerRequest: requests > 0 ? heapdUs / requests : NaN,
    cpuUsPerRequest: requests > 0 ? (heapdUs + othersUs) / requests : NaN
  }
}

async function single (name: string, env: Record<string, string>, extraPids: () => number[] = () => []): Promise<Subject> {
  const instance = await startInstance(env)
  return {
    name,
    base: instance.base,
    pids: () => ({ heapd: [instance.pid], others: extraPids() }),
    heaps: await createHeaps(instance.base),
    close: instance.close
  }
}

async function cluster (postgres: TestPostgres, postgresPids: () => number[]): Promise<Subject> {
  const url = await postgres.createDatabase('cluster')
  const instances: Instance[] = []
  for (let i = 0; i < 3; i++) instances.push(await startInstance(onDatabase(url)))
  const nginx = await launchNginx(instances.map((instance) => instance.port))
  return {
    name: 'cluster: 3 × postgres, nginx',
    base: nginx.base,
    pids: () => ({ heapd: instances.map((instance) => instance.pid), others: [...processTree(nginx.pid), ...postgresPids()] }),
    heaps: await createHeaps(nginx.base, nginx),
    close: async () => {
      await nginx.stop()
      await Promise.all(instances.map(async (instance) => await instance.close()))
    }
  }
}

// Half allocs, then frees of those blocks: first-fit on an empty heap places them at 0, 64,
// 128, ..., so the frees name their pointers in advance and every batch leaves the heap empty.
const pairs = Math.floor(batchOps / 2)
const batchBody = JSON.stringify({
  ops: [...Array.from({ length: pairs }, () => ({ op: 'alloc', size: 64 })), ...Array.from({ length: pairs }, (_, i) => ({ op: 'free', ptr: i * 64 }))]
})
const allocBody = JSON.stringify({ size: 64 })

console.log('# heapd cluster benchmark\n')
console.log(`node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at start; ${connections} connections over ${HEAPS} heaps (three autocannon children), ` +
  `pipelining 1, ${seconds} s per run after a ${warmupSeconds} s warm-up; 127.0.0.1`)

const folder = mkdtempSync(join(tmpdir(), 'heapd-bench-cluster-'))
const postgres = await startPostgres()
const postmaster = Number(readFileSync(join(postgres.folder, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
const postgresPids = (): number[] => processTree(postmaster)
const rows: Array<{ name: string, alloc: Figures, batch: Figures }> = []
try {
  const subjects: Array<() => Promise<Subject>> = [
    async () => await single('memory', {}),
    async () => await single('sqlite', { HEAPD_DATA: join(folder, 'heaps.db') }),
    async () => await single('postgres', onDatabase(await postgres.createDatabase('single')), postgresPids),
    async () => await cluster(postgres, postgresPids)
  ]
  for (const start of subjects) {
    const subject = await start()
    try {
      for (const heap of subject.heaps) {
        const { results } = await post(subject.base, `/heaps/${heap}/batch`, JSON.parse(batchBody))
        if (!(results as Array<{ ok: boolean }>).every((result) => result.ok)) throw new Error('the batch body does not run cleanly on an empty first-fit heap')
      }
      await measure(subject, 'alloc', allocBody, warmupSeconds)
      const alloc = await measure(subject, 'alloc', allocBody, seconds)
      await measure(subject, 'batch', batchBody, 1)
      const batch = await measure(subject, 'batch', batchBody, seconds)
      rows.push({ name: subject.name, alloc, batch })
      console.log(`${subject.name}: done`)
    } finally {
      await subject.close()
    }
  }
} finally {
  await postgres.stop()
  rmSync(folder, { recursive: true, force: true })
}

const ms = (value: number): string => value.toFixed(1)
const cpuNote = 'server CPU: heapd alone, and all server processes (heapd, nginx, PostgreSQL and its backends); p50 and p99: the slowest of the three loads.'
printTable('Single allocs: POST /heaps/:id/alloc, 64 B', ['subject', 'req/s', 'p50 ms', 'p99 ms', 'failures', 'heapd CPU µs/req', 'server CPU µs/req'],
  rows.map(({ name, alloc }) => [name, int(alloc.requestsPerSecond), ms(alloc.p50), ms(alloc.p99), alloc.failures, int(alloc.heapdCpuUsPerRequest), int(alloc.cpuUsPerRequest)]), [cpuNote])
printTable(`Batches: POST /heaps/:id/batch, ${pairs * 2} ops (${pairs} allocs of 64 B, then their frees)`,
  ['subject', 'req/s', 'allocator ops/s', 'p50 ms', 'p99 ms', 'failures', 'heapd CPU µs/req', 'server CPU µs/req'],
  rows.map(({ name, batch }) => [name, int(batch.requestsPerSecond), int(batch.requestsPerSecond * pairs * 2), ms(batch.p50), ms(batch.p99), batch.failures, int(batch.heapdCpuUsPerRequest), int(batch.cpuUsPerRequest)]))

const sqlite = rows.find((row) => row.name === 'sqlite')!
const clustered = rows.find((row) => row.name.startsWith('cluster'))!
const share = clustered.alloc.requestsPerSecond / sqlite.alloc.requestsPerSecond
const clusterBatchOps = clustered.batch.requestsPerSecond * pairs * 2
console.log(`\ngoal: the cluster's alloc req/s at least half the single SQLite instance's: ${(share * 100).toFixed(0)} % ${share >= 0.5 ? 'met' : 'NOT met'}`)
console.log(`goal: the cluster's batches at least 300 k allocator ops/s: ${int(clusterBatchOps)} ${clusterBatchOps >= 300_000 ? 'met' : 'NOT met'}`)
console.log(`\nload average ${loadavg()[0]!.toFixed(2)} at the end: other processes on this machine skew the figures.`)
