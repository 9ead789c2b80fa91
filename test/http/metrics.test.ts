import t from 'tap'
import { buildLogger } from '../../src/http/logger.js'
import { alloc, build, createHeap, expectProblem } from '../helpers/build.js'

/** The value of one sample line of the exposition, or undefined when absent. */
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

// Request series are counted by the log controller when the app has a logger, by an onResponse hook
// when it has none: the same figures either way.
for (const withLogger of [false, true]) {
  t.test(`GET /metrics${withLogger ? ' (app with a logger)' : ''}: requests by route template and status, latency, heaps, blocks, bytes and alloc failures`, async (t) => {
    const lines: string[] = []
    const options = withLogger ? { logger: buildLogger('info', { write: (line: string) => { lines.push(line) } }) } : {}
    const app = await build(t, { limits: { maxBlocksPerHeap: 3 } }, options)
    const heap = await createHeap(app, { size: 1024 })
    const other = await createHeap(app, { size: 100 })
    await alloc(app, heap.id, 100)
    const ptr = await alloc(app, heap.id, 100)
    await alloc(app, heap.id, 100)
    await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${ptr}` })
    await app.inject(`/heaps/${heap.id}/blocks/${ptr}`) // 404 block-not-found
    await app.inject({ method: 'POST', url: `/heaps/${other.id}/alloc`, payload: { size: 200 } }) // exceeds-heap-size
    await app.inject({ method: 'POST', url: `/heaps/${other.id}/alloc`, payload: { size: 90 } })
    await app.inject({ method: 'POST', url: `/heaps/${other.id}/alloc`, payload: { size: 20 } }) // full
    await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { ops: [{ op: 'alloc', size: 8 }, { op: 'alloc', size: 8 }] } }) // second: quota
    await app.inject('/nowhere/at/all')

    const response = await app.inject('/metrics')
    t.equal(response.statusCode, 200)
    t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
    const text = response.body

    t.equal(sample(text, 'heapd_http_requests_total{method="POST",route="/heaps/:id/alloc",status="201"}'), 4)
    t.equal(sample(text, 'heapd_http_requests_total{method="POST",route="/heaps",status="201"}'), 2)
    t.equal(sample(text, 'heapd_http_requests_total{method="DELETE",route="/heaps/:id/blocks/:ptr",status="204"}'), 1)
    t.equal(sample(text, 'heapd_http_requests_total{method="GET",route="/heaps/:id/blocks/:ptr",status="404"}'), 1)
    t.equal(sample(text, 'heapd_http_requests_total{method="GET",route="unmatched",status="404"}'), 1)
    t.equal(sample(text, 'heapd_http_request_duration_seconds_count{method="POST",route="/heaps/:id/alloc",status="201"}'), 4)
    t.ok(sample(text, 'heapd_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/heaps/:id/alloc",status="400"}'))
    t.notMatch(text, heap.id, 'no raw URL (heap IDs) in labels')
    t.notMatch(text, '/nowhere')

    t.equal(sample(text, 'heapd_heaps'), 2)
    t.equal(sample(text, 'heapd_live_blocks'), 4)
    t.equal(sample(text, 'heapd_bytes{state="used"}'), 100 + 8 + 100 + 90)
    t.equal(sample(text, 'heapd_bytes{state="free"}'), 1024 + 100 - (100 + 8 + 100 + 90))
    t.equal(sample(text, 'heapd_alloc_failures_total{reason="exceeds-heap-size"}'), 1)
    t.equal(sample(text, 'heapd_alloc_failures_total{reason="full"}'), 1)
    t.equal(sample(text, 'heapd_alloc_failures_total{reason="quota"}'), 1)
    t.ok(sample(text, 'heapd_process_resident_memory_bytes')! > 0)
    if (withLogger) t.equal(lines.filter((line) => (JSON.parse(line) as { msg: string }).msg === 'request completed').length, 13, 'and each request (the scrape too) is logged once')
  })
}

t.test('out-of-memory by fragmentation and in an atomic batch is counted by reason', async (t) => {
  const app = await build(t)
  const heap = await createHeap(app, { size: 300 })
  const a = await alloc(app, heap.id, 100)
  await alloc(app, heap.id, 100)
  const c = await alloc(app, heap.id, 100)
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${a}` })
  await app.inject({ method: 'DELETE', url: `/heaps/${heap.id}/blocks/${c}` })
  expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${heap.id}/alloc`, payload: { size: 150 } }), 409, 'out-of-memory')
  await app.inject({ method: 'POST', url: `/heaps/${heap.id}/batch`, payload: { atomic: true, ops: [{ op: 'alloc', size: 50 }, { op: 'alloc', size: 250 }] } })
  const text = (await app.inject('/metrics')).body
  t.equal(sample(text, 'heapd_alloc_failures_total{reason="fragmented"}'), 1)
  t.equal(sample(text, 'heapd_alloc_failures_total{reason="full"}'), 1)
})

t.test('each app has its own metrics; HEAPD_METRICS=false removes the route', async (t) => {
  const one = await build(t)
  const two = await build(t)
  await createHeap(one)
  t.equal(sample((await one.inject('/metrics')).body, 'heapd_heaps'), 1)
  t.equal(sample((await two.inject('/metrics')).body, 'heapd_heaps'), 0)
  t.equal(sample((await two.inject('/metrics')).body, 'heapd_http_requests_total{method="POST",route="/heaps",status="201"}'), undefined)
  const off = await build(t, { metrics: false })
  expectProblem(t, await off.inject('/metrics'), 404, 'not-found')
})
