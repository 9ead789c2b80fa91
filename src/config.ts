/**
 * The service's configuration: the environment, validated by one zod schema into a typed object.
 * This is the only module that reads environment variables; server.ts passes `process.env` in,
 * tests build configs from `loadConfig({})` plus overrides.
 */
import { z } from 'zod'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** An environment variable holding a decimal integer in [min, max]. */
function integer (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return optionalInteger(min, max).default(fallback)
}

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
  HEAPD_MAX_BLOCKS_PER_HEAP: integer(1_000_000, 1),
  HEAPD_MAX_BATCH_OPS: integer(10_000, 1),
  HEAPD_BODY_LIMIT: integer(1024 * 1024, 1024),
  HEAPD_MAX_PAGE_SIZE: integer(1000, 1),
  HEAPD_DEFAULT_PAGE_SIZE: optionalInteger(1).optional(),
  HEAPD_REQUEST_TIMEOUT: integer(30_000, 0),
  HEAPD_SHUTDOWN_DELAY: integer(10_000, 0)
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
  /** Request body size in bytes. */
  bodyLimit: number
  /** Largest `limit` a paged list accepts. */
  maxPageSize: number
  /** `limit` of a paged list when the client gives none: 100, or maxPageSize when smaller. */
  defaultPageSize: number
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
      bodyLimit: e.HEAPD_BODY_LIMIT,
      maxPageSize: e.HEAPD_MAX_PAGE_SIZE,
      defaultPageSize: e.HEAPD_DEFAULT_PAGE_SIZE ?? Math.min(100, e.HEAPD_MAX_PAGE_SIZE)
    },
    requestTimeout: e.HEAPD_REQUEST_TIMEOUT,
    shutdownDelay: e.HEAPD_SHUTDOWN_DELAY
  }
}

export type ConfigOverrides = Partial<Omit<Config, 'limits'>> & { limits?: Partial<Limits> }

/** The defaults with some values replaced: what tests and scripts build apps with. */
export function configWith (overrides: ConfigOverrides = {}, base: Config = loadConfig({})): Config {
  return { ...base, ...overrides, limits: { ...base.limits, ...overrides.limits } }
}
