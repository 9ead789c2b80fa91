/**
 * What the real server (dist/server.js) says when it starts, and when it must not: a damaged data
 * file, a data file another server holds, a port in use are each one line on stderr and exit 1,
 * never a stack; a start that succeeds logs where the heap map and the API docs are.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import t, { type Test } from 'tap'
import { ROOT, SERVER_JS } from '../helpers/built-server.js'
import { tempFile } from './helpers.js'
import { startServer } from './server-process.js'

/** Runs the server to its exit; answers its exit code and stderr. */
function refusedStart (env: Record<string, string>): { status: number | null, stderr: string } {
  const run = spawnSync(process.execPath, [SERVER_JS], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', PORT: '0', HOST: '127.0.0.1', ...env },
    encoding: 'utf8',
    timeout: 60_000
  })
  return { status: run.status, stderr: run.stderr }
}

function expectOneLine (t: Test, run: { status: number | null, stderr: string }, pattern: RegExp | string): void {
  t.equal(run.status, 1, 'exit code 1')
  const lines = run.stderr.trim().split('\n')
  t.equal(lines.length, 1, `one line: ${run.stderr}`)
  t.match(lines[0], pattern)
  t.notMatch(run.stderr, /\n\s+at /, 'no stack')
}

t.test('a running server logs the addresses of the heap map and the docs; a second one on its file or its port stops with one line', async (t) => {
  const file = tempFile(t)
  const first = await startServer(file)
  t.teardown(() => first.kill())
  // The line follows Fastify's "Server listening", on which startServer returns.
  let serving
  for (let tries = 0; serving === undefined && tries < 100; tries++) {
    serving = first.lines.find((line) => /^heapd is serving/.test(String(line.msg)))
    if (serving === undefined) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.match(serving, { map: `${first.base}/`, docs: `${first.base}/docs`, msg: `heapd is serving: the heap map at ${first.base}/, the API docs at ${first.base}/docs` })

  expectOneLine(t, refusedStart({ HEAPD_DATA: file }), `heapd: ${file} is in use by another process`)
  const other = tempFile(t)
  const port = new URL(first.base).port
  expectOneLine(t, refusedStart({ HEAPD_DATA: other, PORT: port }), `heapd: port ${port} on 127.0.0.1 is already in use`)
  expectOneLine(t, refusedStart({ PORT: port }), `heapd: port ${port} on 127.0.0.1 is already in use`)
})

t.test('a damaged data file stops the start with one line naming the file and the fault', async (t) => {
  const file = tempFile(t)
  const server = await startServer(file)
  const created = await fetch(`${server.base}/heaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size":1024}' })
  const { id } = await created.json() as { id: string }
  await fetch(`${server.base}/heaps/${id}/alloc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"size":16}' })
  await server.kill()
  const raw = new Database(file)
  raw.exec('DELETE FROM blocks')
  raw.close()
  expectOneLine(t, refusedStart({ HEAPD_DATA: file }), `heapd: ${file} is damaged: heap ${id}: 0 block rows, but its counters record 1 live blocks`)

  const garbage = tempFile(t)
  writeFileSync(garbage, 'not a database\n'.repeat(1000))
  expectOneLine(t, refusedStart({ HEAPD_DATA: garbage }), `heapd: ${garbage} is damaged`)
})
