/**
 * The service's configuration: the environment, validated by one zod schema into a typed object.
 * This is the only module that reads environment variables; server.ts passes `process.env` in,
 * tests build configs from `loadConfig({})` plus overrides.
 */
import { z } from 'zod'
import { MAX_LIVE_BLOCKS } from './allocator/index.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** The most HEAPD_MAX_RECORDED_OPS may be: a recording's trace ids are 32-bit, and it keeps 22 bytes an op. */
const MAX_RECORDED_OPS = 100_000_000

/** An environment variable holding a decimal integer in [min, max]. */
function integer (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return optionalInteger(min, max).default(fallback)
}

/** An environment variable holding `true` or `false` (also `1` or `0`). */
function boolean (fallback: boolean) {
  return z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1').default(fallback)
}

const TENANT_PATTERN = /^[\w.-]{1,64}$/

/**
 * `key1:tenantA,key2:tenantB`: API keys and the tenant each one authenticates. A key is the text
 * before the last colon; several keys may share a tenant (key rotation), a key may not repeat.
 */
const ApiKeys = z.string().transform((text, ctx) => {
  const keys: ApiKey[] = []
  for (const entry of text.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const colon = entry.lastIndexOf(':')
    const key = entry.slice(0, colon)
    const tenant = entry.slice(colon + 1)
    if (colon < 0 || key.length < 8 || !TENANT_PATTERN.test(tenant)) {
      ctx.issues.push({ code: 'custom', message: 'each entry must be key:tenant, the key at least 8 characters, the tenant [A-Za-z0-9_.-]{1,64}', input: text })
      return z.NEVER
    }
    if (keys.some((known) => known.key === key)) {
      ctx.issues.push({ code: 'custom', message: `a key is listed twice (tenant ${tenant})`, input: text })
      return z.NEVER
    }
    keys.push({ key, tenant })
  }
  return keys
})

/** `true`/`false`, a number of hops, or a comma-separated list of addresses/CIDRs (Fastify's trustProxy). */
const TrustProxy = z.string().transform((text): boolean | number | string[] => {
  if (text === 'true' || text === 'false') return text === 'true'
  if (/^\d+$/.test(text)) return Number(text)
  return text.split(',').map((part) => part.trim()).filter((part) => part !== '')
})

function optionalInteger (min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.string()
    .regex(/^\d+$/, 'must be a decimal integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
}

const EnvSchema = z.object({
  PORT: integer(3000, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  HEAPD_MAX_HEAPS: integer(10_000, 1),
  HEAPD_MAX_HEAP_SIZE: integer(Number.MAX_SAFE_INTEGER, 1),
  HEAPD_MAX_BLOCKS_PER_HEAP: integer(1_000_000, 1, MAX_LIVE_BLOCKS),
  HEAPD_MAX_BATCH_OPS: integer(10_000, 1),
  HEAPD_MAX_RECORDED_OPS: integer(1_000_000, 1, MAX_RECORDED_OPS),
  HEAPD_MAX_REPLAY_OPS: integer(5_000_000, 1),
  HEAPD_REPLAY_BODY_LIMIT: integer(64 * 1024 * 1024, 1024),
  HEAPD_MAX_CONCURRENT_REPLAYS: integer(2, 1, 64),
  HEAPD_MAX_TAG_LENGTH: integer(64, 1, 4096),
  HEAPD_BODY_LIMIT: integer(1024 * 1024, 1024),
  HEAPD_MAX_PAGE_SIZE: integer(1000, 1),
  HEAPD_DEFAULT_PAGE_SIZE: optionalInteger(1).optional(),
  HEAPD_REQUEST_TIMEOUT: integer(30_000, 0),
  HEAPD_SHUTDOWN_DELAY: integer(10_000, 0),
  HEAPD_API_KEYS: ApiKeys.optional(),
  HEAPD_MAX_HEAPS_PER_TENANT: integer(1_000, 1),
  HEAPD_MAX_BLOCKS_TOTAL: integer(10_000_000, 1),
  HEAPD_MAX_BLOCKS_PER_TENANT: integer(1_000_000, 1),
  HEAPD_HEAP_TTL: integer(0, 0),
  HEAPD_IDEMPOTENCY_TTL: integer(86_400, 1),
  HEAPD_MAX_DEFRAG_TTL: integer(3_600, 1),
  HEAPD_RATE_LIMIT: integer(0, 0),
  HEAPD_MAX_EVENT_LOOP_DELAY: integer(0, 0),
  HEAPD_CONNECTION_TIMEOUT: integer(120_000, 0),
  HEAPD_KEEP_ALIVE_TIMEOUT: integer(72_000, 1),
  HEAPD_METRICS: boolean(true),
  HEAPD_DATA: z.string().min(1).optional(),
  HEAPD_DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL').optional(),
  HEAPD_DOCS: boolean(true),
  HEAPD_TRUST_PROXY: TrustProxy.default(false)
}).refine((env) => env.HEAPD_DATA === undefined || env.HEAPD_DATABASE_URL === undefined, {
  message: 'set HEAPD_DATA (one SQLite file) or HEAPD_DATABASE_URL (PostgreSQL, shared by instances), not both',
  path: ['HEAPD_DATABASE_URL']
}).refine((env) => env.HEAPD_DEFAULT_PAGE_SIZE === undefined || env.HEAPD_DEFAULT_PAGE_SIZE <= env.HEAPD_MAX_PAGE_SIZE, {
  message: 'must not exceed HEAPD_MAX_PAGE_SIZE',
  path: ['HEAPD_DEFAULT_PAGE_SIZE']
})

export interface Limits {
  /** Heaps alive at once in this process. */
  maxHeaps: number
  /** Largest `size` a heap may be created with. */
  maxHeapSize: number
  /** Live blocks per heap. */
  maxBlocksPerHeap: number
  /** Ops in one batch request. */
  maxBatchOps: number
  /** Ops a heap created with `record: true` keeps of its history; past it the recording stops. */
  maxRecordedOps: number
  /** Ops one POST /replays trace may hold. */
  maxReplayOps: number
  /** POST /replays body size in bytes (after gzip is undone). */
  replayBodyLimit: number
  /** Replays running at once, each on its own worker thread; 429 beyond. */
  maxConcurrentReplays: number
  /**
   * Longest block tag, in UTF-16 code units (HEAPD_MAX_TAG_LENGTH, 64 by default, at most 4096):
   * with the block limits it bounds the memory tags can take, at most 2 bytes a code unit.
   */
  maxTagLength: number
  /** Request body size in bytes. */
  bodyLimit: number
  /** Largest `limit` a paged list accepts. */
  maxPageSize: number
  /** `limit` of a paged list when the client gives none: 100, or maxPageSize when smaller. */
  defaultPageSize: number
  /** Heaps alive at once per tenant (only when API keys are configured). */
  maxHeapsPerTenant: number
  /** Live blocks across all heaps of this process. */
  maxBlocksTotal: number
  /** Live blocks across one tenant's heaps (only when API keys are configured). */
  maxBlocksPerTenant: number
  /** Requests per minute per tenant (or per client IP without API keys); 0: no rate limit. */
  rateLimit: number
  /** Event loop delay in milliseconds above which requests are shed with 503; 0: never shed. */
  maxEventLoopDelay: number
}

export interface ApiKey {
  key: string
  tenant: string
}

export interface Config {
  port: number
  host: string
  logLevel: (typeof LOG_LEVELS)[number]
  limits: Limits
  /** Milliseconds a request may take before the connection is dropped (0: no limit). */
  requestTimeout: number
  /** Milliseconds SIGTERM waits for in-flight requests before forcing the exit. */
  shutdownDelay: number
  /** Milliseconds a connection may stay without activity before it is closed (0: no limit). */
  connectionTimeout: number
  /** Milliseconds an idle keep-alive connection is kept open. */
  keepAliveTimeout: number
  /** API keys and their tenants; empty: the service is open (no authentication, no tenants). */
  apiKeys: ApiKey[]
  /** Seconds a heap may go untouched before it is deleted; 0: heaps never expire. */
  heapTtl: number
  /**
   * Seconds the answer to a change sent with an Idempotency-Key is remembered, so that a retry with
   * the key gets it again instead of applying the change twice (a day by default).
   */
  idempotencyTtl: number
  /** Longest `ttl` a defragmentation plan may ask for, in seconds: its reservations and pins last that long at most. */
  maxDefragTtl: number
  /** SQLite file holding the heaps (created if missing); unset: heaps live in memory only. */
  dataFile?: string
  /** PostgreSQL holding the heaps, shared by every instance pointed at it (docs/cluster.md). */
  databaseUrl?: string
  /** Serve Prometheus metrics at /metrics. */
  metrics: boolean
  /** Serve Swagger UI at /docs and the OpenAPI document at /docs/json. */
  docs: boolean
  /** Fastify's trustProxy: whether (or which) proxies' X-Forwarded-* headers to believe. */
  trustProxy: boolean | number | string[]
}

export class ConfigError extends Error {
  constructor (readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/** Reads the configuration from `env`; throws ConfigError listing every invalid variable. */
export function loadConfig (env: Record<string, string | undefined> = process.env): Config {
  // Empty variables count as unset, the way shells and compose files commonly leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const result = EnvSchema.safeParse(present)
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`))
  }
  const e = result.data
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    limits: {
      maxHeaps: e.HEAPD_MAX_HEAPS,
      maxHeapSize: e.HEAPD_MAX_HEAP_SIZE,
      maxBlocksPerHeap: e.HEAPD_MAX_BLOCKS_PER_HEAP,
      maxBatchOps: e.HEAPD_MAX_BATCH_OPS,
      maxRecordedOps: e.HEAPD_MAX_RECORDED_OPS,
      maxReplayOps: e.HEAPD_MAX_REPLAY_OPS,
      replayBodyLimit: e.HEAPD_REPLAY_BODY_LIMIT,
      maxConcurrentReplays: e.HEAPD_MAX_CONCURRENT_REPLAYS,
      maxTagLength: e.HEAPD_MAX_TAG_LENGTH,
      bodyLimit: e.HEAPD_BODY_LIMIT,
      maxPageSize: e.HEAPD_MAX_PAGE_SIZE,
      defaultPageSize: e.HEAPD_DEFAULT_PAGE_SIZE ?? Math.min(100, e.HEAPD_MAX_PAGE_SIZE),
      maxHeapsPerTenant: e.HEAPD_MAX_HEAPS_PER_TENANT,
      maxBlocksTotal: e.HEAPD_MAX_BLOCKS_TOTAL,
      maxBlocksPerTenant: e.HEAPD_MAX_BLOCKS_PER_TENANT,
      rateLimit: e.HEAPD_RATE_LIMIT,
      maxEventLoopDelay: e.HEAPD_MAX_EVENT_LOOP_DELAY
    },
    requestTimeout: e.HEAPD_REQUEST_TIMEOUT,
    shutdownDelay: e.HEAPD_SHUTDOWN_DELAY,
    connectionTimeout: e.HEAPD_CONNECTION_TIMEOUT,
    keepAliveTimeout: e.HEAPD_KEEP_ALIVE_TIMEOUT,
    apiKeys: e.HEAPD_API_KEYS ?? [],
    heapTtl: e.HEAPD_HEAP_TTL,
    idempotencyTtl: e.HEAPD_IDEMPOTENCY_TTL,
    maxDefragTtl: e.HEAPD_MAX_DEFRAG_TTL,
    metrics: e.HEAPD_METRICS,
    docs: e.HEAPD_DOCS,
    trustProxy: e.HEAPD_TRUST_PROXY,
    ...(e.HEAPD_DATA !== undefined ? { dataFile: e.HEAPD_DATA } : {}),
    ...(e.HEAPD_DATABASE_URL !== undefined ? { databaseUrl: e.HEAPD_DATABASE_URL } : {})
  }
}

export type ConfigOverrides = Partial<Omit<Config, 'limits'>> & { limits?: Partial<Limits> }

/** The defaults with some values replaced: what tests and scripts build apps with. */
export function configWith (overrides: ConfigOverrides = {}, base: Config = loadConfig({})): Config {
  return { ...base, ...overrides, limits: { ...base.limits, ...overrides.limits } }
}
