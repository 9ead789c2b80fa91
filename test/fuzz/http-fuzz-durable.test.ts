/**
 * HTTP fuzzing with durable heaps (HEAPD_DATA): the same properties as http-fuzz.test.ts with the
 * SQLite store recording every change, then a restart: a second app restored from the file must
 * hold exactly the heaps, blocks, tags and counters the first one ended with, whatever the fuzzed
 * requests (most of them rejected) did in between.
 */
import t from 'tap'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, createRegistry } from '../../src/http/app.js'
import { configWith } from '../../src/config.js'
import { SqliteStore } from '../../src/registry/store/sqlite/store.js'
import { FuzzTally, fuzzParameters, fuzzProperty } from '../helpers/fuzz-properties.js'
import { snapshot } from '../helpers/fuzz-state.js'

const seed = process.env.HEAPD_FUZZ_SEED === undefined ? undefined : Number(process.env.HEAPD_FUZZ_SEED)

t.test('fuzz with a durable store, then a restart restores the same state', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'heapd-fuzz-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'heaps.db')
  const config = configWith({})

  const store = SqliteStore.open(file)
  const registry = createRegistry(config, { events: store.events })
  registry.load(store.load())
  const app = buildApp(config, { registry, store })
  await app.ready()
  const tally = new FuzzTally()
  try {
    await fc.assert(fuzzProperty(app, tally), fuzzParameters({ requests: 1000, ...(seed !== undefined ? { seed } : {}) }))
  } finally {
    await app.close()
  }
  const before = snapshot(app)
  store.close()
  t.ok(tally.requests >= 1000, tally.summary())

  const reopened = SqliteStore.open(file)
  t.teardown(() => reopened.close())
  const restoredRegistry = createRegistry(config, { events: reopened.events })
  restoredRegistry.load(reopened.load())
  const restarted = buildApp(config, { registry: restoredRegistry, store: reopened })
  t.teardown(() => restarted.close())
  t.ok(before.size > 0, `${before.size} heaps to restore`)
  t.same(snapshot(restarted), before, 'the restarted app holds exactly the state the fuzzed one ended with')
})
