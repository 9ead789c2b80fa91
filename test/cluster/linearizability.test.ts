/**
 * Any instance serves any heap, exactly: random requests on several heaps, each sent to a random
 * one of three instances on one PostgreSQL, every answer (status, pointers, problems, stats)
 * equal to the one an in-process model gives to the same requests in the same order. Then
 * concurrent changes to one heap through all three instances at once: whatever order the database
 * let them commit in, the outcome is one a single process could give.
 */
import t from 'tap'
import { prng } from '../helpers/prng.js'
import { onDatabase, startInstances, type Instance } from './instances.js'
import { postgresFor } from './postgres.js'
import { call, comparable, contents, HeapIds, startModel, type Answer, type Request } from './workload.js'

const STEPS = 300
const seed = Number(process.env.HEAPD_TEST_SEED ?? Date.now() % 1_000_000)
const postgres = await postgresFor(t)

t.test('three instances answer as one process would', async (t) => {
  t.comment(`seed ${seed} (HEAPD_TEST_SEED=${seed} repeats this run)`)
  const random = prng(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const int = (low: number, high: number): number => low + Math.floor(random() * (high - low + 1))

  const instances = await startInstances(t, 3, onDatabase(await postgres.createDatabase('random')))
  const model = await startModel(t)
  const ids = new HeapIds()
  const none = new Map<string, string>()

  /** Model heap IDs still alive, and ones deleted (requests to them must answer 404 alike). */
  const heaps: Array<{ id: string, size: number }> = []
  const deleted: string[] = []

  const livePointers = async (heapId: string): Promise<number[]> => {
    const answer = await model({ method: 'GET', path: `/heaps/${heapId}/blocks?limit=1000` })
    return (answer.body.items as Array<{ ptr: number }>).map((block) => block.ptr)
  }

  let steps = 0
  // After the first answer that differs, the two histories part: later differences say nothing new.
  let diverged = false
  const both = async (request: Request, instance: Instance = pick(instances)): Promise<{ model: Answer, cluster: Answer }> => {
    const expected = await model(request)
    const actual = await call(instance.base, ids.forCluster(request))
    if (request.method === 'POST' && request.path === '/heaps') ids.created(actual, expected)
    diverged = !t.same(comparable(actual, ids.toModel), comparable(expected, none), `${++steps}: ${request.method} ${request.path} ${JSON.stringify(request.body ?? '')} on :${instance.port}`)
    return { model: expected, cluster: actual }
  }

  const createRequest = (): Request => {
    const size = pick([256, 1000, 4096, 65_536])
    const body: Record<string, unknown> = { size, strategy: pick(['first-fit', 'best-fit', 'tlsf']) }
    if (random() < 0.3) body.alignment = pick([2, 8, 16])
    return { method: 'POST', path: '/heaps', body }
  }
  const create = async (): Promise<void> => {
    const request = createRequest()
    const { model: answer } = await both(request)
    if (answer.status === 201) heaps.push({ id: answer.body.id, size: answer.body.size })
  }

  const allocOp = (size: number): Record<string, unknown> => {
    const op: Record<string, unknown> = { size: random() < 0.05 ? size + 1 : int(1, Math.max(1, Math.floor(size / int(4, 32)))) }
    if (random() < 0.3) op.align = pick([1, 4, 16, 64])
    if (random() < 0.2) op.tag = `t${int(0, 99)}`
    return op
  }
  const pointerFor = async (heapId: string): Promise<number> => {
    const live = await livePointers(heapId)
    // Now and then a pointer that is not a block's start: both must refuse it alike.
    return live.length === 0 || random() < 0.1 ? int(0, 5000) : pick(live)
  }

  for (let i = 0; i < 3; i++) await create()
  for (;;) {
    if (steps >= STEPS || diverged) break
    const roll = random()
    const heap = heaps.length > 0 ? pick(heaps) : undefined
    if (heap === undefined || roll < 0.04) {
      if (heaps.length < 6) await create()
      continue
    }
    const path = `/heaps/${heap.id}`
    if (roll < 0.40) {
      await both({ method: 'POST', path: `${path}/alloc`, body: allocOp(heap.size) })
    } else if (roll < 0.58) {
      await both({ method: 'DELETE', path: `${path}/blocks/${await pointerFor(heap.id)}` })
    } else if (roll < 0.68) {
      await both({ method: 'PATCH', path: `${path}/blocks/${await pointerFor(heap.id)}`, body: { size: int(1, Math.floor(heap.size / 4)) } })
    } else if (roll < 0.78) {
      const live = await livePointers(heap.id)
      const ops = Array.from({ length: int(1, 8) }, () => {
        const kind = random()
        if (kind < 0.5 || live.length === 0) return { op: 'alloc', ...allocOp(heap.size) }
        if (kind < 0.8) return { op: 'free', ptr: pick(live) }
        return { op: 'realloc', ptr: pick(live), size: int(1, Math.floor(heap.size / 8)) }
      })
      await both({ method: 'POST', path: `${path}/batch`, body: { ops, ...(random() < 0.4 ? { atomic: true } : {}) } })
    } else if (roll < 0.80) {
      await both({ method: 'POST', path: `${path}/reset` })
    } else if (roll < 0.815) {
      await both({ method: 'DELETE', path })
      heaps.splice(heaps.indexOf(heap), 1)
      deleted.push(heap.id)
    } else if (roll < 0.83 && deleted.length > 0) {
      await both({ method: 'POST', path: `/heaps/${pick(deleted)}/alloc`, body: { size: 8 } })
    } else {
      const read = pick([path, `${path}/stats`, `${path}/blocks?limit=${int(1, 20)}`, `${path}/layout?limit=1000`, '/heaps?limit=100'])
      await both({ method: 'GET', path: read })
    }
  }

  // Every instance, asked last, shows every heap the same, as the model does.
  for (const heap of diverged ? [] : heaps) {
    const modelLayout = (await model({ method: 'GET', path: `/heaps/${heap.id}/layout?limit=1000` })).body.items
    for (const instance of instances) {
      const shown = await contents(instance.base, ids.toCluster.get(heap.id)!)
      t.same(shown.layout, modelLayout, `heap ${heap.id} laid out alike on :${instance.port}`)
    }
  }
})

t.test('concurrent changes to one heap through three instances commit as some order of them', async (t) => {
  const instances = await startInstances(t, 3, onDatabase(await postgres.createDatabase('concurrent')))
  const model = await startModel(t)
  const created = await call(instances[0]!.base, { method: 'POST', path: '/heaps', body: { size: 1 << 20 } })
  t.equal(created.status, 201)
  const heap = created.body.id as string
  const modelHeap = (await model({ method: 'POST', path: '/heaps', body: { size: 1 << 20 } })).body.id as string

  for (let round = 0; round < 4; round++) {
    // Equal first-fit allocs commute: in any order they take the same set of ranges.
    const allocs = await Promise.all(Array.from({ length: 9 }, async (_, i) =>
      await call(instances[i % 3]!.base, { method: 'POST', path: `/heaps/${heap}/alloc`, body: { size: 512 } })))
    const expected = []
    for (let i = 0; i < 9; i++) expected.push(await model({ method: 'POST', path: `/heaps/${modelHeap}/alloc`, body: { size: 512 } }))
    t.same(allocs.map((answer) => answer.status), expected.map((answer) => answer.status), `round ${round}: every concurrent alloc succeeded`)
    const pointers = allocs.map((answer) => answer.body.ptr as number).sort((a, b) => a - b)
    t.same(pointers, expected.map((answer) => answer.body.ptr as number).sort((a, b) => a - b), `round ${round}: the same ranges, each given once`)

    // Frees of distinct blocks commute too; free every other one, from all instances at once.
    const freed = pointers.filter((_, i) => i % 2 === round % 2)
    const frees = await Promise.all(freed.map(async (ptr, i) =>
      await call(instances[(i + round) % 3]!.base, { method: 'DELETE', path: `/heaps/${heap}/blocks/${ptr}` })))
    t.same(frees.map((answer) => answer.status), freed.map(() => 204), `round ${round}: every concurrent free succeeded`)
    for (const ptr of freed) await model({ method: 'DELETE', path: `/heaps/${modelHeap}/blocks/${ptr}` })

    const modelLayout = (await model({ method: 'GET', path: `/heaps/${modelHeap}/layout?limit=1000` })).body.items
    for (const instance of instances) {
      t.same((await contents(instance.base, heap)).layout, modelLayout, `round ${round}: :${instance.port} shows the model's layout`)
    }
  }
})
