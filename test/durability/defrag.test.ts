/**
 * Defragmentation plans in a SQLite store (HEAPD_DATA): an open plan survives a restart with its
 * reservations, pins and expiresAt; a committed plan with its moved blocks and its result; an
 * aborted or expired plan leaves nothing behind; and a restored heap answers later pointers exactly
 * as the process that never stopped, on every strategy.
 */
import t, { type Test } from 'tap'
import { STRATEGIES } from '../../src/allocator/index.js'
import { configWith } from '../../src/config.js'
import { buildApp, createRegistry, type App } from '../../src/http/app.js'
import { SqliteStore } from '../../src/registry/store/sqlite/store.js'
import { expectProblem } from '../helpers/build.js'
import { nextPointers, observable, open, rows, tempFile } from './helpers.js'

const T0 = Date.parse('2026-01-01T00:00:00.000Z')

/** The service over the file, as server.ts builds it, on a clock the test moves. */
async function serve (t: Test, file: string, clock: { now: () => Date }): Promise<{ app: App, stop: () => Promise<void> }> {
  const store = SqliteStore.open(file, { background: false })
  const config = configWith()
  const registry = createRegistry(config, { events: store.events, now: clock.now })
  registry.load(store.load())
  const app = buildApp(config, { registry, store })
  await app.ready()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await app.close()
    store.close()
  }
  t.teardown(stop)
  return { app, stop }
}

function movableClock () {
  let now = T0
  return { now: () => new Date(now), advance: (seconds: number) => { now += seconds * 1000 } }
}

/** Blocks of 128 at 128 (tag b) and 384 (tag d) in 1024 bytes: a compact plan moves d to 0. */
async function fragmentedOverHttp (app: App, strategy: string): Promise<string> {
  const id = (await app.inject({ method: 'POST', url: '/heaps', payload: { size: 1024, strategy } })).json().id as string
  const ptrs: number[] = []
  for (const tag of ['a', 'b', 'c', 'd']) ptrs.push((await app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, payload: { size: 128, tag } })).json().ptr)
  for (const ptr of [ptrs[0]!, ptrs[2]!]) await app.inject({ method: 'DELETE', url: `/heaps/${id}/blocks/${ptr}` })
  return id
}

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: an open plan survives a restart with its reservations, pins and expiresAt; so does its commit`, async (t) => {
    const file = tempFile(t)
    const clock = movableClock()
    const first = await serve(t, file, clock)
    const id = await fragmentedOverHttp(first.app, strategy)
    const created = await first.app.inject({ method: 'POST', url: `/heaps/${id}/defrag`, payload: { ttl: 120 } })
    const plan = created.json()
    t.equal(plan.moves.length, 1)
    const layout = (await first.app.inject(`/heaps/${id}/layout`)).json()
    const stats = (await first.app.inject(`/heaps/${id}/stats`)).json()
    await first.stop()

    clock.advance(60)
    const second = await serve(t, file, clock)
    const url = created.headers.location as string
    t.same((await second.app.inject(url)).json(), plan, 'the plan, expiresAt included')
    t.same((await second.app.inject(`/heaps/${id}/layout`)).json(), layout, 'the reservation is back')
    t.same((await second.app.inject(`/heaps/${id}/stats`)).json(), stats)
    expectProblem(t, await second.app.inject({ method: 'DELETE', url: `/heaps/${id}/blocks/384` }), 409, 'block-moving')
    expectProblem(t, await second.app.inject({ method: 'POST', url: `/heaps/${id}/defrag` }), 409, 'defrag-in-progress')
    const filler = (await second.app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, payload: { size: 128 } })).json()
    t.not(filler.ptr, 0, 'no alloc lands in the restored reservation')

    const committed = await second.app.inject({ method: 'POST', url: `${url}/commit` })
    t.equal(committed.statusCode, 200)
    await second.stop()

    const third = await serve(t, file, clock)
    t.same((await third.app.inject({ method: 'POST', url: `${url}/commit` })).json(), committed.json(), 'a commit after a restart answers the same result')
    t.match((await third.app.inject(url)).json(), { state: 'committed' })
    t.same((await third.app.inject(`/heaps/${id}/blocks/0`)).json(), { ptr: 0, size: 128, tag: 'd' }, 'the moved block, with its tag')
    expectProblem(t, await third.app.inject(`/heaps/${id}/blocks/384`), 404, 'block-not-found')
    t.equal((await third.app.inject({ method: 'POST', url: `/heaps/${id}/defrag` })).statusCode, 201, 'the next plan may be made')
  })
}

t.test('an aborted plan and an expired one leave no reservation in the file', async (t) => {
  const file = tempFile(t)
  const clock = movableClock()
  const first = await serve(t, file, clock)
  const aborted = await fragmentedOverHttp(first.app, 'tlsf')
  const expiring = await fragmentedOverHttp(first.app, 'first-fit')
  const abortedPlan = await first.app.inject({ method: 'POST', url: `/heaps/${aborted}/defrag` })
  t.equal((await first.app.inject({ method: 'DELETE', url: abortedPlan.headers.location as string })).statusCode, 204)
  const expiringPlan = await first.app.inject({ method: 'POST', url: `/heaps/${expiring}/defrag`, payload: { ttl: 10 } })
  await first.stop()

  clock.advance(10)
  const second = await serve(t, file, clock)
  expectProblem(t, await second.app.inject(abortedPlan.headers.location as string), 404, 'plan-not-found')
  expectProblem(t, await second.app.inject({ method: 'POST', url: `${expiringPlan.headers.location as string}/commit` }), 410, 'plan-expired')
  for (const id of [aborted, expiring]) {
    const states = (await second.app.inject(`/heaps/${id}/layout`)).json().items.map((segment: { state: string }) => segment.state)
    t.same(states, ['free', 'used', 'free', 'used', 'free'], 'no reservation')
    t.equal((await second.app.inject({ method: 'DELETE', url: `/heaps/${id}/blocks/384` })).statusCode, 204, 'no pin')
  }
  await second.stop()
  const third = await serve(t, file, clock)
  t.same((await third.app.inject(`/heaps/${expiring}/layout`)).json().items.map((segment: { state: string }) => segment.state), ['free', 'used', 'free'], 'the expiry was recorded')
})

for (const strategy of STRATEGIES) {
  t.test(`${strategy}: a restored heap with a plan answers later pointers as the process that never stopped`, async (t) => {
    const file = tempFile(t)
    const first = open(t, file)
    const heap = first.registry.create({ size: 1 << 16, strategy })
    nextPointers(heap, 400, 7)
    heap.blocks(0, 1000).items.forEach((block, index) => { if (index % 2 === 0) heap.free(block.ptr) })
    const plan = heap.planDefrag({ maxMoves: 20 })
    t.ok(plan.moves.length > 0, 'a plan with moves')
    nextPointers(heap, 100, 11)
    const open1 = observable(heap)
    first.stop()

    const second = open(t, file)
    const restored = second.registry.get(heap.id)
    t.same(observable(restored), open1, 'blocks, reservations and counters as they were')
    t.same(nextPointers(restored, 200, 13), nextPointers(heap, 200, 13), 'the same later pointers, the plan open')
    const commitBefore = heap.commitDefrag(plan.id)
    t.same(restored.commitDefrag(plan.id), commitBefore)
    t.same(nextPointers(restored, 200, 17), nextPointers(heap, 200, 17), 'and after its commit')
    t.equal(rows(second.store, 'SELECT count(*) FROM defrag_plans'), 1, 'the committed plan is kept until it expires')
    second.stop()

    const third = open(t, file)
    t.same(observable(third.registry.get(heap.id)), observable(restored), 'the commit was recorded')
  })
}
