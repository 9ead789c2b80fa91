import t from 'tap'
import type { Change } from '../../src/registry/events.js'
import { startExpirySweep, sweepInterval, type SweepTimers } from '../../src/registry/expiry.js'
import { Registry } from '../../src/registry/registry.js'
import { build, createHeap, expectProblem } from '../helpers/build.js'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')

/** A hand-driven clock and interval timer: `tick()` runs the sweep as the timer would. */
function fakeTime () {
  let now = T0
  const timers: Array<{ callback: () => void, ms: number, cleared: boolean, unrefed: boolean }> = []
  const sweepTimers: SweepTimers = {
    setInterval: (callback, ms) => {
      const timer = { callback, ms, cleared: false, unrefed: false, unref: () => { timer.unrefed = true } }
      timers.push(timer)
      return timer
    },
    clearInterval: (timer) => { (timer as { cleared: boolean }).cleared = true }
  }
  return {
    timers,
    sweepTimers,
    now: () => new Date(now),
    advance: (seconds: number) => { now += seconds * 1000 },
    tick: () => { for (const timer of timers) if (!timer.cleared) timer.callback() }
  }
}

t.test('sweepInterval: a tenth of the TTL within [1 s, 60 s]', async (t) => {
  t.equal(sweepInterval(5_000), 1_000)
  t.equal(sweepInterval(300_000), 30_000)
  t.equal(sweepInterval(86_400_000), 60_000)
})

t.test('expiresAt moves on every request that reads or changes the heap; idle heaps are deleted by the sweep', async (t) => {
  const time = fakeTime()
  const changes: Change[] = []
  const app = await build(t, { heapTtl: 60 }, { now: time.now, sweepTimers: time.sweepTimers, events: { changed: (change) => { changes.push(change) } } })
  t.equal(time.timers.length, 1, 'one sweep timer')
  t.equal(time.timers[0]!.ms, 6_000)
  t.ok(time.timers[0]!.unrefed, 'the timer does not keep the process alive')

  const heap = await createHeap(app, { size: 1024 })
  t.equal(heap.expiresAt, '2026-01-01T00:01:00.000Z')
  const idle = await createHeap(app, { size: 1024 })

  time.advance(30)
  t.equal((await app.inject(`/heaps/${heap.id}`)).json().expiresAt, '2026-01-01T00:01:30.000Z', 'a read moves it')
  time.advance(20)
  await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 8 } })
  const listed = (await app.inject('/heaps')).json().items as Array<{ id: string, expiresAt: string }>
  t.same(listed.map((h) => h.expiresAt), ['2026-01-01T00:01:50.000Z', '2026-01-01T00:01:00.000Z'], 'an alloc moves it; listing does not')

  time.advance(9)
  time.tick()
  t.equal(app.registry.count, 2, 'nothing expires a second early')
  time.advance(1)
  time.tick()
  t.equal(app.registry.count, 1, 'the idle heap expired at its expiresAt')
  expectProblem(t, await app.inject(`/heaps/${idle.id}`), 404, 'heap-not-found')
  t.match(changes.filter((change) => change.kind === 'heap-deleted'), [{ kind: 'heap-deleted', heapId: idle.id }], 'deleted through the registry: listeners see it')

  time.advance(50)
  time.tick()
  t.equal(app.registry.count, 0, 'the other heap expires 60 s after its last use')
  t.equal(app.registry.liveBlocks, 0, 'its blocks are returned to the total')

  await app.close()
  t.ok(time.timers[0]!.cleared, 'closing the app stops the sweep')
})

t.test('every heap route counts as use: stats, layout, blocks, batch, reset', async (t) => {
  const time = fakeTime()
  const app = await build(t, { heapTtl: 10 }, { now: time.now, sweepTimers: time.sweepTimers })
  const heap = await createHeap(app, { size: 1024 })
  for (const [method, url, payload] of [
    ['GET', '/stats'], ['GET', '/layout'], ['GET', '/blocks'], ['POST', '/batch', { ops: [{ op: 'alloc', size: 4 }] }], ['POST', '/reset']
  ] as const) {
    time.advance(9)
    time.tick()
    const response = await app.inject({ method, url: `/heaps/${heap.id}${url}`, ...(payload !== undefined ? { payload } : {}) })
    t.equal(response.statusCode, 200, `${method} ${url} still finds the heap`)
  }
  t.equal((await app.inject(`/heaps/${heap.id}`)).json().expiresAt, new Date(T0 + 45_000 + 10_000).toISOString())
})

t.test('off by default: no expiresAt, no timer', async (t) => {
  const time = fakeTime()
  const app = await build(t, {}, { now: time.now, sweepTimers: time.sweepTimers })
  const heap = await createHeap(app, { size: 64 })
  t.notOk('expiresAt' in heap)
  t.equal(time.timers.length, 0)
  time.advance(10 * 365 * 86_400)
  t.same(app.registry.expireIdle(), [])
  t.equal((await app.inject(`/heaps/${heap.id}`)).statusCode, 200)
})

t.test('a failing sweep is reported and retried, never thrown from the timer', async (t) => {
  const time = fakeTime()
  let refuse = true
  const registry = new Registry({
    limits: { maxHeaps: 10, maxHeapSize: 1024, maxBlocksPerHeap: 10 },
    heapTtl: 1000,
    now: time.now,
    events: { changed: (change) => { if (change.kind === 'heap-deleted' && refuse) throw new Error('journal is full') } }
  })
  registry.create({ size: 64 })
  const errors: unknown[] = []
  const expired: string[][] = []
  const stop = startExpirySweep(registry, { intervalMs: 1000, timers: time.sweepTimers, onError: (error) => errors.push(error), onExpired: (ids) => expired.push(ids) })
  time.advance(2)
  t.doesNotThrow(() => time.tick())
  t.equal(errors.length, 1)
  t.equal(registry.count, 1, 'the heap stays when its delete is refused')
  refuse = false
  time.tick()
  t.equal(registry.count, 0)
  t.equal(expired.length, 1)
  stop()
})
