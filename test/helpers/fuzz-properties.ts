/**
 * The HTTP fuzz properties, shared by test/fuzz/http-fuzz.test.ts (npm test) and scripts/fuzz.ts
 * (npm run fuzz). For every request: (a) no status >= 500; (b) every status >= 400 is
 * application/problem+json with type/title/status/detail, `status` equal to the HTTP status and
 * `type` ending in a DESIGN.md catalogue code whose status it carries; (c) a rejected request
 * (>= 400) changes nothing, and neither does a GET or HEAD: heap list, stats, segments, blocks;
 * (d) a success from /heaps* other than 204 or HEAD is parseable application/json, and a 201's
 * Location names a resource that now exists; (e) with API keys: no /heaps* success without a valid
 * key, no success on another tenant's heap, a heap list shows only the caller's heaps, and a
 * request never changes another tenant's heaps.
 * Each run rebuilds the fixture, then sends a short sequence of requests, so a failure replays
 * and shrinks from a known state.
 */
import assert from 'node:assert/strict'
import fc from 'fast-check'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import type { App } from '../../src/http/app.js'
import type { ApiKey } from '../../src/config.js'
import { authorizationOf, requestArbitrary, resolveRequest, type FuzzRequest } from './fuzz-requests.js'
import { assertUnchanged, livePtrs, resetFixture, snapshot, type FixtureHeapRef, type Snapshot } from './fuzz-state.js'

/**
 * DESIGN.md's error catalogue: code -> status, its 4xx codes. The 5xx ones (internal-error, and
 * not-ready and overloaded, which DESIGN.md leaves to the README) are absent on purpose: the fuzzers
 * run with load shedding off and never during shutdown, so any 5xx fails property (a).
 */
export const CATALOGUE: Readonly<Record<string, number>> = {
  'validation-error': 400,
  unauthorized: 401,
  'exceeds-heap-size': 400,
  'heap-not-found': 404,
  'block-not-found': 404,
  'out-of-memory': 409,
  'quota-exceeded': 429,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'not-found': 404,
  'request-timeout': 408,
  'uri-too-long': 414,
  'headers-too-large': 431
}

/** What a fuzz session did: requests sent, by status and by problem type. */
export class FuzzTally {
  requests = 0
  runs = 0
  readonly byStatus = new Map<number, number>()
  readonly byProblem = new Map<string, number>()

  count (status: number, problemCode?: string): void {
    this.requests++
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1)
    if (problemCode !== undefined) this.byProblem.set(problemCode, (this.byProblem.get(problemCode) ?? 0) + 1)
  }

  summary (): string {
    const statuses = [...this.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ')
    const problems = [...this.byProblem].sort(([, a], [, b]) => b - a).map(([c, n]) => `${c}:${n}`).join(' ')
    return `${this.requests} requests in ${this.runs} runs; statuses ${statuses}; problems ${problems}`
  }
}

function describe (options: InjectOptions, response: LightMyRequestResponse): string {
  const payload = options.payload === undefined ? '' : ` payload ${JSON.stringify(String(options.payload).slice(0, 300))}`
  return `${String(options.method)} ${String(options.url).slice(0, 300)} headers ${JSON.stringify(options.headers)}${payload}` +
    ` -> ${response.statusCode} ${String(response.headers['content-type'])} ${response.body.slice(0, 300)}`
}

/** Asserts (a) and (b) for one response; answers the problem code when it is an error. */
export function checkResponse (options: InjectOptions, response: LightMyRequestResponse): string | undefined {
  const status = response.statusCode
  const what = describe(options, response)
  assert.ok(status < 500, `(a) status ${status}: ${what}`)
  if (status < 400) return undefined
  assert.match(String(response.headers['content-type']), /^application\/problem\+json(;|$)/, `(b) not problem+json: ${what}`)
  if (options.method === 'HEAD') return 'head'
  let body: Record<string, unknown>
  try {
    body = JSON.parse(response.body) as Record<string, unknown>
  } catch {
    assert.fail(`(b) body is not JSON: ${what}`)
  }
  assert.equal(typeof body.title, 'string', `(b) title: ${what}`)
  assert.equal(typeof body.detail, 'string', `(b) detail: ${what}`)
  assert.equal(body.status, status, `(b) body status: ${what}`)
  assert.equal(typeof body.type, 'string', `(b) type: ${what}`)
  const code = Object.keys(CATALOGUE).find((c) => (body.type as string).endsWith('/' + c))
  assert.ok(code !== undefined, `(b) type ${String(body.type)} is not in the catalogue: ${what}`)
  assert.equal(CATALOGUE[code], status, `(b) ${code} must be ${CATALOGUE[code]}: ${what}`)
  return code
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

/** (d) for one response. */
async function checkSuccess (app: App, options: InjectOptions, response: LightMyRequestResponse): Promise<void> {
  const status = response.statusCode
  // The URL as served: light-my-request resolves '..' segments, so '/heaps/../..' is the UI's '/'.
  const served = response.raw.req.url ?? ''
  if (status >= 300 || status === 204 || options.method === 'HEAD' || !served.startsWith('/heaps')) return
  const what = describe(options, response)
  assert.match(String(response.headers['content-type']), /^application\/json(;|$)/, `(d) not JSON: ${what}`)
  assert.doesNotThrow(() => JSON.parse(response.body), `(d) body is not JSON: ${what}`)
  if (status !== 201) return
  const location = response.headers.location
  assert.equal(typeof location, 'string', `(d) 201 without Location: ${what}`)
  const authorization = options.headers?.authorization
  const target = await app.inject({ url: String(location), ...(authorization !== undefined ? { headers: { authorization } } : {}) })
  assert.equal(target.statusCode, 200, `(d) Location ${String(location)} answers ${target.statusCode}: ${what}`)
}

/** (e) for one response, in a service with API keys. */
function checkTenancy (
  request: FuzzRequest, options: InjectOptions, response: LightMyRequestResponse, apiKeys: readonly ApiKey[],
  fixture: readonly FixtureHeapRef[], before: Snapshot, after: Snapshot
): void {
  const served = response.raw.req.url ?? ''
  if (!served.startsWith('/heaps')) return
  const what = describe(options, response)
  const authorization = authorizationOf(request, { apiKeys: apiKeys.map((k) => k.key) })
  // RFC 7235/6750: the scheme is case-insensitive and one or more spaces separate it from the token.
  const token = /^bearer +([\w\-.~+/]+=*) *$/i.exec(authorization ?? '')?.[1]
  const tenant = apiKeys.find((k) => token === k.key)?.tenant
  const ok = response.statusCode < 400
  if (tenant === undefined) {
    assert.ok(!ok, `(e) success without a valid API key: ${what}`)
    return
  }
  for (const heap of fixture) {
    const other = heap.tenant !== tenant && (served === `/heaps/${heap.id}` || served.startsWith(`/heaps/${heap.id}/`) || served.startsWith(`/heaps/${heap.id}?`))
    assert.ok(!(ok && other), `(e) tenant ${tenant} reached tenant ${String(heap.tenant)}'s heap: ${what}`)
  }
  if (ok && options.method === 'GET' && /^\/heaps(\?|$)/.test(served)) {
    for (const item of (response.json() as { items: Array<{ id: string }> }).items) {
      assert.equal(before.get(item.id)?.description.tenant, tenant, `(e) tenant ${tenant} listed ${item.id}: ${what}`)
    }
  }
  const others = (snapshot: Snapshot) => new Map([...snapshot].filter(([, heap]) => heap.description.tenant !== tenant))
  assertUnchanged(others(before), others(after), false, `(e) tenant ${tenant} changed another tenant's heaps: ${what}`)
}

/** Sends `requests` from a fresh fixture, checking (a) to (e) after each. */
export async function runSequence (app: App, requests: readonly FuzzRequest[], tally: FuzzTally, apiKeys: readonly ApiKey[] = []): Promise<void> {
  tally.runs++
  const tenants = [...new Set(apiKeys.map((k) => k.tenant))]
  const fixture = resetFixture(app, tenants)
  const heapIds = fixture.map((heap) => heap.id)
  const keys = apiKeys.map((k) => k.key)
  let before = snapshot(app)
  for (const request of requests) {
    const state = before
    const options = resolveRequest(request, { heapIds, apiKeys: keys, livePtrs: (i) => livePtrs(state, heapIds[i]) })
    const response = await app.inject(options)
    const code = checkResponse(options, response)
    tally.count(response.statusCode, code)
    await checkSuccess(app, options, response)
    const after = snapshot(app)
    if (response.statusCode >= 400 || SAFE_METHODS.has(request.method)) {
      const outOfMemory = code === 'out-of-memory' && (response.json() as { index?: unknown }).index === undefined
      assertUnchanged(before, after, outOfMemory, `(c) ${describe(options, response)}`)
    }
    if (apiKeys.length > 0) checkTenancy(request, options, response, apiKeys, fixture, before, after)
    before = after
  }
}

export const REQUESTS_PER_RUN = { min: 5, max: 6 }

export function fuzzProperty (app: App, tally: FuzzTally, apiKeys: readonly ApiKey[] = []) {
  return fc.asyncProperty(
    fc.array(requestArbitrary(), { minLength: REQUESTS_PER_RUN.min, maxLength: REQUESTS_PER_RUN.max }),
    (requests) => runSequence(app, requests, tally, apiKeys)
  )
}

/** fast-check parameters for at least `requests` requests (runs of 5 or 6 requests each). */
export function fuzzParameters (run: { requests: number, seed?: number }): fc.Parameters<[FuzzRequest[]]> {
  return {
    numRuns: Math.ceil(run.requests / REQUESTS_PER_RUN.min),
    ...(run.seed !== undefined ? { seed: run.seed } : {})
  }
}
