import t from 'tap'
import { ConfigError, configWith, loadConfig } from '../src/config.js'
import { MAX_LIVE_BLOCKS } from '../src/allocator/index.js'

t.test('defaults', async (t) => {
  const config = loadConfig({})
  t.match(config, { port: 3000, host: '127.0.0.1', logLevel: 'info' })
  t.match(config.limits, { maxBatchOps: 10_000, maxPageSize: 1000, defaultPageSize: 100 })
})

t.test('reads every variable, treating empty ones as unset', async (t) => {
  const config = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    LOG_LEVEL: 'debug',
    HEAPD_MAX_HEAPS: '5',
    HEAPD_MAX_HEAP_SIZE: '1048576',
    HEAPD_MAX_BLOCKS_PER_HEAP: '7',
    HEAPD_MAX_BATCH_OPS: '9',
    HEAPD_BODY_LIMIT: '4096',
    HEAPD_MAX_PAGE_SIZE: '50',
    HEAPD_DEFAULT_PAGE_SIZE: '',
    HEAPD_REQUEST_TIMEOUT: '0',
    HEAPD_SHUTDOWN_DELAY: '500',
    UNRELATED: 'x'
  })
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    logLevel: 'debug',
    limits: {
      maxHeaps: 5,
      maxHeapSize: 1048576,
      maxBlocksPerHeap: 7,
      maxBatchOps: 9,
      bodyLimit: 4096,
      maxPageSize: 50,
      defaultPageSize: 50,
      maxHeapsPerTenant: 1000,
      maxBlocksTotal: 10_000_000,
      rateLimit: 0,
      maxEventLoopDelay: 0
    },
    requestTimeout: 0,
    shutdownDelay: 500,
    connectionTimeout: 120_000,
    keepAliveTimeout: 72_000,
    apiKeys: [],
    heapTtl: 0,
    metrics: true,
    docs: true,
    trustProxy: false
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
  t.throws(() => loadConfig({ HEAPD_DATA: '/tmp/h.db', HEAPD_DATABASE_URL: 'postgres://db/heapd' }), /HEAPD_DATABASE_URL: set HEAPD_DATA .* or HEAPD_DATABASE_URL .*, not both/)
  t.throws(() => loadConfig({ HEAPD_DATABASE_URL: 'mysql://db/heapd' }), /HEAPD_DATABASE_URL: must be a postgres/)
  t.equal(loadConfig({ HEAPD_DATABASE_URL: 'postgres://db/heapd' }).databaseUrl, 'postgres://db/heapd')
  t.throws(() => loadConfig({ HEAPD_MAX_BLOCKS_PER_HEAP: String(MAX_LIVE_BLOCKS + 1) }), /HEAPD_MAX_BLOCKS_PER_HEAP/, 'no more blocks per heap than the allocator holds')
  t.equal(loadConfig({ HEAPD_MAX_BLOCKS_PER_HEAP: String(MAX_LIVE_BLOCKS) }).limits.maxBlocksPerHeap, MAX_LIVE_BLOCKS)
})

t.test('HEAPD_MAX_TAG_LENGTH bounds block tags: 64 by default, 1 to 4096', async (t) => {
  t.equal(loadConfig({}).limits.maxTagLength, 64)
  t.equal(loadConfig({ HEAPD_MAX_TAG_LENGTH: '256' }).limits.maxTagLength, 256)
  t.throws(() => loadConfig({ HEAPD_MAX_TAG_LENGTH: '0' }), /HEAPD_MAX_TAG_LENGTH/)
  t.throws(() => loadConfig({ HEAPD_MAX_TAG_LENGTH: '4097' }), /HEAPD_MAX_TAG_LENGTH/)
})

t.test('configWith replaces single values and single limits', async (t) => {
  const config = configWith({ port: 1, limits: { maxHeaps: 2 } })
  t.equal(config.port, 1)
  t.equal(config.limits.maxHeaps, 2)
  t.equal(config.limits.maxBatchOps, 10_000)
})

t.test('hardening variables: API keys, quotas, TTL, rate limit, shedding, timeouts, switches, trust-proxy', async (t) => {
  const config = loadConfig({
    HEAPD_API_KEYS: 'secret-key-one:alpha, secret:key:two:beta,third-key-x:alpha',
    HEAPD_MAX_HEAPS_PER_TENANT: '3',
    HEAPD_MAX_BLOCKS_TOTAL: '100',
    HEAPD_HEAP_TTL: '60',
    HEAPD_RATE_LIMIT: '600',
    HEAPD_MAX_EVENT_LOOP_DELAY: '200',
    HEAPD_CONNECTION_TIMEOUT: '5000',
    HEAPD_KEEP_ALIVE_TIMEOUT: '4000',
    HEAPD_METRICS: 'false',
    HEAPD_DOCS: '0',
    HEAPD_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1'
  })
  t.same(config.apiKeys, [
    { key: 'secret-key-one', tenant: 'alpha' }, { key: 'secret:key:two', tenant: 'beta' }, { key: 'third-key-x', tenant: 'alpha' }
  ])
  t.match(config.limits, { maxHeapsPerTenant: 3, maxBlocksTotal: 100, rateLimit: 600, maxEventLoopDelay: 200 })
  t.match(config, { heapTtl: 60, connectionTimeout: 5000, keepAliveTimeout: 4000, metrics: false, docs: false })
  t.same(config.trustProxy, ['10.0.0.0/8', '127.0.0.1'])
  t.equal(loadConfig({ HEAPD_TRUST_PROXY: 'true' }).trustProxy, true)
  t.equal(loadConfig({ HEAPD_TRUST_PROXY: '2' }).trustProxy, 2)

  t.throws(() => loadConfig({ HEAPD_API_KEYS: 'nocolon' }), /HEAPD_API_KEYS: each entry must be key:tenant/)
  t.throws(() => loadConfig({ HEAPD_API_KEYS: 'short:alpha' }), /HEAPD_API_KEYS/, 'keys of fewer than 8 characters are refused')
  t.throws(() => loadConfig({ HEAPD_API_KEYS: 'long-enough:bad tenant' }), /HEAPD_API_KEYS/)
  t.throws(() => loadConfig({ HEAPD_API_KEYS: 'long-enough:a,long-enough:b' }), /listed twice/)
  t.throws(() => loadConfig({ HEAPD_METRICS: 'yes' }), /HEAPD_METRICS/)
})
