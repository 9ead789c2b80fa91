/**
 * The composition root: configuration from the environment, a pino logger, the store (memory, the
 * SQLite file of HEAPD_DATA, or the PostgreSQL of HEAPD_DATABASE_URL), the registry rebuilt from it, the app, listen, and a graceful
 * close on SIGTERM/SIGINT (in-flight requests finish, /readyz turns 503, then exit 0).
 *
 * What keeps the service from starting (a bad variable, a damaged or busy data file, a disk that
 * cannot be written, a port in use) is one line on stderr and exit code 1, never a stack.
 */
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp, createRegistry } from './http/app.js'
import { buildLogger } from './http/logger.js'
import { StoreDamagedError } from './registry/store/errors.js'
import { openStore, type StoreChoice } from './registry/store/open.js'
import type { Store } from './registry/store/store.js'
import { PostgresStore } from './registry/store/postgres/store.js'
import { SharedHeaps } from './registry/shared.js'

/** Stops the start: one line saying why, exit code 1. */
function refuse (message: string, store?: Store): never {
  store?.close()
  console.error(`heapd: ${message}`)
  process.exit(1)
}

function readConfig (): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    return refuse(error.message)
  }
}

function storeChoice (config: Config): StoreChoice {
  if (config.databaseUrl !== undefined) {
    const { maxHeaps, maxHeapsPerTenant, maxBlocksTotal, maxBlocksPerTenant } = config.limits
    return {
      database: {
        url: config.databaseUrl,
        maxHeaps,
        ...(maxHeapsPerTenant !== undefined ? { maxHeapsPerTenant } : {}),
        ...(maxBlocksTotal !== undefined ? { maxBlocksTotal } : {}),
        ...(maxBlocksPerTenant !== undefined ? { maxBlocksPerTenant } : {})
      }
    }
  }
  return config.dataFile !== undefined ? { dataFile: config.dataFile } : {}
}

const config = readConfig()
const store = await openStore(storeChoice(config)).catch((error: unknown) => refuse((error as Error).message))
const registry = createRegistry(config, { events: store.events })
// Heaps in PostgreSQL are shared with other instances: work on them takes turns through SharedHeaps.
const shared = store instanceof PostgresStore ? new SharedHeaps(registry, store) : undefined
let restored
try {
  restored = { ...registry.load(store.load()), idempotencyKeys: registry.loadKeys(store.loadKeys()) }
} catch (error) {
  // The store's own errors name the file already.
  refuse(error instanceof StoreDamagedError ? error.message : `cannot restore the heaps of ${store.location}: ${(error as Error).message}`, store)
}
const app = buildApp(config, { logger: buildLogger(config.logLevel), registry, store, ...(shared !== undefined ? { shared } : {}) })
if (shared !== undefined) app.log.info({ database: store.location }, 'heaps kept in PostgreSQL, shared with the instances on it')
if (config.dataFile !== undefined) {
  app.log.info({ file: store.location, ...restored }, 'heaps restored from the data file')
  if (restored.fellBack.length > 0) app.log.warn({ heaps: restored.fellBack }, 'tlsf history did not replay: these heaps were laid out from their blocks')
}

closeWithGrace({ delay: config.shutdownDelay, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'closing: finishing in-flight requests')
  await app.close()
  store.close()
})

let address: string
try {
  address = await app.listen({ port: config.port, host: config.host })
} catch (error) {
  const code = (error as { code?: unknown }).code
  refuse(code === 'EADDRINUSE'
    ? `port ${config.port} on ${config.host} is already in use (set PORT or HOST)`
    : `cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`, store)
}
app.log.info({ map: `${address}/`, ...(config.docs ? { docs: `${address}/docs` } : {}) },
  `heapd is serving: the heap map at ${address}/${config.docs ? `, the API docs at ${address}/docs` : ''}`)
