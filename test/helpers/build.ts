/**
 * Test helpers for the HTTP layer: `build(t)` gives a ready app (never listening; use app.inject,
 * or supertest on app.server) that closes when the test ends.
 */
import type { LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { buildApp, createRegistry, type App, type AppOptions } from '../../src/http/app.js'
import { configWith, type ConfigOverrides } from '../../src/config.js'
import type { RegistryEvents } from '../../src/registry/events.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/** `events`: a registry announcing its changes there is built for the app, as server.ts does for a store. */
export async function build (t: Teardown, overrides: ConfigOverrides = {}, options: AppOptions & { events?: RegistryEvents } = {}): Promise<App> {
  const { events, ...appOptions } = options
  const config = configWith(overrides)
  const registry = events === undefined ? undefined : createRegistry(config, { events, ...(options.now !== undefined ? { now: options.now } : {}) })
  const app = buildApp(config, { ...appOptions, ...(registry !== undefined ? { registry } : {}) })
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/** Creates a heap over HTTP and answers its representation. */
export async function createHeap (app: App, body: Record<string, unknown> = { size: 1024 }): Promise<{ id: string, size: number, [key: string]: unknown }> {
  const response = await app.inject({ method: 'POST', url: '/heaps', payload: body })
  if (response.statusCode !== 201) throw new Error(`createHeap: ${response.statusCode} ${response.body}`)
  return response.json()
}

/** Allocates over HTTP and answers the pointer. */
export async function alloc (app: App, heapId: string, size: number, extra: Record<string, unknown> = {}): Promise<number> {
  const response = await app.inject({ method: 'POST', url: `/heaps/${heapId}/alloc`, payload: { size, ...extra } })
  if (response.statusCode !== 201) throw new Error(`alloc: ${response.statusCode} ${response.body}`)
  return response.json().ptr
}

/** Stats and the full layout of a heap: everything a request could have changed. */
export async function observe (app: App, heapId: string): Promise<{ stats: Record<string, number>, layout: unknown, blocks: unknown }> {
  const [stats, layout, blocks] = await Promise.all([
    app.inject(`/heaps/${heapId}/stats`),
    app.inject(`/heaps/${heapId}/layout?limit=1000`),
    app.inject(`/heaps/${heapId}/blocks?limit=1000`)
  ])
  return { stats: stats.json(), layout: layout.json(), blocks: blocks.json() }
}

/** Asserts `response` is the problem+json of `code` with `status`, and answers its body. */
export function expectProblem (t: Test, response: LightMyRequestResponse | { status: number, headers: Record<string, string>, body: unknown, text: string }, status: number, code: string) {
  const statusCode = 'statusCode' in response ? response.statusCode : response.status
  t.equal(statusCode, status, `status ${status} (${code})`)
  t.match(response.headers['content-type'], /^application\/problem\+json/, 'problem+json')
  const body = 'json' in response ? response.json() : response.body
  t.match(body, { type: `https://heapd.dev/problems/${code}`, title: String, status, detail: String, instance: String })
  return body as Record<string, unknown>
}
