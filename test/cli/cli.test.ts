/**
 * The `heapd` command, built, spawned against the built service: every command with --json and
 * in human form, the documented exit codes (0 ok, 1 refused, 2 usage, 3 no answer), the errors'
 * one line on stderr, the environment, `stats --watch` and `heapd serve`.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { HeapdClient } from '../../src/client/index.js'
import { COMMANDS } from '../../src/cli/run.js'
import { ROOT } from '../helpers/built-server.js'
import { startServer } from '../client/live-server.js'
import { heapd, HEAPD_JS } from './heapd.js'

const server = await startServer(t)
const env = { HEAPD_URL: server.url }
const client = new HeapdClient({ baseUrl: server.url })
const ONE_LINE_ERROR = /^heapd: [a-z-]+( \(\d{3}\))?: [^\n]+\n$/

async function json (args: string[], input?: string): Promise<any> {
  const ran = await heapd([...args, '--json'], { env, ...(input !== undefined ? { input } : {}) })
  if (ran.code !== 0) throw new Error(`heapd ${args.join(' ')}: exit ${ran.code}: ${ran.stderr}`)
  return JSON.parse(ran.stdout)
}

t.test('--help, and no command', async (t) => {
  const overview = await heapd(['--help'])
  t.equal(overview.code, 0)
  for (const command of COMMANDS) t.match(overview.stdout, `heapd ${command.path.join(' ')}`, `listed: ${command.path.join(' ')}`)
  t.match(overview.stdout, /Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /)
  const help = await heapd(['layout', '--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: heapd layout HEAP \[options\]\n/)
  const bare = await heapd([])
  t.equal(bare.code, 2, 'no command is a usage error')
  t.match(bare.stdout, 'Commands:')
})

t.test('every command with --json prints the service\'s answer as it is', async (t) => {
  const heap = await json(['heaps', 'create', '--size', '1MiB', '--strategy', 'best-fit', '--alignment', '16', '--name', 'cli'])
  t.same(heap, await client.getHeap(heap.id))
  t.match(heap, { size: 2 ** 20, strategy: 'best-fit', alignment: 16, name: 'cli' })
  t.same(await json(['heaps', 'get', heap.id]), await client.getHeap(heap.id))
  t.ok((await json(['heaps', 'ls', '--limit', '1000'])).items.some((item: { id: string }) => item.id === heap.id))

  t.same(await json(['alloc', heap.id, '64K', '--tag', 'first']), { ptr: 0, size: 65536, tag: 'first' })
  t.same(await json(['alloc', heap.id, '2^10', '--align', '4K']), { ptr: 65536, size: 1024, align: 4096 })
  t.same(await json(['realloc', heap.id, '0', '128K']), { ptr: 66560, size: 131072, tag: 'first', moved: true })
  const freed = await heapd(['free', heap.id, '65536', '--json'], { env })
  t.same([freed.code, freed.stdout, freed.stderr], [0, '', ''], 'a 204 prints nothing')

  const dir = mkdtempSync(join(tmpdir(), 'heapd-cli-'))
  const file = join(dir, 'ops.jsonl')
  writeFileSync(file, '{"op": "alloc", "size": 4096, "tag": "b"}\n\n{"op": "alloc", "size": 16}\n')
  t.match(await json(['batch', heap.id, '-f', file]), { results: [{ ok: true, op: 'alloc', ptr: 0, size: 4096, tag: 'b' }, { ok: true, ptr: 4096 }] })
  t.match(await json(['batch', heap.id, '--file', '-', '--atomic'], '{"op":"free","ptr":4096}\n'), { results: [{ ok: true, op: 'free', ptr: 4096 }] })

  t.same(await json(['stats', heap.id]), await client.stats(heap.id))
  t.same(await json(['layout', heap.id]), await client.layout(heap.id))
  t.same(await json(['layout', heap.id, '--limit', '1']), await client.layout(heap.id, { limit: 1 }))
  t.same(await json(['layout', heap.id, '--buckets', '8', '--from', '0', '--to', '256K']), await client.layout(heap.id, { buckets: 8, from: 0, to: 262144 }))
  t.match(await json(['reset', heap.id]), { id: heap.id, stats: { liveBlocks: 0 } })
  const removed = await heapd(['heaps', 'rm', heap.id, '--json'], { env })
  t.same([removed.code, removed.stdout], [0, ''])
  await t.rejects(client.getHeap(heap.id), { code: 'heap-not-found' })
})

t.test('human output: listings, tables and the heap map', async (t) => {
  const created = await heapd(['heaps', 'create', '--size', '1GiB', '--strategy', 'tlsf', '--name', 'human'], { env })
  t.equal(created.code, 0)
  const id = /^id: +(\S+)$/m.exec(created.stdout)?.[1]
  t.ok(id, 'the ID is on the first line')
  t.match(created.stdout, /^size: +1 GiB \(1073741824\)$/m)
  t.match(created.stdout, /^strategy: +tlsf$/m)

  const alloc = await heapd(['alloc', id!, '256M', '--tag', 'big'], { env })
  t.match(alloc.stdout, /^PTR +SIZE +ALIGN +TAG\n +0 +256 MiB +big\n$/)
  const listed = await heapd(['heaps', 'ls'], { env })
  t.match(listed.stdout, /^ID +NAME +STRATEGY +SIZE +USED +BLOCKS/)
  t.match(listed.stdout, new RegExp(`^${id} +human +tlsf +1 GiB +256 MiB +1 `, 'm'))
  const stats = await heapd(['stats', id!], { env })
  t.match(stats.stdout, /^used: +256 MiB \(268435456\)$/m)
  t.match(stats.stdout, /^live blocks: +1$/m)

  const map = await heapd(['layout', id!, '--width', '45', '--height', '4'], { env })
  t.equal(map.code, 0)
  const lines = map.stdout.trimEnd().split('\n')
  t.match(lines[0], `heap ${id} (human): tlsf, 1 GiB, 1 blocks, 256 MiB used (25.0%)`)
  const rows = lines.slice(1, -1)
  t.equal(rows.length, 4, 'the rows asked for')
  t.same(rows.map((row) => row.length), [45, 45, 45, 45], 'each row as wide as asked')
  t.equal(rows[0], '        0 B │' + '█'.repeat(32), 'the first quarter is used')
  t.equal(rows[1], '    256 MiB │' + '·'.repeat(32), 'the rest is free')
  t.match(lines.at(-1), /^each cell 8 MiB; · free .* █ used$/)
})

t.test('exit codes and one-line errors on stderr', async (t) => {
  const heap = await client.createHeap({ size: 1024 })
  const refused = await heapd(['alloc', heap.id, '2K'], { env })
  t.equal(refused.code, 1)
  t.match(refused.stderr, ONE_LINE_ERROR)
  t.match(refused.stderr, /^heapd: exceeds-heap-size \(400\): /)
  t.equal(refused.stdout, '')
  await client.alloc(heap.id, { size: 1000 })
  t.match((await heapd(['alloc', heap.id, '100'], { env })).stderr, /^heapd: out-of-memory \(409\): /)
  t.match(await heapd(['free', heap.id, '10'], { env }), { code: 1, stderr: /^heapd: block-not-found \(404\): / })
  t.match(await heapd(['heaps', 'get', 'missing'], { env }), { code: 1, stderr: /^heapd: heap-not-found \(404\): / })
  const partly = await heapd(['batch', heap.id, '-f', '-'], { env, input: '{"op":"free","ptr":0}\n{"op":"free","ptr":0}\n' })
  t.equal(partly.code, 1, 'a batch with a refused op')
  t.match(partly.stdout, /^1 +free +block-not-found: /m)

  for (const args of [['bogus'], ['alloc', heap.id, '1.3K'], ['batch', heap.id, '-f', '/no/such/file']]) {
    const ran = await heapd(args, { env })
    t.equal(ran.code, 2, `usage: ${args.join(' ')}`)
    t.match(ran.stderr, /^heapd: usage: [^\n]+\n$/)
  }

  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
  const port = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
  const unreachable = await heapd(['heaps', 'ls', '--url', `http://127.0.0.1:${port}`])
  t.equal(unreachable.code, 3)
  t.match(unreachable.stderr, /^heapd: connection-failed: cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED.*\n$/)
})

t.test('HEAPD_URL and HEAPD_API_KEY, or --url and --api-key', async (t) => {
  const guarded = await startServer(t, { HEAPD_API_KEYS: 'cli-secret-1:cli' })
  t.match(await heapd(['heaps', 'ls'], { env: { HEAPD_URL: guarded.url } }), { code: 1, stderr: /^heapd: unauthorized \(401\): / })
  const keyed = await heapd(['heaps', 'create', '--size', '1K', '--json'], { env: { HEAPD_URL: guarded.url, HEAPD_API_KEY: 'cli-secret-1' } })
  t.equal(keyed.code, 0, keyed.stderr)
  const listed = await heapd(['heaps', 'ls', '--json', '--url', guarded.url, '--api-key', 'cli-secret-1'])
  t.same(JSON.parse(listed.stdout).items.map((heap: { id: string }) => heap.id), [JSON.parse(keyed.stdout).id])
})

t.test('stats --watch prints a reading every interval until interrupted, then exits 0', async (t) => {
  const heap = await client.createHeap({ size: 4096 })
  const child = spawn(process.execPath, [HEAPD_JS, 'stats', heap.id, '--watch', '--interval', '0.1', '--json'], { cwd: ROOT, env: { ...process.env, ...env } })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  const readings: unknown[] = []
  const lines = createInterface({ input: child.stdout })
  for await (const line of lines) {
    readings.push(JSON.parse(line))
    if (readings.length === 1) await client.alloc(heap.id, { size: 64 })
    if (readings.length >= 2 && (readings.at(-1) as { used: number }).used === 64) break
  }
  child.kill('SIGINT')
  t.equal(await exited, 0)
  t.match(readings[0], { size: 4096, used: 0 })
  t.match(readings.at(-1), { used: 64, liveBlocks: 1 }, 'a later reading sees the change')
})

t.test('heapd serve runs the service until SIGTERM', async (t) => {
  const child = spawn(process.execPath, [HEAPD_JS, 'serve'], { cwd: ROOT, env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' } })
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
  let url: string | undefined
  for await (const line of createInterface({ input: child.stdout })) {
    url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1]
    if (url !== undefined) break
  }
  child.stdout.resume()
  t.ok(url, 'it listens')
  const created = await heapd(['heaps', 'create', '--size', '64', '--json', '--url', url!])
  t.equal(created.code, 0)
  t.equal(JSON.parse(created.stdout).size, 64)
  child.kill('SIGTERM')
  t.equal(await exited, 0)
})
