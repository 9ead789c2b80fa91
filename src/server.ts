/**
 * The entry point: configuration from the environment, a pino logger, listen, and a graceful close
 * on SIGTERM/SIGINT (in-flight requests finish, /readyz turns 503, then exit 0). With HEAPD_DATA,
 * the heaps are restored from the SQLite file before listening and every change is committed to it.
 */
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp } from './http/app.js'
import { buildLogger } from './http/logger.js'
import type { SqliteStore } from './registry/durable/store.js'

function readConfig (): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}

/** The durable store when HEAPD_DATA is set; SQLite is loaded only then. */
async function openStore (file: string | undefined): Promise<SqliteStore | undefined> {
  if (file === undefined) return undefined
  const { openStore } = await import('./registry/durable/store.js')
  return openStore(file)
}

const config = readConfig()
const store = await openStore(config.dataFile)
const app = buildApp(config, { logger: buildLogger(config.logLevel), ...(store !== undefined ? { events: store } : {}) })
if (store !== undefined) {
  const restored = store.restore(app.registry)
  app.log.info({ file: config.dataFile, ...restored }, 'heaps restored from the data file')
  if (restored.fellBack.length > 0) app.log.warn({ heaps: restored.fellBack }, 'tlsf history did not replay: these heaps were laid out from their blocks')
}

closeWithGrace({ delay: config.shutdownDelay, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'closing: finishing in-flight requests')
  await app.close()
  store?.close()
})

await app.listen({ port: config.port, host: config.host })
