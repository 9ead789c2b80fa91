/**
 * Protection of the process as a whole: security headers (helmet), a request rate limit
 * per tenant or client address (@fastify/rate-limit) and load shedding when the event loop lags
 * (@fastify/under-pressure). Rate limit and shedding are off unless configured; both apply to the
 * API (/heaps*) only, so probes, metrics and docs keep answering while clients are held back.
 * A shed request answers 503 `overloaded` with Retry-After, not readiness's `not-ready`: the
 * process is healthy and will take the request again in a moment.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifyUnderPressure from '@fastify/under-pressure'
import type { Config } from '../config.js'
import { isApiPath } from './auth.js'
import { sendProblem } from './errors.js'
import { problem, ProblemError } from './problems.js'

export interface ProtectionOptions {
  /** Milliseconds between event loop measurements; tests shorten it. */
  pressureSampleInterval?: number
}

/** Seconds a shed client is asked to wait (Retry-After). */
export const SHED_RETRY_AFTER = 5

function isApiRequest (request: FastifyRequest): boolean {
  return isApiPath(request.url) || isApiPath(request.routeOptions.url ?? '')
}

// Helmet's defaults, less upgrade-insecure-requests and HSTS (sent over HTTPS only, below).
// upgrade-insecure-requests: heapd is often served over plain HTTP on a private network, where
// that directive would make browsers fetch the page's own scripts over HTTPS and fail. The heap
// map page and Swagger UI load only same-origin scripts (no inline script), styles from 'self'
// (Swagger UI also sets inline styles, which the default allows) and data: images, all within
// these directives.
const PAGE_HELMET: FastifyHelmetOptions = {
  contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null } },
  strictTransportSecurity: false
}

/**
 * API answers are JSON, never rendered: the set the OWASP REST Security Cheat Sheet names for
 * every API response (a CSP that allows nothing, nosniff, framing denied; Cache-Control: no-store
 * is set beside them). Page-only headers, such as Referrer-Policy, protect nothing there.
 * Route options replace the global ones key by key, so every header is named here.
 */
const API_HELMET = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  xFrameOptions: { action: 'deny' },
  xContentTypeOptions: true,
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  referrerPolicy: false,
  strictTransportSecurity: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false
} as const

/** What every API answer carries (API_HELMET's headers, and no-store). */
export const API_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none';frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY'
}

/**
 * Sent on answers over HTTPS only: RFC 6797 (8.1, 7.2) has browsers ignore it over plain HTTP
 * and servers not send it there. Over HTTPS means TLS on the socket or, behind a trusted proxy,
 * X-Forwarded-Proto: https (request.protocol).
 */
export const HSTS_HEADER = ['strict-transport-security', 'max-age=31536000; includeSubDomains'] as const

/**
 * Security headers (@fastify/helmet): helmet's page set by default, the API's short set on the
 * /heaps routes, HSTS over HTTPS on both.
 */
export function installSecurityHeaders (app: FastifyInstance): void {
  // Runs before @fastify/helmet's own onRoute hook, which reads the route's `helmet` option.
  app.addHook('onRoute', (route) => {
    if (isApiPath(route.url)) route.helmet = API_HELMET
  })
  app.register(fastifyHelmet, PAGE_HELMET)
  app.addHook('onRequest', (request, reply, done) => {
    if (isApiRequest(request)) reply.header('cache-control', 'no-store')
    if (request.protocol === 'https') reply.header(HSTS_HEADER[0], HSTS_HEADER[1])
    done()
  })
}

/** Rate limit and load shedding, when configured; they answer after the headers hook, so their refusals carry the headers too. */
export function installProtection (app: FastifyInstance, config: Config, options: ProtectionOptions = {}): void {
  const { rateLimit, maxEventLoopDelay } = config.limits
  if (rateLimit > 0) {
    app.register(fastifyRateLimit, {
      global: true,
      max: rateLimit,
      timeWindow: 60_000,
      // Runs after auth's identification: a tenant's keys share one budget, anonymous or
      // unauthenticated callers are counted per address (so failed key guesses are limited too).
      keyGenerator: (request) => request.tenant !== undefined ? `tenant:${request.tenant}` : `ip:${request.ip}`,
      allowList: (request) => !isApiRequest(request),
      errorResponseBuilder: (request, context) => new ProblemError(
        'quota-exceeded',
        `too many requests from ${request.tenant !== undefined ? `tenant ${request.tenant}` : 'this client'}; retry in ${context.after} (rateLimit is ${context.max} per minute)`,
        { limit: 'rateLimit', limitValue: context.max }
      )
    })
  }

  if (maxEventLoopDelay > 0) {
    app.register(fastifyUnderPressure, {
      maxEventLoopDelay,
      sampleInterval: options.pressureSampleInterval ?? 1000,
      // Answering here ends the request: Fastify runs no further hooks for a reply already sent.
      pressureHandler: (request: FastifyRequest, reply: FastifyReply, type: string, value: number | undefined) => {
        if (!isApiRequest(request)) return
        reply.header('retry-after', String(SHED_RETRY_AFTER))
        sendProblem(reply, problem('overloaded',
          `the service is overloaded (${type}: ${Math.round(value ?? 0)} ms, the limit is ${maxEventLoopDelay} ms); retry in ${SHED_RETRY_AFTER} s`,
          request.url))
      }
    })
  }
}
