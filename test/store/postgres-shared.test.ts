/**
 * Two instances on one PostgreSQL (in this process): whichever instance a request reaches, the
 * answer is the one a single process gives; a stale copy never forks a heap; keys hold across
 * instances; quotas count the database's heaps.
 */
import t from 'tap'
import request from 'supertest'
import { postgresFor } from '../cluster/postgres.js'
import { sharedInstance } from './shared-apps.js'
import { buildApp } from '../../src/http/app.js'
import { configWith } from '../../src/config.js'

const server = await postgresFor(t)

t.test('a heap made on one instance is served by the other, pointers as one process gives them', async (t) => {
  const url = await server.createDatabase('shared_basic')
  const a = await sharedInstance(t, url)
  const b = await sharedInstance(t, url)
  const single = buildApp(configWith())
  await single.ready()
  t.teardown(() => single.close())

  const created = await request(a.app.server).post('/heaps').send({ size: 4096, strategy: 'tlsf' }).expect(201)
  const id = created.body.id as string
  const model = (await request(single.server).post('/heaps').send({ size: 4096, strategy: 'tlsf' }).expect(201)).body.id as string
  const instances = [a, b, b, a, b, a, a, b]
  const sizes = [100, 200, 50, 300, 10, 700, 64, 128]
  const ptrs: number[] = []
  for (let i = 0; i < sizes.length; i++) {
    const got = await request(instances[i]!.app.server).post(`/heaps/${id}/alloc`).send({ size: sizes[i] }).expect(201)
    const want = await request(single.server).post(`/heaps/${model}/alloc`).send({ size: sizes[i] }).expect(201)
    t.equal(got.body.ptr, want.body.ptr, `alloc ${i} answers the single process's pointer`)
    ptrs.push(got.body.ptr as number)
  }
  await request(b.app.server).delete(`/heaps/${id}/blocks/${ptrs[1]!}`).expect(204)
  await request(single.server).delete(`/heaps/${model}/blocks/${ptrs[1]!}`).expect(204)
  await request(a.app.server).delete(`/heaps/${id}/blocks/${ptrs[1]!}`).expect(404)
  const again = await request(a.app.server).post(`/heaps/${id}/alloc`).send({ size: 150 }).expect(201)
  const wantAgain = await request(single.server).post(`/heaps/${model}/alloc`).send({ size: 150 }).expect(201)
  t.equal(again.body.ptr, wantAgain.body.ptr, 'a free on one instance is seen by the other')
  const layoutA = await request(a.app.server).get(`/heaps/${id}/blocks`).expect(200)
  const layoutB = await request(b.app.server).get(`/heaps/${id}/blocks`).expect(200)
  const layoutSingle = await request(single.server).get(`/heaps/${model}/blocks`).expect(200)
  t.same(layoutA.body.items, layoutSingle.body.items)
  t.same(layoutB.body.items, layoutSingle.body.items)
  const statsA = await request(a.app.server).get(`/heaps/${id}/stats`).expect(200)
  const statsSingle = await request(single.server).get(`/heaps/${model}/stats`).expect(200)
  t.same(statsA.body, statsSingle.body, 'counters too')
})

t.test('concurrent changes on two instances: one order, no fork', async (t) => {
  const url = await server.createDatabase('shared_race')
  const a = await sharedInstance(t, url)
  const b = await sharedInstance(t, url)
  const id = (await request(a.app.server).post('/heaps').send({ size: 1 << 20 }).expect(201)).body.id as string
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) =>
    request((i % 2 === 0 ? a : b).app.server).post(`/heaps/${id}/alloc`).send({ size: 1000 + i })))
  const ptrs = answers.map((r) => { t.equal(r.status, 201); return r.body.ptr as number })
  t.equal(new Set(ptrs).size, 40, 'no two blocks share a pointer')
  const blocksA = (await request(a.app.server).get(`/heaps/${id}/blocks?limit=100`).expect(200)).body.items as Array<{ ptr: number, size: number }>
  const blocksB = (await request(b.app.server).get(`/heaps/${id}/blocks?limit=100`).expect(200)).body.items
  t.equal(blocksA.length, 40)
  t.same(blocksA, blocksB, 'both instances hold the same layout')
  for (let i = 1; i < blocksA.length; i++) t.ok(blocksA[i - 1]!.ptr + blocksA[i - 1]!.size <= blocksA[i]!.ptr, 'blocks do not overlap')
  const counted = async (name: string): Promise<number> => {
    let sum = 0
    for (const instance of [a, b]) {
      const metrics = (await request(instance.app.server).get('/metrics').expect(200)).text
      sum += Number(new RegExp(`^heapd_shared_${name}_total (\\d+)`, 'm').exec(metrics)?.[1])
    }
    return sum
  }
  t.ok(await counted('commits') > 0 && await counted('jobs') >= await counted('commits'), 'the commits and the requests they carried are counted')
  t.ok(await counted('conflicts') > 0 && await counted('reloads') > 0, 'so are the races lost to the other instance, and the reloads after them')
})

t.test('a refusal is never answered from a copy another instance has moved past', async (t) => {
  const url = await server.createDatabase('shared_stale_refusal')
  const a = await sharedInstance(t, url)
  const b = await sharedInstance(t, url)
  const id = (await request(a.app.server).post('/heaps').send({ size: 4096 }).expect(201)).body.id as string
  const first = (await request(b.app.server).post(`/heaps/${id}/alloc`).send({ size: 64 }).expect(201)).body.ptr as number
  await request(b.app.server).delete(`/heaps/${id}/blocks/${first}`).expect(204)
  await request(a.app.server).get(`/heaps/${id}/blocks`).expect(200)
  const again = (await request(b.app.server).post(`/heaps/${id}/alloc`).send({ size: 64 }).expect(201)).body.ptr as number
  t.equal(again, first, 'the pointer is reused')
  await request(a.app.server).delete(`/heaps/${id}/blocks/${again}`).set('idempotency-key', 'stale-1').expect(204)
  const keyed = await request(b.app.server).delete(`/heaps/${id}/blocks/${again}`).set('idempotency-key', 'stale-1')
  t.equal(keyed.status, 204, 'the key remembers the free, not a refusal')
  const oom = await request(a.app.server).post(`/heaps/${id}/alloc`).send({ size: 4096 }).expect(201)
  t.equal(oom.body.ptr, 0, 'a copy that last saw the heap full is checked before it refuses')
})

t.test('a retry with the same Idempotency-Key on the other instance answers the first answer', async (t) => {
  const url = await server.createDatabase('shared_keys')
  const a = await sharedInstance(t, url)
  const b = await sharedInstance(t, url)
  const id = (await request(a.app.server).post('/heaps').send({ size: 4096 }).expect(201)).body.id as string
  const first = await request(a.app.server).post(`/heaps/${id}/alloc`).set('idempotency-key', 'k-1').send({ size: 100 }).expect(201)
  const retry = await request(b.app.server).post(`/heaps/${id}/alloc`).set('idempotency-key', 'k-1').send({ size: 100 }).expect(201)
  t.same(retry.body, first.body)
  const reused = await request(b.app.server).post(`/heaps/${id}/alloc`).set('idempotency-key', 'k-1').send({ size: 200 })
  t.equal(reused.status, 422)
  const stats = await request(b.app.server).get(`/heaps/${id}/stats`).expect(200)
  t.equal(stats.body.liveBlocks, 1, 'applied once')
})

t.test('a keyed retry elsewhere replays the first answer even where the retry alone would be refused', async (t) => {
  const url = await server.createDatabase('shared_keys_quota')
  const a = await sharedInstance(t, url, { limits: { maxBlocksPerHeap: 1 } })
  const b = await sharedInstance(t, url, { limits: { maxBlocksPerHeap: 1 } })
  const id = (await request(a.app.server).post('/heaps').send({ size: 4096 }).expect(201)).body.id as string
  const first = await request(a.app.server).post(`/heaps/${id}/alloc`).set('idempotency-key', 'q-1').send({ size: 8 }).expect(201)
  await request(b.app.server).get(`/heaps/${id}`).expect(200)
  const retry = await request(b.app.server).post(`/heaps/${id}/alloc`).set('idempotency-key', 'q-1').send({ size: 8 })
  t.equal(retry.status, 201, 'not the 429 a new alloc would get')
  t.same(retry.body, first.body)
})

t.test('list, delete and heap quotas over the whole database', async (t) => {
  const url = await server.createDatabase('shared_list')
  const a = await sharedInstance(t, url, { limits: { maxHeaps: 3 } })
  const b = await sharedInstance(t, url, { limits: { maxHeaps: 3 } })
  const ids = [
    (await request(a.app.server).post('/heaps').send({ size: 100 }).expect(201)).body.id,
    (await request(b.app.server).post('/heaps').send({ size: 200 }).expect(201)).body.id,
    (await request(a.app.server).post('/heaps').send({ size: 300 }).expect(201)).body.id
  ]
  const over = await request(b.app.server).post('/heaps').send({ size: 400 })
  t.equal(over.status, 429, 'the fourth heap passes maxHeaps counted over both instances')
  const page1 = await request(b.app.server).get('/heaps?limit=2').expect(200)
  t.same(page1.body.items.map((h: { id: string }) => h.id), ids.slice(0, 2))
  const page2 = await request(b.app.server).get(`/heaps?limit=2&cursor=${page1.body.nextCursor as string}`).expect(200)
  t.same(page2.body.items.map((h: { id: string }) => h.id), ids.slice(2))
  await request(a.app.server).get(`/heaps/${ids[1] as string}`).expect(200)
  await request(b.app.server).delete(`/heaps/${ids[1] as string}`).expect(204)
  await request(a.app.server).get(`/heaps/${ids[1] as string}`).expect(404)
  await request(a.app.server).post(`/heaps/${ids[1] as string}/alloc`).send({ size: 1 }).expect(404)
})

t.test('block quotas hold over the instances, racing or not', async (t) => {
  const url = await server.createDatabase('shared_blocks')
  const a = await sharedInstance(t, url, { limits: { maxBlocksTotal: 10 } })
  const b = await sharedInstance(t, url, { limits: { maxBlocksTotal: 10 } })
  const heaps = [
    (await request(a.app.server).post('/heaps').send({ size: 1 << 16 }).expect(201)).body.id as string,
    (await request(b.app.server).post('/heaps').send({ size: 1 << 16 }).expect(201)).body.id as string
  ]
  const answers = await Promise.all(Array.from({ length: 16 }, (_, i) =>
    request((i % 2 === 0 ? a : b).app.server).post(`/heaps/${heaps[i % 2]!}/alloc`).send({ size: 8 })))
  const statuses = answers.map((r) => r.status)
  t.equal(statuses.filter((s) => s === 201).length, 10, 'exactly the quota is granted')
  t.equal(statuses.filter((s) => s === 429).length, 6, 'the rest is refused as over quota')
  const live = await Promise.all(heaps.map(async (id) => (await request(a.app.server).get(`/heaps/${id}/stats`).expect(200)).body.liveBlocks as number))
  t.equal(live[0]! + live[1]!, 10)
  const freed = answers.find((r) => r.status === 201)!
  const owner = heaps.find((id) => freed.headers.location!.includes(id))!
  await request(b.app.server).delete(`/heaps/${owner}/blocks/${freed.body.ptr as number}`).expect(204)
  await request(a.app.server).post(`/heaps/${heaps[0]!}/alloc`).send({ size: 8 }).expect(201)
})

t.test('database down: 503 unavailable with Retry-After, nothing acknowledged lost, recovery without restart', async (t) => {
  const url = await server.createDatabase('shared_down')
  const a = await sharedInstance(t, url)
  const id = (await request(a.app.server).post('/heaps').send({ size: 4096 }).expect(201)).body.id as string
  const kept = await request(a.app.server).post(`/heaps/${id}/alloc`).send({ size: 100 }).expect(201)
  await server.takeDown()
  try {
    const refused = await request(a.app.server).post(`/heaps/${id}/alloc`).send({ size: 100 })
    t.equal(refused.status, 503)
    t.equal(refused.body.type.endsWith('/unavailable'), true)
    t.ok(refused.headers['retry-after'])
    const ready = await request(a.app.server).get('/readyz')
    t.equal(ready.status, 503, 'not ready while the database is down')
  } finally {
    await server.bringUp()
  }
  let recovered = 0
  for (let i = 0; i < 50 && recovered !== 201; i++) {
    recovered = (await request(a.app.server).post(`/heaps/${id}/alloc`).send({ size: 50 })).status
    if (recovered !== 201) await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.equal(recovered, 201, 'changes commit again once the database is back')
  const blocks = (await request(a.app.server).get(`/heaps/${id}/blocks`).expect(200)).body.items as Array<{ ptr: number }>
  t.same(blocks.map((b) => b.ptr), [kept.body.ptr, blocks[1]!.ptr], 'the acknowledged block is there, the refused one is not')
  t.equal(blocks.length, 2)
})

t.test('a defragmentation plan made on one instance is read, honoured and committed on the other', async (t) => {
  const url = await server.createDatabase('shared_defrag')
  const a = await sharedInstance(t, url)
  const b = await sharedInstance(t, url)
  const id = (await request(a.app.server).post('/heaps').send({ size: 4096, strategy: 'tlsf' }).expect(201)).body.id as string
  const ptrs: number[] = []
  for (let i = 0; i < 8; i++) ptrs.push((await request(i % 2 === 0 ? a.app.server : b.app.server).post(`/heaps/${id}/alloc`).send({ size: 256 }).expect(201)).body.ptr)
  for (const ptr of ptrs.filter((_, i) => i % 2 === 0)) await request(b.app.server).delete(`/heaps/${id}/blocks/${ptr}`).expect(204)
  const plan = (await request(a.app.server).post(`/heaps/${id}/defrag`).send({ goal: 'compact' }).expect(201)).body
  t.ok(plan.moves.length > 0, 'something to move')
  const read = await request(b.app.server).get(`/heaps/${id}/defrag/${plan.id as string}`).expect(200)
  t.same(read.body.moves, plan.moves, 'the other instance reads the same plan')
  const pinned = await request(b.app.server).delete(`/heaps/${id}/blocks/${plan.moves[0].ptr as number}`)
  t.equal(pinned.status, 409, 'a moving block is pinned on the other instance too')
  const committed = await request(b.app.server).post(`/heaps/${id}/defrag/${plan.id as string}/commit`).send({}).expect(200)
  t.equal(committed.body.moved.length, plan.moves.length)
  const again = await request(a.app.server).post(`/heaps/${id}/defrag/${plan.id as string}/commit`).send({}).expect(200)
  t.same(again.body.moved, committed.body.moved, 'a second commit elsewhere answers the same result')
  const layoutA = (await request(a.app.server).get(`/heaps/${id}/blocks`).expect(200)).body.items
  const layoutB = (await request(b.app.server).get(`/heaps/${id}/blocks`).expect(200)).body.items
  t.same(layoutA, layoutB)
  t.same(layoutA.map((block: { ptr: number }) => block.ptr), plan.moves.map((move: { newPtr: number }) => move.newPtr).concat(
    ptrs.filter((_, i) => i % 2 === 1 && !plan.moves.some((move: { ptr: number }) => move.ptr === ptrs[i]))).sort((x: number, y: number) => x - y))
})

t.test('a recording heap records the changes of every instance, in order', async (t) => {
  const url = await server.createDatabase('shared_recording')
  const a = await sharedInstance(t, url)
  const b = await sharedInstance(t, url)
  const single = buildApp(configWith())
  await single.ready()
  t.teardown(() => single.close())
  const id = (await request(a.app.server).post('/heaps').send({ size: 4096, record: true }).expect(201)).body.id as string
  const model = (await request(single.server).post('/heaps').send({ size: 4096, record: true }).expect(201)).body.id as string
  const steps: Array<(app: typeof a.app.server, heap: string, ptrs: number[]) => Promise<void>> = [
    async (app, heap, ptrs) => { ptrs.push((await request(app).post(`/heaps/${heap}/alloc`).send({ size: 100 }).expect(201)).body.ptr) },
    async (app, heap, ptrs) => { ptrs.push((await request(app).post(`/heaps/${heap}/alloc`).send({ size: 300, align: 64 }).expect(201)).body.ptr) },
    async (app, heap, ptrs) => { await request(app).patch(`/heaps/${heap}/blocks/${ptrs[0]!}`).send({ size: 2000 }).expect(200) },
    async (app, heap, ptrs) => { await request(app).delete(`/heaps/${heap}/blocks/${ptrs[1]!}`).expect(204) }
  ]
  const ptrsShared: number[] = []
  const ptrsModel: number[] = []
  for (const [i, step] of steps.entries()) {
    await step((i % 2 === 0 ? a : b).app.server, id, ptrsShared)
    await step(single.server, model, ptrsModel)
  }
  const traceB = await request(b.app.server).get(`/heaps/${id}/trace`).expect(200)
  const traceModel = await request(single.server).get(`/heaps/${model}/trace`).expect(200)
  t.equal(traceB.text, traceModel.text, 'the trace is the one a single process records')
  const fresh = await sharedInstance(t, url)
  const traceFresh = await request(fresh.app.server).get(`/heaps/${id}/trace`).expect(200)
  t.equal(traceFresh.text, traceModel.text, 'and a third instance loads it from the database')
})
