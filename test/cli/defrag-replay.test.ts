/**
 * `heapd defrag` (plan, --commit, commit, abort), `heapd trace` and `heapd replay`, built and
 * spawned against the built service, with --json and in human form.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { HeapdClient } from '../../src/client/index.js'
import { startServer } from '../client/live-server.js'
import { heapd } from './heapd.js'

const server = await startServer(t)
const env = { HEAPD_URL: server.url }
const client = new HeapdClient({ baseUrl: server.url })

async function json (args: string[], input?: string): Promise<any> {
  const ran = await heapd([...args, '--json'], { env, ...(input !== undefined ? { input } : {}) })
  if (ran.code !== 0) throw new Error(`heapd ${args.join(' ')}: exit ${ran.code}: ${ran.stderr}`)
  return JSON.parse(ran.stdout)
}

/** A heap of 64 KiB with a 4 KiB hole at 0 below two blocks. */
async function fragmentedHeap (): Promise<string> {
  const heap = await client.createHeap({ size: 1 << 16 })
  const a = await client.alloc(heap.id, { size: 4096 })
  await client.alloc(heap.id, { size: 4096, tag: 'b' })
  await client.alloc(heap.id, { size: 4096, tag: 'c' })
  await client.free(heap.id, a.ptr)
  return heap.id
}

t.test('defrag plans; commit and abort follow the plan; --commit does both at once', async (t) => {
  const heap = await fragmentedHeap()
  const shown = await heapd(['defrag', heap], { env })
  t.equal(shown.code, 0, shown.stderr)
  const planId = /^plan: +(\S+)$/m.exec(shown.stdout)?.[1]
  t.ok(planId, 'the plan ID is listed')
  t.match(shown.stdout, /^state: +open$/m)
  t.match(shown.stdout, /^ *PTR +NEW PTR +SIZE +TAG$/m)
  t.match(shown.stdout, `heapd defrag commit ${heap} ${planId!}`)
  const plan = await client.getDefragPlan(heap, planId!)

  const committed = await json(['defrag', 'commit', heap, planId!])
  t.same(committed.moved, plan.moves.map(({ ptr, newPtr, size }) => ({ ptr, newPtr, size })))
  t.equal((await client.stats(heap)).freeRanges, 1)

  const other = await fragmentedHeap()
  const opened = await json(['defrag', other, '--goal', 'hole', '--size', '56K', '--max-moves', '4', '--ttl', '30'])
  t.match(opened, { goal: 'hole', state: 'open' })
  const before = (await client.listBlocks(other)).items
  const kept = await json(['defrag', 'commit', other, opened.id, '--skipped', opened.moves.map((move: { ptr: number }) => move.ptr).join(',')])
  t.same(kept.moved, [])
  t.same((await client.listBlocks(other)).items, before, 'the skipped blocks stayed')

  const again = await json(['defrag', other])
  const aborted = await heapd(['defrag', 'abort', other, again.id], { env })
  t.same([aborted.code, aborted.stdout], [0, `aborted plan ${again.id}\n`])
  t.same((await client.listBlocks(other)).items, before)

  const atOnce = await heapd(['defrag', other, '--commit'], { env })
  t.equal(atOnce.code, 0, atOnce.stderr)
  t.match(atOnce.stdout, /^moved: +\d+ blocks/m)
  t.match(atOnce.stdout, /^free ranges: +1$/m)
  t.equal((await client.stats(other)).freeRanges, 1)
})

t.test('defrag refusals and bad arguments', async (t) => {
  const heap = await fragmentedHeap()
  const goal = await heapd(['defrag', heap, '--goal', 'tidy'], { env })
  t.equal(goal.code, 2)
  t.match(goal.stderr, /--goal must be compact or hole/)
  const open = await json(['defrag', heap])
  const busy = await heapd(['defrag', heap], { env })
  t.equal(busy.code, 1)
  t.match(busy.stderr, /^heapd: defrag-in-progress \(409\): /)
  const unknown = await heapd(['defrag', 'abort', heap, 'no-such-plan'], { env })
  t.equal(unknown.code, 1)
  t.match(unknown.stderr, /^heapd: plan-not-found \(404\): /)
  t.equal((await heapd(['defrag', 'abort', heap, open.id], { env })).code, 0)
})

t.test('a recording heap\'s trace, replayed from a file, stdin and the heap', async (t) => {
  const created = await json(['heaps', 'create', '--size', '64K', '--record'])
  t.same(created.recording, { ops: 0, complete: true })
  const a = await client.alloc(created.id, { size: 1000 })
  await client.alloc(created.id, { size: 2000, align: 16 })
  await client.free(created.id, a.ptr)

  const trace = await heapd(['trace', created.id], { env })
  t.equal(trace.code, 0, trace.stderr)
  t.same(trace.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#')), ['a 0 1000', 'a 1 2000 16', 'f 0'])
  t.same(await json(['trace', created.id]), await client.trace(created.id, { format: 'json' }))

  const dir = mkdtempSync(join(tmpdir(), 'heapd-replay-'))
  const file = join(dir, 'recorded.trace')
  writeFileSync(file, trace.stdout)
  const shown = await heapd(['replay', file, '--size', '2K'], { env })
  t.equal(shown.code, 0, shown.stderr)
  t.match(shown.stdout, /^ops: +3$/m)
  t.match(shown.stdout, /^peak live: +2.93 KiB \(3000\) in 2 blocks, after op 1$/m)
  t.match(shown.stdout, /^STRATEGY +PEAK FOOTPRINT +OVERHEAD +VS OFFLINE +FAILURES +FIRST FAILURE/m)
  for (const strategy of ['first-fit', 'best-fit', 'tlsf']) t.match(shown.stdout, new RegExp(`^${strategy} .* 1 +1 `, 'm'), `${strategy}: one failure, at op 1`)

  const gzipped = join(dir, 'recorded.trace.gz')
  writeFileSync(gzipped, gzipSync(trace.stdout))
  t.match(await json(['replay', gzipped, '--size', '2K']), { ops: 3, size: 2048, results: [{ failures: 1 }, { failures: 1 }, { failures: 1 }] }, 'a gzipped file')

  const ops = JSON.stringify(await client.trace(created.id, { format: 'json' }))
  const fromStdin = await json(['replay', '-', '--strategies', 'tlsf,best-fit'], ops)
  t.same(fromStdin.results.map((result: { strategy: string }) => result.strategy), ['tlsf', 'best-fit'])
  // The same trace replayed from the heap: the same figures, but for the time each op took.
  const withoutTimes = (replay: { results: Array<{ nsPerOp: number }> }): unknown =>
    ({ ...replay, results: replay.results.map(({ nsPerOp, ...rest }) => rest) })
  t.same(withoutTimes(await json(['replay', `--heap=${created.id}`, '--strategies', 'tlsf,best-fit'])), withoutTimes(fromStdin))

  const neither = await heapd(['replay'], { env })
  t.equal(neither.code, 2)
  t.match(neither.stderr, /give a trace FILE or --heap HEAP/)
  const badStrategy = await heapd(['replay', file, '--strategies', 'worst-fit'], { env })
  t.equal(badStrategy.code, 2)
  const invalid = await heapd(['replay', '-'], { env, input: 'a 0 16\nf 1\n' })
  t.equal(invalid.code, 1)
  t.match(invalid.stderr, /^heapd: invalid-trace \(400\): /)
})
