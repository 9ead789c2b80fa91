/**
 * The entry point: configuration from the environment, a pino logger, listen, and a graceful close
 * on SIGTERM/SIGINT (in-flight requests finish, /readyz turns 503, then exit 0).
 */
import closeWithGrace from 'close-with-grace'
import { ConfigError, loadConfig, type Config } from './config.js'
import { buildApp } from './http/app.js'
import { buildLogger } from './http/logger.js'

function readConfig (): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}

const config = readConfig()
const app = buildApp(config, { logger: buildLogger(config.logLevel) })

closeWithGrace({ delay: config.shutdownDelay, logger: app.log }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'closing after an uncaught error')
  else app.log.info({ signal }, 'closing: finishing in-flight requests')
  await app.close()
})

await app.listen({ port: config.port, host: config.host })
