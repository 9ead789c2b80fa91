/**
 * The PostgreSQL store on its own: migrations run once when instances start together, snapshots
 * keep a heap's rows in proportion to its live blocks, and a heap reloads to the same layout.
 */
import t from 'tap'
import pg from 'pg'
import { postgresFor } from '../cluster/postgres.js'
import { PostgresStore } from '../../src/registry/store/postgres/store.js'
import { SCHEMA_VERSION } from '../../src/registry/store/postgres/schema.js'
import { SharedHeaps } from '../../src/registry/shared.js'
import { createRegistry } from '../../src/http/app.js'
import { configWith } from '../../src/config.js'

const server = await postgresFor(t)

async function rows (url: string, sql: string, values: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql, values)).rows
  } finally {
    await client.end()
  }
}

t.test('instances starting together migrate once', async (t) => {
  const url = await server.createDatabase('store_migrate')
  const stores = await Promise.all([1, 2, 3, 4].map(async () => await PostgresStore.open(url)))
  for (const store of stores) store.close()
  const versions = await rows(url, 'SELECT version FROM heapd_migrations ORDER BY version')
  t.same(versions.map((row) => row.version), Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1))
})

t.test('a database from a newer heapd is refused at start, naming the database', async (t) => {
  const url = await server.createDatabase('store_newer')
  ;(await PostgresStore.open(url)).close()
  await rows(url, 'INSERT INTO heapd_migrations (version) VALUES ($1)', [SCHEMA_VERSION + 1])
  await t.rejects(PostgresStore.open(url), /newer than this heapd/)
})

t.test('an unreachable database is refused at start with one clear message', async (t) => {
  await t.rejects(PostgresStore.open('postgres://nobody@127.0.0.1:1/none', { connectTimeout: 500 }), /cannot open postgres:\/\/nobody@127\.0\.0\.1:1\/none/)
})

t.test('snapshots keep the changes table in proportion to live blocks, and a reload gives the same heap', async (t) => {
  const url = await server.createDatabase('store_snapshots')
  const store = await PostgresStore.open(url, { snapshotSlack: 20 })
  t.teardown(() => store.close())
  const registry = createRegistry(configWith(), { events: store.events })
  const shared = new SharedHeaps(registry, store)
  const heap = await shared.run(undefined, { compute: () => registry.create({ size: 1 << 20, strategy: 'tlsf' }) })
  const live: number[] = []
  for (let i = 0; i < 250; i++) {
    await shared.run(heap.id, {
      compute: () => {
        if (live.length > 5 && i % 3 === 0) registry.get(heap.id).free(live.splice(i % live.length, 1)[0]!)
        else live.push(registry.get(heap.id).alloc(16 + (i % 7) * 8, i % 5 === 0 ? 64 : undefined, i % 11 === 0 ? `tag-${i}` : undefined).ptr)
      }
    })
  }
  const count = (await rows(url, 'SELECT count(*)::int AS count FROM heap_changes WHERE heap_id = $1', [heap.id]))[0]!.count as number
  t.ok(count <= 2 * live.length + 20, `${count} change rows for ${live.length} live blocks`)
  const before = registry.get(heap.id).snapshot()
  const other = createRegistry(configWith(), { events: store.events })
  const record = await store.fetch(heap.id)
  t.ok(record?.snapshot !== undefined, 'a snapshot was taken')
  t.same(other.adopt(record!).snapshot(), before, 'the reloaded heap is the same, free order and counters included')
})
