/**
 * The heap map page: serves public/ (plain HTML, CSS and ES modules, no build step) at `/`.
 * Only the files that exist are routed (no wildcard), so unknown paths still reach the API's
 * problem+json 404, and nothing here shadows /heaps or /docs. The page talks to the public API
 * like any other client.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync } from 'fastify'

/** The folder holding package.json, found upwards from this file: works from src/ (tsx) and dist/. */
export function packageRoot (from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${from}`)
    dir = parent
  }
  return dir
}

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
