/**
 * Protection of the process as a whole: security headers (helmet), a request rate limit
 * per tenant or client address (@fastify/rate-limit) and load shedding when the event loop lags
 * (@fastify/under-pressure). Rate limit and shedding are off unless configured; both apply to the
 * API (/heaps*) only, so probes, metrics and docs keep answering while clients are held back.
 * A shed request answers 503 `overloaded` with Retry-After, not readiness's `not-ready`: the
 * process is healthy and will take the request again in a moment.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import helmet, { type HelmetOptions } from 'helmet'
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

// Helmet's defaults, less upgrade-insecure-requests and HSTS (sent by securityHeadersFor over
// HTTPS only). upgrade-insecure-requests: heapd is often served over plain HTTP on a private
// network, where that directive would make browsers fetch the page's own scripts over HTTPS and
// fail. The heap map page and Swagger UI load only same-origin scripts (no inline script), styles
// from 'self' (Swagger UI also sets inline styles, which the default allows) and data: images, all
// within these directives.
const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: { useDefaults: true, directives: { upgradeInsecureRequests: null } },
  strictTransportSecurity: false
}

/**
 * The headers helmet sets, computed once. The headers do not depend on the request (no CSP
 * nonces), and @fastify/helmet rebuilds helmet's middleware on every request, which tripled the
 * CPU time of a small API request.
 */
export function securityHeaders (options: HelmetOptions = HELMET_OPTIONS): Record<string, string> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader: (name: string, value: unknown) => { headers[name.toLowerCase()] = String(value) },
    removeHeader: (name: string) => { delete headers[name.toLowerCase()] }
  }
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {})
  return headers
}

/**
 * API answers are JSON, never rendered: the set the OWASP REST Security Cheat Sheet names for
 * every API response (the page-only headers, such as Referrer-Policy, protect nothing here), and
 * each small answer stays a few hundred bytes lighter than with the page set.
 */
export const API_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY'
}

/**
 * Sent on answers over HTTPS only: RFC 6797 (8.1, 7.2) has browsers ignore it over plain HTTP
 * and servers not send it there. Over HTTPS means TLS on the socket or, behind a trusted proxy,
 * X-Forwarded-Proto: https (request.protocol).
 */
export const HSTS_HEADER = ['strict-transport-security', 'max-age=31536000; includeSubDomains'] as const

type HeaderList = ReadonlyArray<readonly [string, string]>

/**
 * The security headers of a request's answer: the API's short set on /heaps*, helmet's page set
 * elsewhere, each with HSTS over HTTPS. app.ts sets them in the one onRequest hook that also
 * echoes the request ID (a hook per header concern cost a hook call per request).
 */
export function securityHeadersFor (): (request: FastifyRequest) => HeaderList {
  // As lists of [name, value], made once: reply.headers(object) would list an object's keys per request.
  const api = Object.entries(API_HEADERS)
  const page = Object.entries(securityHeaders())
  const apiOverTls = [...api, HSTS_HEADER]
  const pageOverTls = [...page, HSTS_HEADER]
  return (request) => request.protocol === 'https'
    ? (isApiRequest(request) ? apiOverTls : pageOverTls)
    : (isApiRequest(request) ? api : page)
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
