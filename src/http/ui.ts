/**
 * The heap map page: serves public/ (plain HTML, CSS and ES modules, no build step) at `/`.
 * Only the files that exist are routed (no wildcard), so unknown paths still reach the API's
 * problem+json 404, and nothing here shadows /heaps or /docs. The page talks to the public API
 * like any other client.
 */
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'
import { packageRoot } from '../package-root.js'

export const publicDir = join(packageRoot(), 'public')

export const uiPlugin: FastifyPluginAsync = async (app) => {
  await app.register(fastifyStatic, {
    root: publicDir,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    // swagger-ui registers its own copy of @fastify/static; keep reply.sendFile out of the way.
    decorateReply: false,
    // The page is small and changes with the service: always revalidate, never serve stale.
    cacheControl: true,
    maxAge: 0
  })
}
