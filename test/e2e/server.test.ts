/**
 * End to end: the built server (dist/server.js) as a child process, over real HTTP. Checks the
 * request lines in its log and that SIGTERM lets an in-flight request finish and exits 0.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import t from 'tap'
import { ensureBuilt, ROOT, SERVER_JS } from '../helpers/built-server.js'

t.test('the built server serves heaps over HTTP and exits 0 on SIGTERM', { timeout: 180_000 }, async (t) => {
  ensureBuilt()
  const child = spawn(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'debug', HEAPD_SHUTDOWN_DELAY: '10000' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  let stderr = ''
  child.stderr.on('data', (chunk) => { stderr += String(chunk) })

  const lines: Array<Record<string, unknown>> = []
  const waiters: Array<{ test: (line: Record<string, unknown>) => boolean, resolve: (line: Record<string, unknown>) => void }> = []
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>
    lines.push(line)
    for (const waiter of waiters.filter((w) => w.test(line))) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve(line)
    }
  })
  const logged = (test: (line: Record<string, unknown>) => boolean) => {
    const seen = lines.find(test)
    return seen !== undefined ? Promise.resolve(seen) : new Promise<Record<string, unknown>>((resolve) => waiters.push({ test, resolve }))
  }

  const listening = await Promise.race([
    logged((line) => /^Server listening at /.test(String(line.msg))),
    exited.then((code) => { throw new Error(`server exited with ${code}: ${stderr}`) })
  ])
  const base = String(listening.msg).replace('Server listening at ', '')
  t.match(base, /^http:\/\/127\.0\.0\.1:\d+$/)

  const json = { 'content-type': 'application/json' }
  const created = await fetch(`${base}/heaps`, { method: 'POST', headers: { ...json, 'x-request-id': 'e2e-create' }, body: JSON.stringify({ size: 1 << 20, strategy: 'tlsf' }) })
  t.equal(created.status, 201)
  t.equal(created.headers.get('x-request-id'), 'e2e-create')
  const heap = await created.json() as { id: string }
  t.equal(created.headers.get('location'), `/heaps/${heap.id}`)

  const allocated = await fetch(`${base}/heaps/${heap.id}/alloc`, { method: 'POST', headers: json, body: JSON.stringify({ size: 4096, tag: 'e2e' }) })
  t.equal(allocated.status, 201)
  const block = await allocated.json() as { ptr: number, size: number, tag: string }
  t.match(block, { size: 4096, tag: 'e2e' })
  const location = allocated.headers.get('location')!
  t.same(await (await fetch(`${base}${location}`)).json(), block)
  t.equal((await fetch(`${base}${location}`, { method: 'DELETE' })).status, 204)
  const again = await fetch(`${base}${location}`, { method: 'DELETE' })
  t.equal(again.status, 404)
  t.match(again.headers.get('content-type'), /^application\/problem\+json/)
  t.match(await again.json(), { type: 'https://heapd.dev/problems/block-not-found', reason: 'free' })
  t.equal((await fetch(`${base}/readyz`)).status, 200)
  t.equal((await fetch(`${base}/docs/json`)).status, 200)

  const completed = await logged((line) => line.reqId === 'e2e-create' && line.msg === 'request completed')
  t.match(completed, { res: { statusCode: 201 }, responseTime: Number })
  t.same(lines.filter((line) => line.reqId === 'e2e-create').map((line) => line.level), [20, 30], 'at debug a line in; at info one line, out')

  // SIGTERM while a 10 000-op batch is being served: it still completes, then the process exits 0.
  const ops = Array.from({ length: 10_000 }, () => ({ op: 'alloc', size: 16 }))
  const inFlight = fetch(`${base}/heaps/${heap.id}/batch`, { method: 'POST', headers: { ...json, 'x-request-id': 'e2e-batch' }, body: JSON.stringify({ ops }) })
  await logged((line) => line.reqId === 'e2e-batch' && line.msg === 'incoming request')
  child.kill('SIGTERM')
  const batch = await inFlight
  t.equal(batch.status, 200)
  t.equal(((await batch.json()) as { results: unknown[] }).results.length, 10_000)
  t.equal(await exited, 0, 'exit code 0')
  t.ok(lines.some((line) => line.signal === 'SIGTERM'), 'the close is logged')
  t.equal(stderr, '')
})
