/**
 * heapd instances in this process on one PostgreSQL: each with its own store, registry and app,
 * as server.ts composes them, for tests that play several instances without spawning processes.
 */
import type { Test } from 'tap'
import { configWith, type ConfigOverrides } from '../../src/config.js'
import { buildApp, createRegistry, type App } from '../../src/http/app.js'
import { SharedHeaps } from '../../src/registry/shared.js'
import { PostgresStore } from '../../src/registry/store/postgres/store.js'

export interface SharedInstance {
  app: App
  store: PostgresStore
  shared: SharedHeaps
}

export async function sharedInstance (t: Test, url: string, overrides: ConfigOverrides = {}): Promise<SharedInstance> {
  const config = configWith({ ...overrides, databaseUrl: url })
  const { maxHeaps, maxHeapsPerTenant, maxBlocksTotal, maxBlocksPerTenant } = config.limits
  const store = await PostgresStore.open(url, {
    maxHeaps,
    ...(maxHeapsPerTenant !== undefined ? { maxHeapsPerTenant } : {}),
    ...(maxBlocksTotal !== undefined ? { maxBlocksTotal } : {}),
    ...(maxBlocksPerTenant !== undefined ? { maxBlocksPerTenant } : {})
  })
  const registry = createRegistry(config, { events: store.events })
  const shared = new SharedHeaps(registry, store)
  const app = buildApp(config, { registry, store, shared })
  await app.ready()
  t.teardown(async () => {
    await app.close()
    store.close()
  })
  return { app, store, shared }
}
