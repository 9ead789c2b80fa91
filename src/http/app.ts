/**
 * The app factory: everything heapd serves, registered explicitly in reading order, never
 * listening (server.ts listens; tests inject). Config comes in as an object, never from the
 * environment.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import Fastify, { type FastifyBaseLogger, type FastifyReply } from 'fastify'
import fastifySwagger from '@fastify/swagger'
import fastifySwaggerUi from '@fastify/swagger-ui'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Config } from '../config.js'
import type { RegistryEvents } from '../registry/events.js'
import { Registry } from '../registry/registry.js'
import type { Store } from '../registry/store/store.js'
import type { SharedHeaps } from '../registry/shared.js'
import { startExpirySweep, sweepInterval, type SweepTimers } from '../registry/expiry.js'
import { installAuth, isApiPath } from './auth.js'
import { installErrorHandling, sendProblem } from './errors.js'
import { installMetrics } from './metrics.js'
import { installProtection, installSecurityHeaders } from './protection.js'
import { OneLineRequestLog } from './request-log.js'
import { problem, toProblem } from './problems.js'
import { problemResponses } from './schemas/problem.js'
import { transform, transformObject } from './openapi.js'
import { batchRoutes } from './routes/batch.js'
import { blockRoutes } from './routes/blocks.js'
import { defragRoutes } from './routes/defrag.js'
import { healthRoutes } from './routes/health.js'
import { heapRoutes } from './routes/heaps.js'
import { layoutRoutes } from './routes/layout.js'
import { traceRoutes } from './routes/trace.js'
import { replayRoutes } from './routes/replays.js'
import type { ReplayPool } from '../registry/replays.js'
import { uiPlugin } from './ui.js'
import { validatorCompiler } from './validation.js'
import { clientErrorHandler } from './client-errors.js'
import { installSharedReads, startSharedExpiry } from './shared.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The heaps this app serves. */
    registry: Registry
    /** The order of work on heaps shared with other instances (PostgreSQL); undefined when heaps live here alone. */
    shared: SharedHeaps | undefined
  }
}

export interface AppOptions {
  /** A pino logger (server.ts builds one); none when omitted, as in tests. */
  logger?: FastifyBaseLogger
  /** The heaps to serve (server.ts builds them over its store); an empty in-memory registry when omitted. */
  registry?: Registry
  /** Heaps shared with other instances through PostgreSQL (server.ts builds it with the store). */
  shared?: SharedHeaps
  /** The store behind the registry: /readyz answers 503 while it cannot commit. */
  store?: Pick<Store, 'ready'>
  /** The clock of the registry built when none is given (creation and access times, expiry); tests move it by hand. */
  now?: () => Date
  /** Timers of the idle-expiry sweep; tests drive the sweep themselves. */
  sweepTimers?: SweepTimers
  /** Milliseconds between event loop delay samples for overload shedding (1000 when omitted). */
  pressureSampleInterval?: number
  /** The worker pool POST /replays runs on; one sized by the config (closed with the app) when omitted. */
  replays?: ReplayPool
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/

/**
 * Request IDs for requests that bring none: a random prefix per app (48 bits, so IDs differ across
 * restarts and instances) and a counter. Unique per process, and cheaper than a random UUID per
 * request (randomUUID refills its entropy pool with a system call every 128 IDs).
 */
export function requestIdGenerator (): () => string {
  const prefix = randomBytes(6).toString('base64url')
  let count = 0
  return () => `${prefix}-${(++count).toString(36)}`
}
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }

export function buildApp (config: Config, options: AppOptions = {}) {
  const newRequestId = requestIdGenerator()
  const app = Fastify({
    ...(options.logger !== undefined ? { loggerInstance: options.logger } : { logger: false }),
    // A caller's x-request-id is kept when it is a sane token, so its logs and ours correlate.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id']
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : newRequestId()
    },
    bodyLimit: config.limits.bodyLimit,
    requestTimeout: config.requestTimeout,
    connectionTimeout: config.connectionTimeout,
    keepAliveTimeout: config.keepAliveTimeout,
    // A number trusts that many hops from the server (Fastify's typings take it as a function).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    // Errors raised before routing (a malformed URL) bypass the error handler: answer them here.
    frameworkErrors: (error, request, reply) => {
      const body = error.code === 'FST_ERR_BAD_URL'
        ? problem('validation-error', error.message, request.url, {
          issues: [{ in: 'params', path: '', message: error.message }]
        })
        : toProblem(error, request.url) ?? problem('internal-error', 'an unexpected error occurred; it has been logged', request.url)
      if (body.status >= 500) request.log.error({ err: error }, 'framework error')
      sendProblem(reply as unknown as FastifyReply, body)
    },
    // Requests Node's parser refuses (not HTTP, headers too large, too slow) answer problem+json too.
    clientErrorHandler: clientErrorHandler(config.requestTimeout),
    // Given to Node's server as it is made: its headers timeout is derived then (the smaller of
    // 60 s and the request timeout), and a request whose body is late is only timed out once its
    // headers timeout is no longer than the request timeout. Node looks for requests over time
    // every 30 s by default, which would let one run up to 30 s past HEAPD_REQUEST_TIMEOUT: four
    // times per timeout instead.
    ...(config.requestTimeout > 0
      ? { http: { requestTimeout: config.requestTimeout, connectionsCheckingInterval: Math.max(50, Math.min(30_000, config.requestTimeout / 4)) } }
      : {}),
    // One line per request instead of Fastify's two.
    logController: new OneLineRequestLog(),
    // While closing, keep serving in-flight and keep-alive requests; /readyz turns 503 instead.
    return503OnClosing: false
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  // Requests are validated by zod. Responses are not re-validated at run time: the type provider
  // already checks every handler's return value against its zod response schema at compile time,
  // and re-encoding through zod cost more than the allocator itself on the batch route.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data))
  // JSON is the only body heapd reads: anything else, text/plain included, answers 415.
  app.removeContentTypeParser('text/plain')
  installErrorHandling(app)
  // First of the request hooks, so that every answer carries them, the refusals of auth, the rate
  // limiter and the load shedder too.
  installSecurityHeaders(app)
  // The request ID on every answer, so that a client can quote it.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id)
    done()
  })
  installAuth(app, config.apiKeys)

  const registry = options.registry ?? createRegistry(config, options.now !== undefined ? { now: options.now } : {})
  app.decorate('registry', registry)
  const shared = options.shared
  app.decorate('shared', shared)
  if (shared !== undefined) installSharedReads(app, shared)
  if (config.heapTtl > 0 && shared !== undefined) {
    app.addHook('onClose', startSharedExpiry(shared, config.heapTtl * 1000, app.log))
  } else if (config.heapTtl > 0) {
    const stop = startExpirySweep(registry, {
      intervalMs: sweepInterval(config.heapTtl * 1000),
      onExpired: (ids) => app.log.info({ heapIds: ids }, 'idle heaps expired'),
      onError: (err) => app.log.error({ err }, 'idle heap expiry failed'),
      ...(options.sweepTimers !== undefined ? { timers: options.sweepTimers } : {})
    })
    app.addHook('onClose', async () => { stop() })
  }
  installMetrics(app, registry, config.metrics)
  installProtection(app, config, options.pressureSampleInterval !== undefined ? { pressureSampleInterval: options.pressureSampleInterval } : {})
  // Every API route is documented as needing the bearer key (when keys are configured) and as
  // answering 401, 429 (quotas, rate limit) and 503 (overload shedding).
  app.addHook('onRoute', (route) => {
    if (!isApiPath(route.url) || route.schema === undefined) return
    const responses = { ...problemResponses(401, 429, 503), ...(route.schema.response as object | undefined) }
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }], response: responses }
  })

  let closing = false
  app.addHook('preClose', async () => { closing = true })

  app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'heapd',
        version,
        description: 'Virtual memory allocation as a service: create heaps (ranges of address space), ' +
          'allocate and free blocks (integer offsets) with first-fit, best-fit or TLSF. No bytes are stored. ' +
          'Every error is application/problem+json (RFC 9457).'
      },
      servers: [{ url: '/' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key from HEAPD_API_KEYS. Needed on /heaps routes only when the server is configured with keys; ' +
              'the key decides the tenant, and a tenant sees only its own heaps.'
          }
        }
      },
      tags: [
        { name: 'heaps', description: 'Create, list, inspect, reset and delete heaps.' },
        { name: 'blocks', description: 'Allocate, inspect, resize and free blocks.' },
        { name: 'batch', description: 'Many ops in one request, optionally atomic.' },
        { name: 'layout', description: 'Statistics, segments and occupancy of a heap.' },
        { name: 'defrag', description: 'Defragmentation plans: move blocks to win back contiguous space; the client copies the bytes.' },
        { name: 'replays', description: 'What if: a trace replayed on every strategy, against the floor.' },
        { name: 'health', description: 'Liveness and readiness.' }
      ]
    },
    transform,
    transformObject
  })
  if (config.docs) app.register(fastifySwaggerUi, { routePrefix: '/docs' })

  const routeOptions = { registry, config }
  app.register(heapRoutes, routeOptions)
  app.register(blockRoutes, routeOptions)
  app.register(batchRoutes, routeOptions)
  app.register(layoutRoutes, routeOptions)
  app.register(defragRoutes, routeOptions)
  app.register(traceRoutes, routeOptions)
  app.register(replayRoutes, { ...routeOptions, ...(options.replays !== undefined ? { pool: options.replays } : {}) })
  const store = options.store
  app.register(healthRoutes, { isClosing: () => closing, isStoreReady: () => store === undefined || store.ready() })
  // The heap map page at `/`: static files that talk to the API above like any client.
  app.register(uiPlugin)

  return app
}

export type App = ReturnType<typeof buildApp>

/** A registry with the configured limits and heap TTL, announcing its changes to `events` (a store's). */
export function createRegistry (config: Config, options: { events?: RegistryEvents, now?: () => Date } = {}): Registry {
  return new Registry({
    limits: config.limits,
    heapTtl: config.heapTtl * 1000,
    idempotencyTtl: config.idempotencyTtl * 1000,
    defrag: { maxTtlMs: config.maxDefragTtl * 1000 },
    ...(options.events !== undefined ? { events: options.events } : {}),
    ...(options.now !== undefined ? { now: options.now } : {})
  })
}

function trustHops (hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops
}
