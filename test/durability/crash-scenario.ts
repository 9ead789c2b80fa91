/**
 * Crash test of durable heaps: the real server with HEAPD_DATA, one heap per strategy, each driven
 * by a stream of allocs (tagged), frees, reallocs, batches (some atomic and failing) and resets
 * over HTTP, SIGKILLed at a random moment while requests are in flight, then restarted on the same
 * file. After every restart each heap must hold exactly the blocks (ptr, size, tag) of its
 * acknowledged history (plus, or not, the one request that was in flight), and every later answer
 * must give the pointers of a reference allocator that replays that history (reference.ts).
 * The kills are shared between crash-1.test.ts and crash-2.test.ts, two processes that tap runs in
 * parallel: each kill waits for a server to start, which is mostly CPU, and one file doing all of
 * them in sequence was the last to finish in `npm test`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import type { Strategy } from '../../src/allocator/index.js'
import { Tracker, type BatchStepOp, type BlockState, type Outcome, type Step } from './reference.js'
import { prng } from '../helpers/prng.js'
import { startServer, type ServerProcess } from './server-process.js'

/** SIGKILLs in npm test, over the two files (at least 20, so that kills land in every phase of a write). */
export const TOTAL_KILLS = Number(process.env.CRASH_KILLS ?? 21)
const HEAP_SIZE = 1 << 14
const STRATEGIES: Strategy[] = ['first-fit', 'best-fit', 'tlsf']
const json = { 'content-type': 'application/json' }
/** Swagger UI and metrics off: they only slow each of the many starts down. */
const QUIET = { HEAPD_DOCS: 'false', HEAPD_METRICS: 'false' }

/** A seeded stream of random requests, so a failure can be rerun with CRASH_SEED. */
function requestStream (seed: number) {
  const random = prng(seed)
  const below = (n: number) => Math.floor(random() * n)
  const pick = <T>(items: readonly T[]): T => items[below(items.length)]!

  function allocOp (): BatchStepOp {
    const op: BatchStepOp = { op: 'alloc', size: 1 + below(random() < 0.1 ? HEAP_SIZE / 4 : 400) }
    if (random() < 0.25) op.align = pick([8, 16, 64, 256])
    if (random() < 0.6) op.tag = `t${below(1000)}`
    return op
  }

  /** A random next request, over the blocks the heap holds now. */
  function nextStep (live: number[]): Step {
    const r = random()
    if (r < 0.01) return { op: 'reset' }
    if (r < 0.1) {
      const ptrs = [...live].sort(() => random() - 0.5)
      const ops: BatchStepOp[] = []
      for (let n = 2 + below(5); ops.length < n;) {
        const kind = random()
        if (kind < 0.5 || ptrs.length === 0) ops.push(allocOp())
        else if (kind < 0.8) ops.push({ op: 'free', ptr: ptrs.pop()! })
        else ops.push({ op: 'realloc', ptr: ptrs.pop()!, size: 1 + below(600) })
      }
      // Now and then an op that cannot succeed, so an atomic batch rolls back.
      if (random() < 0.3) ops.splice(below(ops.length + 1), 0, { op: 'alloc', size: HEAP_SIZE + 1 })
      return { op: 'batch', ops, atomic: random() < 0.5 }
    }
    if (live.length === 0 || r < 0.5) return allocOp()
    if (r < 0.8) return { op: 'free', ptr: pick(live) }
    return { op: 'realloc', ptr: pick(live), size: 1 + below(600) }
  }

  return { below, nextStep }
}

async function send (base: string, heapId: string, step: Step): Promise<Outcome> {
  const heap = `${base}/heaps/${heapId}`
  const call = async (path: string, method: string, body?: unknown) => {
    const response = await fetch(`${heap}${path}`, { method, ...(body !== undefined ? { headers: json, body: JSON.stringify(body) } : {}) })
    const text = await response.text()
    if (response.status >= 500) throw new Error(`${method} ${path} answered ${response.status}: ${text}`)
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) as Record<string, unknown> }
  }
  switch (step.op) {
    case 'alloc': {
      const { op: _op, ...body } = step
      const answer = await call('/alloc', 'POST', body)
      return answer.status === 201 ? { ok: true, ptr: answer.body!.ptr as number } : { ok: false }
    }
    case 'free':
      return { ok: (await call(`/blocks/${step.ptr}`, 'DELETE')).status === 204 }
    case 'realloc': {
      const answer = await call(`/blocks/${step.ptr}`, 'PATCH', { size: step.size })
      return answer.status === 200 ? { ok: true, ptr: answer.body!.ptr as number } : { ok: false }
    }
    case 'reset':
      return { ok: (await call('/reset', 'POST')).status === 200 }
    case 'batch': {
      const answer = await call('/batch', 'POST', { ops: step.ops, atomic: step.atomic })
      if (answer.status !== 200) return { ok: false }
      const results = (answer.body!.results as Array<{ ok: boolean, op: string, ptr: number }>)
        .map((result) => result.ok && result.op !== 'free' ? { ok: true, ptr: result.ptr } : { ok: result.ok })
      return { ok: true, results }
    }
  }
}

async function serverBlocks (base: string, heapId: string): Promise<BlockState[]> {
  const response = await fetch(`${base}/heaps/${heapId}/blocks?limit=1000`)
  const page = await response.json() as { items: Array<{ ptr: number, size: number, tag?: string }>, nextCursor: unknown }
  if (page.nextCursor !== null) throw new Error('more blocks than one page')
  return page.items.map(({ ptr, size, tag }) => tag === undefined ? { ptr, size } : { ptr, size, tag })
}

/** Runs `kills` SIGKILLs of one server, with requests drawn from `seed`. */
export function crashTest (kills: number, seed = Number(process.env.CRASH_SEED ?? Date.now() % 1_000_000)): void {
  const { below, nextStep } = requestStream(seed)
  t.test(`${kills} SIGKILLs during a stream of changes lose nothing acknowledged and keep later pointers (seed ${seed})`, { timeout: 240_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'heapd-crash-'))
    const dataFile = join(dir, 'heaps.db')
    let server: ServerProcess | undefined
    t.teardown(async () => {
      await server?.kill()
      rmSync(dir, { recursive: true, force: true })
    })

    server = await startServer(dataFile, QUIET)
    const heaps: Array<{ id: string, strategy: Strategy, tracker: Tracker }> = []
    for (const strategy of STRATEGIES) {
      const created = await fetch(`${server.base}/heaps`, { method: 'POST', headers: json, body: JSON.stringify({ size: HEAP_SIZE, strategy }) })
      const { id } = await created.json() as { id: string }
      heaps.push({ id, strategy, tracker: new Tracker({ size: HEAP_SIZE, strategy }) })
    }

    const failures: string[] = []
    let acknowledged = 0
    let inFlightAtKill = 0
    for (let kill = 0; kill < kills; kill++) {
      const { base } = server
      let killed = false
      // One sequential stream per heap, so each heap's order is known; the three run concurrently.
      const streams = heaps.map(async (heap) => {
        while (!killed) {
          const step = nextStep([...heap.tracker.current.allocator.blocks()].map((b) => b.ptr))
          let outcome: Outcome
          try {
            outcome = await send(base, heap.id, step)
          } catch (error) {
            if (!killed) failures.push(`${heap.strategy}: ${String(error)}`)
            return step
          }
          acknowledged++
          if (!heap.tracker.acknowledged(step, outcome)) {
            failures.push(`${heap.strategy}: ${JSON.stringify(step)} answered ${JSON.stringify(outcome)}, unlike the reference`)
            killed = true
          }
        }
        return undefined
      })
      // Kill after a random number of answers plus a random few milliseconds: mid-request, mostly.
      const target = acknowledged + 10 + below(30)
      // The streams move acknowledged and killed while this waits.
      const due = () => acknowledged >= target || killed
      while (!due()) await new Promise((resolve) => setTimeout(resolve, 2))
      await new Promise((resolve) => setTimeout(resolve, below(10)))
      killed = true
      await server.kill()
      const inFlight = await Promise.all(streams)
      inFlightAtKill += inFlight.filter((step) => step !== undefined).length
      if (failures.length > 0) break

      if (process.env.CRASH_DEBUG) console.error('kill', kill, acknowledged, Date.now())
      server = await startServer(dataFile, QUIET)
      if (process.env.CRASH_DEBUG) console.error('started', Date.now())
      for (const [i, heap] of heaps.entries()) {
        const blocks = await serverBlocks(server.base, heap.id)
        if (!heap.tracker.restarted(inFlight[i], blocks)) {
          failures.push(`${heap.strategy} after kill ${kill + 1}: blocks ${JSON.stringify(blocks)} match no acknowledged history`)
        }
      }
      if (failures.length > 0) break
    }
    t.same(failures, [], `no lost or phantom change, pointers as the reference (seed ${seed})`)
    t.ok(acknowledged >= kills * 10, `${acknowledged} requests acknowledged, ${inFlightAtKill} in flight at a kill`)

    // After the last restart the pointers still follow the reference, for every strategy.
    if (failures.length > 0) return
    for (const heap of heaps) {
      for (let i = 0; i < 20; i++) {
        const step = nextStep([...heap.tracker.current.allocator.blocks()].map((b) => b.ptr))
        const outcome = await send(server.base, heap.id, step)
        if (!heap.tracker.acknowledged(step, outcome)) {
          t.fail(`${heap.strategy}: ${JSON.stringify(step)} answered ${JSON.stringify(outcome)} after the last restart`)
          break
        }
      }
      t.same(await serverBlocks(server.base, heap.id), heap.tracker.current.blocks(), `${heap.strategy}: blocks equal the reference`)
    }
  })
}
