/**
 * POST /replays: text, JSON and gzip bodies, ?heap= a recording's history, the limits (body, ops,
 * concurrent replays), and bad input of each kind answering problem+json while nothing changes.
 * Replays run on the pool handed to the app, which the tests observe.
 */
import t, { type Test } from 'tap'
import type { InjectOptions } from 'fastify'
import { gzipSync } from 'node:zlib'
import { alloc, build, createHeap, expectProblem, observe } from '../helpers/build.js'
import { NaiveAllocator } from '../helpers/naive.js'
import { ReplayPool } from '../../src/registry/replays.js'
import { parseTraceText, traceOps } from '../../src/trace/index.js'
import type { TraceOp } from '../../src/trace/index.js'
import type { App } from '../../src/http/app.js'
import type { ConfigOverrides } from '../../src/config.js'

/** A trace of `blocks` allocs of varied sizes, every third freed soon after. */
function traceText (blocks: number): string {
  const lines = ['# alloc-trace v1']
  for (let id = 0; id < blocks; id++) {
    lines.push(`a ${id} ${1 + ((id * 7919) % 500)}${id % 5 === 0 ? ' 16' : ''}`)
    if (id % 3 === 2) lines.push(`f ${id - 1}`)
  }
  return lines.join('\n') + '\n'
}

/** The naive design's peak footprint on a trace without reallocs. */
function naivePeakFootprint (ops: Iterable<TraceOp>): number {
  const naive = new NaiveAllocator(2 ** 40)
  const ptrOf = new Map<number, number>()
  let peak = 0
  for (const op of ops) {
    if (op.op === 'alloc') {
      const ptr = naive.alloc(op.size, op.align ?? 1)
      ptrOf.set(op.id, ptr)
      peak = Math.max(peak, ptr + op.size)
    } else if (op.op === 'free') {
      naive.free(ptrOf.get(op.id)!)
    }
  }
  return peak
}

async function withPool (t: Test, overrides: ConfigOverrides = {}, maxConcurrent = 2): Promise<{ app: App, pool: ReplayPool }> {
  const pool = new ReplayPool({ maxConcurrent, maxOps: overrides.limits?.maxReplayOps ?? 5_000_000, execArgv: WORKER_EXEC_ARGV })
  t.teardown(() => pool.close())
  const app = await build(t, overrides, { replays: pool })
  return { app, pool }
}

/** The workers run the TypeScript sources through the test loader alone (tap's own hooks stay in the test process). */
const WORKER_EXEC_ARGV = ['--import=./test/loader/register.mjs']

type Replay = {
  ops: number
  peakLive: { bytes: number, blocks: number, at: number }
  floor: { bytes: number, offline: number, method: string }
  results: Array<{ strategy: string, peakFootprint: number, overhead: number, failures: number, firstFailureAt: number | null, nsPerOp: number }>
  series: { at: number[], live: number[], footprint: Record<string, number[]> }
}

/** The answer without its timings, for comparing two replays of one trace. */
function untimed (replay: Replay): unknown {
  return { ...replay, results: replay.results.map(({ nsPerOp, ...rest }) => rest) }
}

const TEXT = traceText(600)

t.test('a text/plain trace: every strategy against the floor, replayed on the pool', async t => {
  const { app, pool } = await withPool(t)
  const response = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: TEXT })
  t.equal(response.statusCode, 200, response.body)
  const replay = response.json() as Replay
  const trace = parseTraceText(TEXT)
  t.equal(replay.ops, trace.length)
  t.same(replay.results.map((r) => r.strategy), ['first-fit', 'best-fit', 'tlsf'])
  const firstFit = replay.results[0]!
  t.equal(firstFit.peakFootprint, naivePeakFootprint(traceOps(trace)), 'first-fit\'s peak footprint is the naive design\'s')
  t.equal(replay.floor.bytes, replay.peakLive.bytes)
  t.ok(replay.floor.offline >= replay.floor.bytes, 'the offline placement is no better than the lower bound')
  t.match(replay.floor.method, /knowing every lifetime/)
  for (const result of replay.results) {
    t.ok(result.peakFootprint >= replay.peakLive.bytes)
    t.equal(result.overhead, result.peakFootprint / replay.peakLive.bytes - 1)
    t.equal(result.failures, 0, 'the default size never fails')
    t.equal(result.firstFailureAt, null)
  }
  t.ok(replay.series.at.length <= 501 && replay.series.at.at(-1) === trace.length - 1)
  t.equal(replay.series.live.length, replay.series.at.length)
  for (const strategy of ['first-fit', 'best-fit', 'tlsf']) t.equal(replay.series.footprint[strategy]!.length, replay.series.at.length)
  t.equal(pool.answered, 1, 'the replay ran on a worker of the pool')
  t.equal(pool.running, 0)
})

t.test('JSON ops, JSON text and gzip give the same replay as the text', async t => {
  const { app, pool } = await withPool(t)
  const ops = [...traceOps(parseTraceText(TEXT))]
  const asText = (await app.inject({ method: 'POST', url: '/replays?strategies=first-fit,tlsf', headers: { 'content-type': 'text/plain' }, payload: TEXT })).json() as Replay
  const asOps = await app.inject({ method: 'POST', url: '/replays', payload: { trace: ops, strategies: ['first-fit', 'tlsf'] } })
  t.equal(asOps.statusCode, 200, asOps.body)
  t.same(untimed(asOps.json()), untimed(asText))
  const asJsonText = await app.inject({ method: 'POST', url: '/replays', payload: { trace: TEXT, strategies: ['first-fit', 'tlsf'] } })
  t.same(untimed(asJsonText.json()), untimed(asText))
  const gzipped = await app.inject({
    method: 'POST',
    url: '/replays?strategies=first-fit,tlsf',
    headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
    payload: gzipSync(TEXT)
  })
  t.equal(gzipped.statusCode, 200, gzipped.body)
  t.same(untimed(gzipped.json()), untimed(asText))
  const gzippedJson = await app.inject({
    method: 'POST', url: '/replays', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync(JSON.stringify({ trace: ops, strategies: ['first-fit', 'tlsf'] }))
  })
  t.same(untimed(gzippedJson.json()), untimed(asText))
  t.equal(pool.answered, 5)
})

t.test('a heap size: failures and the first op that failed', async t => {
  const { app } = await withPool(t)
  const response = await app.inject({ method: 'POST', url: '/replays', payload: { trace: 'a 0 600\na 1 600\nf 0\na 2 300\na 3 900\n', size: 1500 } })
  t.equal(response.statusCode, 200, response.body)
  const firstFit = (response.json() as Replay).results[0]!
  t.equal(firstFit.failures, 1)
  t.equal(firstFit.firstFailureAt, 4, 'the fifth op finds no 900 bytes together')
})

t.test('a trace that breaks a rule: 400 invalid-trace naming the line or the index', async t => {
  const { app, pool } = await withPool(t)
  const text = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8\n# ok\nf 0\nf 0\n' })
  t.match(expectProblem(t, text, 400, 'invalid-trace'), { line: 4, reason: 'freed-id', detail: /^line 4: free of id 0, which was already freed/ })
  const json = await app.inject({ method: 'POST', url: '/replays', payload: { trace: [{ op: 'alloc', id: 0, size: 8 }, { op: 'alloc', id: 1, size: 8, align: 3 }] } })
  t.match(expectProblem(t, json, 400, 'invalid-trace'), { index: 1, reason: 'bad-align' })
  const unknown = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8\nm 0\n' })
  t.match(expectProblem(t, unknown, 400, 'invalid-trace'), { line: 2, reason: 'unknown-op' })
  t.equal(pool.running, 0)
  const after = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8\n' })
  t.equal(after.statusCode, 200, 'the pool still replays after refusals')
})

t.test('bad requests: validation errors, encodings, and nothing changes', async t => {
  const { app } = await withPool(t)
  const heap = await createHeap(app, { size: 4096 })
  await alloc(app, heap.id, 100)
  const before = await observe(app, heap.id)
  const cases: Array<[InjectOptions, number, string]> = [
    [{ method: 'POST', url: '/replays', payload: { trace: 'a 0 8', extra: 1 } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', payload: { trace: 'a 0 8', strategies: ['worst-fit'] } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', payload: { trace: 'a 0 8', strategies: ['tlsf', 'tlsf'] } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', payload: { trace: 'a 0 8', size: 0 } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', payload: { trace: 'a 0 8', alignment: 12 } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays?size=10', payload: { trace: 'a 0 8', size: 10 } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', payload: {} }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays' }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays?strategies=first-fit,bad', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8' }, 400, 'validation-error'],
    [{ method: 'POST', url: `/replays?heap=${heap.id}`, payload: { trace: 'a 0 8' } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', payload: '{"trace": ', headers: { 'content-type': 'application/json' } }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, payload: 'not gzip' }, 400, 'validation-error'],
    [{ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain', 'content-encoding': 'br' }, payload: 'a 0 8' }, 415, 'unsupported-media-type'],
    [{ method: 'POST', url: '/replays', headers: { 'content-type': 'application/xml' }, payload: '<a/>' }, 415, 'unsupported-media-type'],
    [{ method: 'POST', url: '/replays?heap=nosuchheap' }, 404, 'heap-not-found'],
    [{ method: 'POST', url: `/replays?heap=${heap.id}` }, 404, 'not-recording']
  ]
  for (const [request, status, code] of cases) expectProblem(t, await app.inject(request), status, code)
  t.same(await observe(app, heap.id), before, 'the heap is as it was')
  const textElsewhere = await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, headers: { 'content-type': 'text/plain' }, payload: '100' })
  expectProblem(t, textElsewhere, 415, 'unsupported-media-type')
})

t.test('limits: the route\'s own body limit (gzip undone too) and HEAPD_MAX_REPLAY_OPS', async t => {
  const { app } = await withPool(t, { limits: { replayBodyLimit: 4096, maxReplayOps: 200, bodyLimit: 1024 } })
  const big = traceText(100)
  t.ok(big.length > 1024 && big.length < 4096, 'a trace over the app\'s body limit and under the route\'s')
  t.equal((await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: big })).statusCode, 200)
  const long = traceText(160)
  // The line of op 201: the first one past the limit.
  const line = long.split('\n').map((text, i) => ({ text, line: i + 1 })).filter(({ text }) => text !== '' && !text.startsWith('#'))[200]!.line
  const tooLong = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: long })
  t.match(expectProblem(t, tooLong, 413, 'payload-too-large'), { limit: 'maxReplayOps', limitValue: 200, line })
  const tooBig = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: '#'.repeat(5000) })
  t.match(expectProblem(t, tooBig, 413, 'payload-too-large'), { limitValue: 4096 })
  const bomb = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' }, payload: gzipSync('#'.repeat(100_000)) })
  t.match(expectProblem(t, bomb, 413, 'payload-too-large'), { limit: 'replayBodyLimit', limitValue: 4096 })
})

t.test('beyond HEAPD_MAX_CONCURRENT_REPLAYS: 429 too-many-replays while the pool is busy', async t => {
  const { app, pool } = await withPool(t, {}, 1)
  const running = pool.run({ text: traceText(20_000) })
  t.equal(pool.running, 1, 'the one worker is busy')
  const refused = await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8\n' })
  t.match(expectProblem(t, refused, 429, 'too-many-replays'), { limit: 'maxConcurrentReplays', limitValue: 1 })
  t.equal((await running).ops, parseTraceText(traceText(20_000)).length)
  t.equal(pool.running, 0)
  t.equal((await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8\n' })).statusCode, 200, 'answered once the worker is free')
})

t.test('?heap= replays a recording heap\'s own history, tenant-scoped', async t => {
  const { app } = await withPool(t, { apiKeys: [{ key: 'key-of-alice', tenant: 'alice' }, { key: 'key-of-bob', tenant: 'bob' }] })
  const alice = { authorization: 'Bearer key-of-alice' }
  const created = await app.inject({ method: 'POST', url: '/heaps', headers: alice, payload: { size: 65536, record: true } })
  t.equal(created.statusCode, 201, created.body)
  const id = created.json().id as string
  const ptrs: number[] = []
  for (let i = 1; i <= 20; i++) {
    const response = await app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, headers: alice, payload: { size: 100 * i } })
    ptrs.push(response.json().ptr)
  }
  for (const ptr of ptrs.filter((_, i) => i % 2 === 0)) await app.inject({ method: 'DELETE', url: `/heaps/${id}/blocks/${ptr}`, headers: alice })
  const trace = await app.inject({ url: `/heaps/${id}/trace`, headers: alice })
  const fromHeap = await app.inject({ method: 'POST', url: `/replays?heap=${id}&strategies=first-fit`, headers: alice })
  t.equal(fromHeap.statusCode, 200, fromHeap.body)
  const fromText = await app.inject({ method: 'POST', url: '/replays?strategies=first-fit', headers: { ...alice, 'content-type': 'text/plain' }, payload: trace.body })
  t.same(untimed(fromHeap.json()), untimed(fromText.json()), 'the same as replaying its trace')
  t.equal((fromHeap.json() as Replay).ops, 30)
  expectProblem(t, await app.inject({ method: 'POST', url: `/replays?heap=${id}`, headers: { authorization: 'Bearer key-of-bob' } }), 404, 'heap-not-found')
  expectProblem(t, await app.inject({ method: 'POST', url: '/replays', headers: { 'content-type': 'text/plain' }, payload: 'a 0 8\n' }), 401, 'unauthorized')
})
