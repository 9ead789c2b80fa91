/**
 * A real full disk under a SQLite store: a small tmpfs, filled, then freed. Every change answers
 * 503 `unavailable` with Retry-After and changes nothing, /readyz answers 503, and the service
 * comes back by itself once there is room again, the heaps in the file equal to those in memory
 * (later pointers included). A server started on the full disk stops with one line and exit 1.
 * Mounting needs root; where it is refused the test says so and is skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { restoreAllocator } from '../../src/allocator/index.js'
import { configWith } from '../../src/config.js'
import { buildApp, createRegistry, type App } from '../../src/http/app.js'
import { StoreOpenError } from '../../src/registry/store/errors.js'
import { SqliteStore } from '../../src/registry/store/sqlite/store.js'
import { ensureBuilt, ROOT, SERVER_JS } from '../helpers/built-server.js'
import { expectProblem } from '../helpers/build.js'

/** A fresh tmpfs of `size` mounted for the test, unmounted after it; throws when mounting is refused. */
function smallDisk (t: Test, size: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapd-full-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  t.teardown(() => {
    spawnSync('umount', [dir])
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

/** Why the tests cannot run here (false when they can): mounting a tmpfs needs root and mount permission. */
function cannotMount (): string | false {
  const dir = mkdtempSync(join(tmpdir(), 'heapd-mount-probe-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' })
    spawnSync('umount', [dir])
    return false
  } catch (error) {
    return `a full disk is simulated with a small tmpfs, and mounting one is not permitted here: ${String((error as { stderr?: unknown }).stderr ?? error).trim()}`
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const skip = cannotMount()

/** Fills the disk holding `dir` to its last byte; answers a function that frees it again. */
function fill (dir: string): () => void {
  const filler = join(dir, 'filler')
  const fd = openSync(filler, 'a')
  for (const chunk of [1 << 16, 1 << 12, 1 << 9, 1]) {
    const bytes = Buffer.alloc(chunk, 7)
    try {
      for (;;) writeSync(fd, bytes)
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOSPC') throw error
    }
  }
  closeSync(fd)
  return () => rmSync(filler)
}

async function observe (app: App, id: string) {
  const [stats, blocks] = await Promise.all([app.inject(`/heaps/${id}/stats`), app.inject(`/heaps/${id}/blocks?limit=1000`)])
  return { stats: stats.json(), blocks: blocks.json() }
}

function appOn (t: Test, file: string): { app: App, store: SqliteStore } {
  const store = SqliteStore.open(file, { retryInterval: 0 })
  const config = configWith({})
  const registry = createRegistry(config, { events: store.events })
  registry.load(store.load())
  const app = buildApp(config, { registry, store })
  t.teardown(async () => { await app.close(); store.close() })
  return { app, store }
}

t.test('on a full disk changes answer 503 unavailable and change nothing; the service recovers by itself when room comes back', { skip }, async (t) => {
  const disk = smallDisk(t, '2m')
  const file = join(disk, 'heaps.db')
  const { app, store } = appOn(t, file)
  const id = (await app.inject({ method: 'POST', url: '/heaps', payload: { size: 1 << 24, strategy: 'tlsf' } })).json().id as string
  const alloc = (size: number) => app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, payload: { size, tag: 'a tag long enough to fill pages faster' } })
  for (let i = 0; i < 50; i++) t.equal((await alloc(100 + i)).statusCode, 201)
  const free = fill(disk)

  let refused
  let before = await observe(app, id)
  for (let i = 0; i < 5000 && refused === undefined; i++) {
    const response = await alloc(64 + (i % 200))
    if (response.statusCode === 503) refused = response
    else {
      t.equal(response.statusCode, 201, 'until the disk is full, allocs succeed')
      before = await observe(app, id)
    }
  }
  t.ok(refused !== undefined, 'the full disk is reached')
  if (refused === undefined) return
  expectProblem(t, refused, 503, 'unavailable')
  t.equal(refused.headers['retry-after'], '1', 'Retry-After')
  t.same(await observe(app, id), before, 'nothing changed')
  const ptr = before.blocks.items[3].ptr as number
  expectProblem(t, await app.inject({ method: 'DELETE', url: `/heaps/${id}/blocks/${ptr}` }), 503, 'unavailable')
  expectProblem(t, await app.inject({ method: 'POST', url: `/heaps/${id}/batch`, payload: { ops: [{ op: 'free', ptr }, { op: 'alloc', size: 5000 }], atomic: true } }), 503, 'unavailable')
  t.same(await observe(app, id), before, 'nothing changed')
  expectProblem(t, await app.inject('/readyz'), 503, 'unavailable')
  t.equal((await app.inject(`/heaps/${id}`)).statusCode, 200, 'reads still answer')

  free()
  t.equal((await app.inject('/readyz')).statusCode, 200, 'ready again once there is room, before any change')
  for (let i = 0; i < 20; i++) t.equal((await alloc(30 + i)).statusCode, 201)
  t.equal((await app.inject({ method: 'DELETE', url: `/heaps/${id}/blocks/${ptr}` })).statusCode, 204)
  const expected = await observe(app, id)
  // The heap that never stopped, copied as it is in memory (its free order included).
  const neverStopped = restoreAllocator(app.registry.get(id).snapshot())
  await app.close()
  store.close()

  const restarted = appOn(t, file).app
  t.same(await observe(restarted, id), expected, 'the file holds what memory held')
  const sizes = Array.from({ length: 60 }, (_, i) => 7 + (i * 37) % 300)
  const answered = []
  for (const size of sizes) answered.push((await restarted.inject({ method: 'POST', url: `/heaps/${id}/alloc`, payload: { size } })).json().ptr)
  t.same(answered, sizes.map((size) => neverStopped.alloc(size)), 'later pointers are those of the heap that never stopped')
})

t.test('a store that cannot be written at start is refused: one message in-process, one line and exit 1 from the server', { skip }, async (t) => {
  const disk = smallDisk(t, '1m')
  const file = join(disk, 'heaps.db')
  const store = SqliteStore.open(file)
  store.close()
  fill(disk)
  t.throws(() => SqliteStore.open(file), StoreOpenError)
  t.throws(() => SqliteStore.open(file), { message: new RegExp(`^cannot open ${file} for writing: `) })

  ensureBuilt()
  const server = spawnSync(process.execPath, [SERVER_JS], { cwd: ROOT, env: { ...process.env, HEAPD_DATA: file, PORT: '0', NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 60_000 })
  t.equal(server.status, 1, 'exit code 1')
  const lines = server.stderr.trim().split('\n')
  t.equal(lines.length, 1, `one line: ${server.stderr}`)
  t.match(lines[0], `heapd: cannot open ${file} for writing`)
  t.notMatch(server.stderr, /\n\s+at /, 'no stack')
})
