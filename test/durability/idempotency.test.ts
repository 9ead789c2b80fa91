/**
 * Idempotency-Keys in a SQLite store: the answer is committed with the change it answers, so a key
 * survives a restart and a retry after it answers the first answer without applying again; a
 * change the store refused leaves neither; expired keys go in the cleanup's slices; a file of the
 * previous schema gains the table.
 */
import t, { type Test } from 'tap'
import { configWith, type ConfigOverrides } from '../../src/config.js'
import { buildApp, createRegistry, type App } from '../../src/http/app.js'
import { SCHEMA_VERSION } from '../../src/registry/store/sqlite/schema.js'
import { SqliteStore, type SqliteStoreOptions } from '../../src/registry/store/sqlite/store.js'
import { expectProblem } from '../helpers/build.js'
import { dbOf, rows, tempFile } from './helpers.js'

interface Served { app: App, store: SqliteStore, stop: () => Promise<void> }

/** The service over the file, as server.ts builds it: heaps and keys loaded, changes recorded. */
async function serve (t: Test, file: string, overrides: ConfigOverrides = {}, options: SqliteStoreOptions & { clock?: () => Date } = {}): Promise<Served> {
  const { clock, ...storeOptions } = options
  const store = SqliteStore.open(file, { background: false, retryInterval: 0, ...storeOptions })
  const config = configWith(overrides)
  const registry = createRegistry(config, { events: store.events, ...(clock !== undefined ? { now: clock } : {}) })
  registry.load(store.load())
  registry.loadKeys(store.loadKeys())
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
  return { app, store, stop }
}

async function keyed (app: App, method: 'POST' | 'PATCH' | 'DELETE', url: string, key: string, payload?: object) {
  return app.inject({ method, url, headers: { 'idempotency-key': key }, ...(payload !== undefined ? { payload } : {}) })
}

function answerOf (response: { statusCode: number, headers: Record<string, unknown>, body: string }) {
  return { status: response.statusCode, location: response.headers.location, body: response.body }
}

t.test('a key survives a restart: the retry answers the first answer and applies nothing', async (t) => {
  const file = tempFile(t)
  const first = await serve(t, file)
  const created = await keyed(first.app, 'POST', '/heaps', 'create-1', { size: 1 << 20, strategy: 'tlsf' })
  const id = created.json().id as string
  const allocated = await keyed(first.app, 'POST', `/heaps/${id}/alloc`, 'alloc-1', { size: 100, tag: 'x' })
  const batch = await keyed(first.app, 'POST', `/heaps/${id}/batch`, 'batch-1', { ops: [{ op: 'alloc', size: 10 }, { op: 'alloc', size: 1 << 30 }] })
  const atomic = await keyed(first.app, 'POST', `/heaps/${id}/batch`, 'atomic-1', { ops: [{ op: 'alloc', size: 10 }, { op: 'free', ptr: 3 }], atomic: true })
  const refused = await keyed(first.app, 'DELETE', `/heaps/${id}/blocks/999`, 'free-1')
  expectProblem(t, atomic, 404, 'block-not-found')
  expectProblem(t, refused, 404, 'block-not-found')
  const stats = (await first.app.inject(`/heaps/${id}/stats`)).json()
  t.equal(rows(first.store, 'SELECT count(*) FROM idempotency_keys'), 5, 'every answer is in the file')
  await first.stop()

  const second = await serve(t, file)
  t.same(answerOf(await keyed(second.app, 'POST', '/heaps', 'create-1', { size: 1 << 20, strategy: 'tlsf' })), answerOf(created))
  t.same(answerOf(await keyed(second.app, 'POST', `/heaps/${id}/alloc`, 'alloc-1', { size: 100, tag: 'x' })), answerOf(allocated))
  t.same(answerOf(await keyed(second.app, 'POST', `/heaps/${id}/batch`, 'batch-1', { ops: [{ op: 'alloc', size: 10 }, { op: 'alloc', size: 1 << 30 }] })), answerOf(batch))
  t.same(answerOf(await keyed(second.app, 'POST', `/heaps/${id}/batch`, 'atomic-1', { ops: [{ op: 'alloc', size: 10 }, { op: 'free', ptr: 3 }], atomic: true })), answerOf(atomic))
  t.same(answerOf(await keyed(second.app, 'DELETE', `/heaps/${id}/blocks/999`, 'free-1')), answerOf(refused))
  expectProblem(t, await keyed(second.app, 'POST', `/heaps/${id}/alloc`, 'alloc-1', { size: 101 }), 422, 'idempotency-key-reused')
  t.same((await second.app.inject(`/heaps/${id}/stats`)).json(), stats, 'nothing applied again')
  t.equal(second.app.registry.count, 1, 'one heap')
})

t.test('the answer is committed with its change: a change the store refuses leaves neither, and its retry applies once', async (t) => {
  const file = tempFile(t)
  const first = await serve(t, file)
  const { id } = (await first.app.inject({ method: 'POST', url: '/heaps', payload: { size: 1 << 30 } })).json() as { id: string }
  const db = dbOf(first.store)
  // SQLite's own cap on the file's pages: the SQLITE_FULL a full disk gives.
  db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
  const tag = 't'.repeat(60)
  let refusedKey: string | undefined
  for (let i = 0; i < 5000 && refusedKey === undefined; i++) {
    const response = await keyed(first.app, 'POST', `/heaps/${id}/alloc`, `k-${i}-${'p'.repeat(200)}`, { size: 8, tag })
    if (response.statusCode === 503) refusedKey = `k-${i}-${'p'.repeat(200)}`
    else t.equal(response.statusCode, 201)
  }
  t.ok(refusedKey, 'the store fills up')
  const keys = rows(first.store, 'SELECT count(*) FROM idempotency_keys')
  t.equal(rows(first.store, 'SELECT count(*) FROM blocks'), keys, 'one block per remembered answer in the file')
  t.equal(rows(first.store, `SELECT count(*) FROM idempotency_keys WHERE key = '${refusedKey!}'`), 0, 'the refused change has no answer')
  db.pragma('max_page_count = 1073741823')
  const retried = await keyed(first.app, 'POST', `/heaps/${id}/alloc`, refusedKey!, { size: 8, tag })
  t.equal(retried.statusCode, 201, 'the retry is applied')
  await first.stop()

  const second = await serve(t, file)
  t.same(answerOf(await keyed(second.app, 'POST', `/heaps/${id}/alloc`, refusedKey!, { size: 8, tag })), answerOf(retried), 'and answered again after a restart')
  t.equal((await second.app.inject(`/heaps/${id}/stats`)).json().liveBlocks, keys + 1, 'applied once')
})

t.test('a reset and a realloc under a key replay after a restart', async (t) => {
  const file = tempFile(t)
  const first = await serve(t, file)
  const { id } = (await first.app.inject({ method: 'POST', url: '/heaps', payload: { size: 4096 } })).json() as { id: string }
  const ptr = (await keyed(first.app, 'POST', `/heaps/${id}/alloc`, 'a', { size: 64 })).json().ptr as number
  const moved = await keyed(first.app, 'PATCH', `/heaps/${id}/blocks/${ptr}`, 'r', { size: 128 })
  const reset = await keyed(first.app, 'POST', `/heaps/${id}/reset`, 'z')
  await first.app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, payload: { size: 32 } })
  await first.stop()

  const second = await serve(t, file)
  t.same(answerOf(await keyed(second.app, 'PATCH', `/heaps/${id}/blocks/${ptr}`, 'r', { size: 128 })), answerOf(moved))
  t.same(answerOf(await keyed(second.app, 'POST', `/heaps/${id}/reset`, 'z')), answerOf(reset))
  t.equal((await second.app.inject(`/heaps/${id}/stats`)).json().liveBlocks, 1, 'the block made after the reset stays')
})

t.test('expired keys are not loaded, and the cleanup deletes their rows in slices', async (t) => {
  const file = tempFile(t)
  let clock = Date.parse('2030-01-01T00:00:00Z')
  const first = await serve(t, file, { idempotencyTtl: 60 }, { clock: () => new Date(clock), now: () => clock })
  const { id } = (await first.app.inject({ method: 'POST', url: '/heaps', payload: { size: 4096 } })).json() as { id: string }
  for (let i = 0; i < 3; i++) await keyed(first.app, 'POST', `/heaps/${id}/alloc`, `k${i}`, { size: 8 })
  t.equal(rows(first.store, 'SELECT count(*) FROM idempotency_keys'), 3)
  clock += 61_000
  t.equal(first.store.cleanUp(), false, 'the cleanup finishes')
  t.equal(rows(first.store, 'SELECT count(*) FROM idempotency_keys'), 0, 'expired rows deleted')
  await first.stop()
  const second = await serve(t, file, { idempotencyTtl: 60 }, { clock: () => new Date(clock), now: () => clock })
  t.equal(second.app.registry.idempotencyKeys, 0)
  t.equal((await keyed(second.app, 'POST', `/heaps/${id}/alloc`, 'k0', { size: 8 })).statusCode, 201)
  t.equal((await second.app.inject(`/heaps/${id}/stats`)).json().liveBlocks, 4, 'an expired key is a new key')
})

t.test('a file of schema version 4 gains the idempotency_keys table in place', async (t) => {
  const file = tempFile(t)
  const first = await serve(t, file)
  const { id } = (await first.app.inject({ method: 'POST', url: '/heaps', payload: { size: 4096 } })).json() as { id: string }
  await first.app.inject({ method: 'POST', url: `/heaps/${id}/alloc`, payload: { size: 8 } })
  const db = dbOf(first.store)
  db.exec('DROP TABLE idempotency_keys')
  db.pragma('user_version = 4')
  await first.stop()

  const second = await serve(t, file)
  t.equal(dbOf(second.store).pragma('user_version', { simple: true }), SCHEMA_VERSION)
  t.equal((await second.app.inject(`/heaps/${id}/stats`)).json().liveBlocks, 1, 'the heaps kept')
  const response = await keyed(second.app, 'POST', `/heaps/${id}/alloc`, 'new', { size: 8 })
  t.equal(response.statusCode, 201)
  t.equal(rows(second.store, 'SELECT count(*) FROM idempotency_keys'), 1)
})
