/**
 * API keys and tenants (OWASP API1). With keys configured, every /heaps request must carry
 * `Authorization: Bearer <key>`; the key names the request's tenant, and the routes pass that
 * tenant to the registry, which hides other tenants' heaps. Without keys the service is open and
 * `request.tenant` stays undefined. Health, metrics, docs and the heap map page are always open.
 *
 * Two hooks: `onRequest` only identifies (so the rate limiter, which runs after it, can key on the
 * tenant and also counts failed attempts per client address), `preParsing` refuses, before any
 * body is read.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { ApiKey } from '../config.js'
import { sendProblem } from './errors.js'
import { problem } from './problems.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant the request's API key belongs to; undefined in an open service or before auth. */
    tenant: string | undefined
    /** Why the request is refused, when API keys are configured and it has no valid one. */
    authFailure: string | undefined
  }
}

/** Paths that need a key when keys are configured: the API, and anything under it. */
export function isApiPath (url: string): boolean {
  return url === '/heaps' || url.startsWith('/heaps/') || url.startsWith('/heaps?') || url === '/replays' || url.startsWith('/replays?')
}

const BEARER = /^Bearer[ ]+([^\s]+)[ ]*$/i

function digest (text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** Finds the tenant of `given` in constant time with respect to the configured keys. */
export function tenantFinder (apiKeys: readonly ApiKey[]): (given: string) => string | undefined {
  // Comparing fixed-length digests keeps the time independent of where the strings differ and of
  // the keys' lengths; every key is compared, so the time does not depend on which one matched.
  const digests = apiKeys.map(({ key, tenant }) => ({ digest: digest(key), tenant }))
  return (given) => {
    const candidate = digest(given)
    let found: string | undefined
    for (const entry of digests) {
      if (timingSafeEqual(entry.digest, candidate)) found = entry.tenant
    }
    return found
  }
}

export function installAuth (app: FastifyInstance, apiKeys: readonly ApiKey[]): void {
  app.decorateRequest('tenant', undefined)
  app.decorateRequest('authFailure', undefined)
  if (apiKeys.length === 0) return
  const findTenant = tenantFinder(apiKeys)

  app.addHook('onRequest', async (request: FastifyRequest) => {
    // The route template too: a percent-encoded path may reach a /heaps route under another spelling.
    if (!isApiPath(request.url) && !isApiPath(request.routeOptions.url ?? '')) return
    const header = request.headers.authorization
    if (header === undefined) {
      request.authFailure = 'this API needs an API key: send Authorization: Bearer <key>'
      return
    }
    const match = BEARER.exec(header)
    const tenant = match === null ? undefined : findTenant(match[1]!)
    if (tenant === undefined) request.authFailure = 'the API key is not valid'
    else request.tenant = tenant
  })

  app.addHook('preParsing', async (request, reply) => {
    if (request.authFailure === undefined) return
    const invalid = request.headers.authorization !== undefined
    reply.header('www-authenticate', invalid ? 'Bearer realm="heapd", error="invalid_token"' : 'Bearer realm="heapd"')
    return sendProblem(reply, problem('unauthorized', request.authFailure, request.url))
  })
}
