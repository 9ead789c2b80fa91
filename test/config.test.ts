import t from 'tap'
import { ConfigError, configWith, loadConfig } from '../src/config.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.match(config, { port: 3000, host: '127.0.0.1', logLevel: 'info' })
  t.match(config.limits, { maxBatchOps: 10_000, maxPageSize: 1000, defaultPageSize: 100 })
})

t.test('reads every variable, treating empty ones as unset', async (t) => {
  const config = loadConfig({
    PORT: '8080', HOST: '0.0.0.0', LOG_LEVEL: 'debug', HEAPD_MAX_HEAPS: '5', HEAPD_MAX_HEAP_SIZE: '1048576',
    HEAPD_MAX_BLOCKS_PER_HEAP: '7', HEAPD_MAX_BATCH_OPS: '9', HEAPD_BODY_LIMIT: '4096', HEAPD_MAX_PAGE_SIZE: '50',
    HEAPD_DEFAULT_PAGE_SIZE: '', HEAPD_REQUEST_TIMEOUT: '0', HEAPD_SHUTDOWN_DELAY: '500', UNRELATED: 'x'
  })
  t.same(config, {
    port: 8080,
    host: '0.0.0.0',
    logLevel: 'debug',
    limits: { maxHeaps: 5, maxHeapSize: 1048576, maxBlocksPerHeap: 7, maxBatchOps: 9, bodyLimit: 4096, maxPageSize: 50, defaultPageSize: 50 },
    requestTimeout: 0,
    shutdownDelay: 500
  })
})

t.test('an invalid environment is refused with every issue listed', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', HEAPD_MAX_HEAPS: '1.5' })) as ConfigError
  t.type(error, ConfigError)
  t.equal(error.issues.length, 3)
  t.match(error.message, /PORT/)
  t.match(error.message, /LOG_LEVEL/)
  t.match(error.message, /HEAPD_MAX_HEAPS: must be a decimal integer/)
  t.throws(() => loadConfig({ HEAPD_MAX_PAGE_SIZE: '10', HEAPD_DEFAULT_PAGE_SIZE: '20' }), /HEAPD_DEFAULT_PAGE_SIZE: must not exceed/)
})

t.test('configWith replaces single values and single limits', async (t) => {
  const config = configWith({ port: 1, limits: { maxHeaps: 2 } })
  t.equal(config.port, 1)
  t.equal(config.limits.maxHeaps, 2)
  t.equal(config.limits.maxBatchOps, 10_000)
})
