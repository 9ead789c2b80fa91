/**
 * deploy/nginx.conf in front of three in-memory heapd instances (each with heaps of its own, so
 * which instance answered shows in the answer): a heap's requests all reach one instance; creates
 * spread over all; a dead instance's requests go to the next one without an error; with none left,
 * a problem+json 502.
 */
import t from 'tap'
import { startInstances, startNginx } from './instances.js'

async function call (base: string, method: string, path: string, body?: unknown): Promise<{ status: number, body: any, type: string | null }> {
  const response = await fetch(base + path, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})
  })
  const text = await response.text()
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), type: response.headers.get('content-type') }
}

t.test('nginx routes by heap ID, spreads creates, and passes a dead instance\'s requests on', async (t) => {
  const instances = await startInstances(t, 3)
  const nginx = await startNginx(t, instances.map((instance) => instance.port))

  const created = []
  for (let i = 0; i < 30; i++) {
    const answer = await call(nginx.base, 'POST', '/heaps', { size: 1024 })
    t.equal(answer.status, 201)
    created.push(answer.body.id as string)
  }
  const holders = await Promise.all(instances.map(async (instance) => (await call(instance.base, 'GET', '/heaps?limit=100')).body.items.length as number))
  t.equal(holders.reduce((a, b) => a + b, 0), 30)
  t.ok(holders.filter((count) => count > 0).length >= 2, `creates spread over the instances (${holders.join(', ')})`)

  // One heap on each instance; through nginx, each ID is found on one instance or not at all, always the same.
  const routes = []
  for (const instance of instances) {
    const id = (await call(instance.base, 'POST', '/heaps', { size: 4096 })).body.id as string
    const seen = new Set<number>()
    for (let i = 0; i < 8; i++) seen.add((await call(nginx.base, 'POST', `/heaps/${id}/alloc`, { size: 16 })).status)
    t.equal(seen.size, 1, 'every request for one heap reaches the same instance')
    const upstreams = new Set(nginx.accessLog().split('\n').filter((line) => line.includes(`/heaps/${id}/alloc`)).map((line) => line.split(' ')[3]))
    t.equal(upstreams.size, 1, `and nginx logged one upstream for it (${[...upstreams].join(', ')})`)
    routes.push({ id, instance, found: seen.has(201) })
  }

  // A body larger than nginx keeps in memory (a 1,000-op batch) goes through its temp file.
  // heapd answers it: the batch's results where the heap lives, heap-not-found elsewhere.
  for (const route of routes) {
    const ops = Array.from({ length: 1000 }, () => ({ op: 'alloc', size: 1 }))
    const batch = await call(nginx.base, 'POST', `/heaps/${route.id}/batch`, { ops })
    if (route.found) t.equal(batch.body.results?.length, 1000, 'a 1,000-op batch through nginx')
    else t.equal(batch.body.type, 'https://heapd.dev/problems/heap-not-found', 'a 1,000-op batch through nginx, to an instance without the heap')
  }

  // Kill an instance one heap was routed to: its requests now reach another instance, no 502.
  const routed = routes.find((route) => route.found) ?? routes[0]!
  await routed.instance.kill()
  for (let i = 0; i < 5; i++) {
    const answer = await call(nginx.base, 'GET', `/heaps/${routed.id}`)
    t.equal(answer.status, 404, 'a live instance answers: the heap is not in its memory')
    t.equal(answer.body.type, 'https://heapd.dev/problems/heap-not-found')
    const create = await call(nginx.base, 'POST', '/heaps', { size: 64 })
    t.equal(create.status, 201, 'a create that could not connect went to another instance')
  }

  await Promise.all(instances.map(async (instance) => await instance.kill()))
  const none = await call(nginx.base, 'POST', `/heaps/${routed.id}/alloc`, { size: 16 })
  t.equal(none.status, 502)
  t.match(none.type, /^application\/problem\+json/)
  t.match(none.body, { type: 'about:blank', status: 502, title: 'Bad Gateway' })
})
