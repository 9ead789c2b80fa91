/**
 * fast-check arbitraries for HTTP requests against every heapd route (DESIGN.md): methods, paths
 * filled with real and bogus heap IDs and pointers, query strings, headers and bodies, mostly
 * valid-shaped with one or more fields mutated so requests get past the router into validation
 * and the handlers. Requests are symbolic (a fixture heap by index, a live block by index) so a
 * counterexample replays and shrinks against a freshly built fixture; `resolveRequest` turns one
 * into app.inject options against the heaps and blocks that exist at that moment.
 */
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'

/** A heap in the path: one of the fixture heaps, or literal text put into the path as is. */
export type HeapRef = { fixture: number } | { text: string }

/** A pointer in the path or a body: a live block's start, a byte inside it, or literal text/value. */
export type PtrRef = { live: number, plus: number } | { text: string }

/** In a JSON body, stands for a live block's pointer (plus `plus`) on the request's heap. */
export interface LivePtr { $live: number, plus: number }

export type BodySpec = { json: unknown } | { raw: string } | { bytes: number[] } | null

export interface FuzzRequest {
  method: string
  /** A path template: `{id}` and `{ptr}` are replaced when the request is resolved. */
  path: string
  heap: HeapRef
  ptr: PtrRef
  /** Appended to the path as is: a trailing slash, `/..`, junk segments. */
  suffix: string
  query: string
  /** Content-Type; undefined sends none. */
  contentType: string | undefined
  /** Authorization: one of the configured API keys (by index), literal text, or none. */
  auth: { key: number } | { text: string } | null
  headers: Record<string, string>
  body: BodySpec
}

/** What `resolveRequest` needs to know about the current state. */
export interface ResolveContext {
  heapIds: readonly string[]
  /** The configured API keys; empty in an open service. */
  apiKeys: readonly string[]
  /** Live block pointers of each fixture heap, in address order. */
  livePtrs: (heapIndex: number) => readonly number[]
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER
/** Largest batch of the "big batch" case: over the tight quota, under the default one. */
const BIG_BATCH = 2000

// ---------------------------------------------------------------------------------------------
// Scalars

/**
 * Any code point but a lone surrogate, drawn as fast-check's 'binary' string unit draws them (a
 * nat mapped onto the code points). Given that unit by name, fc.string first builds a reverse map
 * of all 1.1 M code points: about a second of CPU in every process that loads this file.
 */
const anyCodePoint: fc.Arbitrary<string> = fc.nat({ max: 0x10ffff - 0x800 })
  .map((n) => String.fromCodePoint(n < 0xd800 ? n : n + 0x800))

/** Numbers a careless or hostile client sends where an integer is expected. */
export const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -1, -0, 0.5, 1.5, 1e-7, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, MAX_SAFE, -MAX_SAFE, 2 ** 30 + 1, 3),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 })
)

const numericStrings = ['10', '', ' ', '0', '-1', '1.5', '1e3', '0x10', ' 1', '+1', '01', 'NaN', 'Infinity', '-Infinity', '-0',
  '9007199254740991', '9007199254740992', '99999999999999999999', 'null', 'true', 'undefined', '١٢', '１']

export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...numericStrings),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: anyCodePoint, maxLength: 8 }),
  fc.constantFrom('x'.repeat(129), 'first-fit ', 'FIRST-FIT', 'worst-fit', '__proto__', 'constructor')
)

/** Any JSON value that is wrong where a specific field is expected. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: weirdNumber },
  { weight: 3, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1], { size: 1 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) }
)

/** Usually `valid`, sometimes a mutation of it. */
function mostly<T> (valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 10, arbitrary: valid }, { weight: 1, arbitrary: weirdValue })
}

const smallSize = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 600 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }) },
  { weight: 1, arbitrary: fc.constantFrom(1, 2 ** 40, 2 ** 52, MAX_SAFE) }
)
const align = fc.constantFrom(1, 2, 8, 16, 64, 4096, 2 ** 30)
const tag = fc.oneof(fc.constantFrom('a', 'texture', 'é', '🧱'), fc.string({ minLength: 1, maxLength: 10 }))

// ---------------------------------------------------------------------------------------------
// Bodies

/** A record: required keys mostly present, optional keys sometimes; now and then unknown keys too. */
function shaped (fields: Record<string, fc.Arbitrary<unknown>>, required: string[]): fc.Arbitrary<Record<string, unknown>> {
  const base = fc.oneof(
    { weight: 6, arbitrary: fc.record(fields, { requiredKeys: required }) },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) }
  ) as fc.Arbitrary<Record<string, unknown>>
  const extra = fc.dictionary(fc.constantFrom('extra', 'sizes', 'op', 'ptr', 'id', 'Size', ''), weirdValue, { maxKeys: 2 })
  return fc.tuple(base, fc.oneof({ weight: 12, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extra }))
    .map(([record, unknown]) => dropUndefined({ ...unknown, ...record }))
}

function dropUndefined (record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))
}

const livePtr: fc.Arbitrary<LivePtr> = fc.record({ $live: fc.nat(20), plus: fc.constantFrom(0, 0, 0, 1, -1) })
const ptrValue = fc.oneof({ weight: 5, arbitrary: livePtr }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 5000 }) }, { weight: 1, arbitrary: weirdValue })

export const createHeapBody = shaped({
  size: mostly(fc.oneof(fc.integer({ min: 1, max: 1 << 20 }), fc.constantFrom(1, 2 ** 40, MAX_SAFE))),
  strategy: mostly(fc.constantFrom('first-fit', 'best-fit', 'tlsf')),
  alignment: mostly(align),
  name: mostly(fc.string({ minLength: 1, maxLength: 20 }))
}, ['size'])

export const allocBody = shaped({ size: mostly(smallSize), align: mostly(align), tag: mostly(tag) }, ['size'])

export const reallocBody = shaped({ size: mostly(smallSize) }, ['size'])

const batchOp: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: shaped({ op: mostly(fc.constant('alloc')), size: mostly(smallSize), align: mostly(align), tag: mostly(tag) }, ['op', 'size']) },
  { weight: 6, arbitrary: shaped({ op: mostly(fc.constant('free')), ptr: ptrValue }, ['op', 'ptr']) },
  { weight: 6, arbitrary: shaped({ op: mostly(fc.constant('realloc')), ptr: ptrValue, size: mostly(smallSize) }, ['op', 'ptr', 'size']) },
  { weight: 1, arbitrary: weirdValue }
)

function batchBody (bigBatch: number): fc.Arbitrary<unknown> {
  const big = fc.tuple(batchOp, fc.integer({ min: 17, max: bigBatch })).map(([op, n]) => Array.from({ length: n }, () => op))
  return shaped({
    ops: fc.oneof({ weight: 8, arbitrary: fc.array(batchOp, { maxLength: 6 }) }, { weight: 1, arbitrary: big }, { weight: 1, arbitrary: weirdValue }),
    atomic: mostly(fc.boolean())
  }, ['ops'])
}

/** Bodies no well-behaved client sends: broken JSON, odd number literals, deep nesting, prototype keys. */
export const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '', '{', '}', '{"size":}', "{'size':1}", 'size=1', '[]', 'null', '""', '0', 'true', '{"size":1,}', '{"size":1}{"size":2}',
    '{"size":NaN}', '{"size":Infinity}', '{"size":-0}', '{"size":1e309}', '{"size":-1e309}', '{"size":1.0}', '{"size":10E0}',
    '{"size":9007199254740993}', '{"size":0.1e1}', '{"size":1,"size":"2"}', '{"__proto__":{"size":1}}', '{"size":4,"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"size":1}}}', '\ufeff{"size":1}', '{"size":1}\u0000', '{"ops":[{"op":"alloc","size":1,"__proto__":null}]}',
    '{"ops":"[]"}', '{"ops":{"0":{"op":"alloc","size":1},"length":1}}', '{"size":"\\ud800"}', ' ', '\n\t{"size" : 16 }\n'
  ),
  fc.nat({ max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.nat({ max: 20_000 }).map((n) => '{"a":'.repeat(n) + '1' + '}'.repeat(n)),
  fc.nat({ max: 20_000 }).map((n) => `{"size":${'['.repeat(n)}1${']'.repeat(n)}}`),
  fc.nat({ max: 5_000 }).map((n) => `{"ops":[${'{"op":"free","ptr":0},'.repeat(n)}{}]}`),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: anyCodePoint, maxLength: 40 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null')
)

// ---------------------------------------------------------------------------------------------
// Paths, queries, headers

/** Heap ID text that is not a fixture heap: well-formed unknown IDs, and junk. */
function heapText (): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('AAAAAAAAAAAAAAAAAAAAAA', '3q2-7wAAAAD8tYc0QmH1Kg', '', ' ', '..', '.', '%2F', '%2e%2e', '%00', 'null', '-1', '0',
      '%20', 'heaps', '%F0%9F%A7%B1', '%25', 'a%2Fb', '~', '*', '%3F', '%23', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(100)),
    fc.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    fc.string({ maxLength: 30 }).map(encodeURIComponent),
    fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
    // Malformed percent-encoding, and IDs over Fastify's maxParamLength (100): found by this fuzz (F1, F2).
    fc.constantFrom('%zz', '%', '%E0%A4%A', 'a%', '%u0041', '%C0%AF'),
    fc.integer({ min: 101, max: 10_000 }).map((n) => 'x'.repeat(n))
  )
}

function ptrText (): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(...numericStrings.map(encodeURIComponent), '%31', '%2B1', '1%2E5', '..', '%2e%2e', 'x'.repeat(100)),
    fc.integer({ min: 0, max: 5000 }).map(String),
    fc.integer({ min: -MAX_SAFE, max: MAX_SAFE }).map(String),
    fc.double({ noNaN: true }).map((d) => encodeURIComponent(String(d))),
    fc.string({ unit: 'grapheme', maxLength: 6 }).map(encodeURIComponent),
    fc.constantFrom('%zz', '1%', '%G1'),
    fc.integer({ min: 101, max: 2000 }).map((n) => '1'.repeat(n))
  )
}

function heapRef (): fc.Arbitrary<HeapRef> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.record({ fixture: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.record({ text: heapText() }) }
  )
}

function ptrRef (): fc.Arbitrary<PtrRef> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ live: fc.nat(20), plus: fc.constantFrom(0, 0, 0, 1, -1) }) },
    { weight: 2, arbitrary: fc.record({ text: ptrText() }) }
  )
}

const cursorOf = (n: number) => Buffer.from(String(n), 'latin1').toString('base64url')

const queryValue: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 0, max: 2000 }).map(String),
  fc.constantFrom(...numericStrings, '1000', '1001', '65536', '65537', 'MA', 'MQ', 'LTE', 'MS41', '%'),
  fc.integer({ min: -MAX_SAFE, max: MAX_SAFE }).map(String),
  fc.nat().map(cursorOf),
  fc.string({ maxLength: 10 }),
  fc.string({ unit: 'grapheme', maxLength: 6 })
)

const queryKey = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('limit', 'cursor', 'buckets', 'from', 'to') },
  { weight: 1, arbitrary: fc.constantFrom('x', '', 'limit[]', 'limit[0]', '__proto__', 'constructor', 'hasOwnProperty', 'LIMIT') }
)

export const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 6,
    arbitrary: fc.array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 4 })
      .map((pairs) => '?' + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'))
  },
  { weight: 1, arbitrary: fc.constantFrom('?', '?&', '?limit', '?limit=', '?=1', '?limit=1&limit=2', '?a=%zz', '?%', '?limit=%31', '?buckets=4&buckets=8', '?limit=1;cursor=x', '?limit=1#frag') }
)

const contentTypes = [
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json;',
  'text/plain', 'text/json', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/problem+json',
  'application/merge-patch+json', 'application/jsonx', 'application/octet-stream', '', 'json', '*/*', 'application/json, text/plain'
]

/** Mostly a configured key (in an open service: none), sometimes junk or nothing. */
export const authArb: fc.Arbitrary<FuzzRequest['auth']> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ key: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.constant(null) },
  {
    weight: 1,
    arbitrary: fc.record({
      text: fc.oneof(
        fc.constantFrom('Bearer ', 'Bearer x', 'Basic dXNlcjpwYXNz', 'Bearer  key-aaaaaaaa', 'Bearer key-aaaaaaa', 'Bearer key-aaaaaaaaa',
          'Bearer ' + 'k'.repeat(500), '', 'Bearer key-aaaaaaaa, Bearer key-bbbbbbbb', 'Token key-aaaaaaaa'),
        fc.stringMatching(/^[\x20-\x7e]{0,40}$/)
      )
    })
  }
)

/** Mostly JSON, as a client sending a body does; sometimes none or something else. */
export const contentTypeArb: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 16, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom(...contentTypes) }
)

/** Other headers, each present now and then (a Content-Type here matters for requests without a body). */
export const headersArb: fc.Arbitrary<Record<string, string>> = fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, {
  weight: 1,
  arbitrary: fc.record({
    'x-request-id': fc.oneof(fc.constantFrom('abc', '', 'a'.repeat(200), '../..', 'id with spaces', 'ü'), fc.stringMatching(/^[\x20-\x7e]{0,40}$/)),
    accept: fc.constantFrom('application/xml', '*/*', 'text/html', 'application/problem+json', ''),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br', 'x'),
    'content-type': fc.constantFrom('application/json', 'text/plain')
  }, { requiredKeys: [] })
})

// ---------------------------------------------------------------------------------------------
// Whole requests

type BodyKind = 'heap' | 'alloc' | 'realloc' | 'batch' | 'none'

/** The routes (weight 4), a few that do not exist (weight 1): the usual method, the path template, the body it reads. */
const ROUTES: Array<{ method: string, path: string, body: BodyKind, weight?: number }> = [
  { method: 'POST', path: '/heaps', body: 'heap' },
  { method: 'GET', path: '/heaps', body: 'none' },
  { method: 'GET', path: '/heaps/{id}', body: 'none' },
  { method: 'DELETE', path: '/heaps/{id}', body: 'none' },
  { method: 'POST', path: '/heaps/{id}/alloc', body: 'alloc' },
  { method: 'GET', path: '/heaps/{id}/blocks', body: 'none' },
  { method: 'GET', path: '/heaps/{id}/blocks/{ptr}', body: 'none' },
  { method: 'PATCH', path: '/heaps/{id}/blocks/{ptr}', body: 'realloc' },
  { method: 'DELETE', path: '/heaps/{id}/blocks/{ptr}', body: 'none' },
  { method: 'POST', path: '/heaps/{id}/batch', body: 'batch' },
  { method: 'GET', path: '/heaps/{id}/stats', body: 'none' },
  { method: 'GET', path: '/heaps/{id}/layout', body: 'none' },
  { method: 'POST', path: '/heaps/{id}/reset', body: 'none' },
  { method: 'GET', path: '/healthz', body: 'none', weight: 1 },
  { method: 'GET', path: '/readyz', body: 'none', weight: 1 },
  { method: 'GET', path: '/docs/json', body: 'none', weight: 1 },
  { method: 'GET', path: '/metrics', body: 'none', weight: 1 },
  { method: 'GET', path: '/', body: 'none', weight: 1 },
  { method: 'GET', path: '/heaps/{id}/{ptr}', body: 'none', weight: 1 },
  { method: 'POST', path: '/heaps/{id}/blocks', body: 'alloc', weight: 1 },
  { method: 'PUT', path: '/heaps/{id}/blocks/{ptr}', body: 'realloc', weight: 1 }
]

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'SEARCH', 'PURGE', 'LOCK', 'COPY']

const suffix = fc.oneof(
  { weight: 20, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('/', '//', '/..', '/../..', '/.', '/x', '/%2e%2e', '/alloc', '/blocks/0', '/stats/', '/%20') }
)

function bodyFor (kind: BodyKind): fc.Arbitrary<BodySpec> {
  const json = (arbitrary: fc.Arbitrary<unknown>) => arbitrary.map((value): BodySpec => ({ json: value }))
  const wrongShape = fc.oneof(createHeapBody, allocBody, reallocBody, batchBody(32), weirdValue)
  const broken = fc.oneof(
    { weight: 4, arbitrary: rawBody.map((raw): BodySpec => ({ raw })) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 16 }).map((bytes): BodySpec => ({ bytes })) }
  )
  const right = kind === 'heap'
    ? createHeapBody
    : kind === 'alloc' ? allocBody : kind === 'realloc' ? reallocBody : kind === 'batch' ? batchBody(BIG_BATCH) : undefined
  if (right === undefined) {
    return fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: json(wrongShape) }, { weight: 1, arbitrary: broken })
  }
  return fc.oneof({ weight: 12, arbitrary: json(right) }, { weight: 2, arbitrary: broken }, { weight: 1, arbitrary: json(wrongShape) },
    { weight: 1, arbitrary: fc.constant(null) })
}

/** One arbitrary request: mostly a real route with its usual method, then mutated. */
export function requestArbitrary (): fc.Arbitrary<FuzzRequest> {
  const heap = heapRef()
  const ptr = ptrRef()
  const method = (usual: string) => fc.oneof({ weight: 12, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) })
  const oddPath = fc.constantFrom(...ODD_PATHS)
  const path = (usual: string) => fc.oneof({ weight: 20, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: oddPath })
  const bodies = new Map<BodyKind, fc.Arbitrary<BodySpec>>()
  for (const kind of ['heap', 'alloc', 'realloc', 'batch', 'none'] as const) bodies.set(kind, bodyFor(kind))
  return fc.oneof(...ROUTES.map((r) => ({
    weight: r.weight ?? 4,
    arbitrary: fc.record({
      method: method(r.method),
      path: path(r.path),
      heap,
      ptr,
      suffix,
      query: queryString,
      contentType: contentTypeArb,
      auth: authArb,
      headers: headersArb,
      body: bodies.get(r.body)!
    })
  })))
}

// '/docs/static' with '//' or '%00' once answered a type outside the catalogue (F3).
const ODD_PATHS = ['/heaps/{id}/blocks/{ptr}/{ptr}', '/{id}', '/docs', '/docs/', '//heaps', '/HEAPS', '/heaps/{id}/layout/{ptr}', '/docs/x/{id}',
  '/docs/static/index.html', '/docs/static/{id}']

// ---------------------------------------------------------------------------------------------
// Resolution against the current state

function pickPtr (ctx: ResolveContext, heapIndex: number, live: number, plus: number): number {
  const ptrs = ctx.livePtrs(heapIndex)
  const ptr = ptrs.length === 0 ? 0 : ptrs[live % ptrs.length]!
  return ptr + plus
}

function heapIndexOf (request: FuzzRequest, ctx: ResolveContext): number {
  return 'fixture' in request.heap ? request.heap.fixture % Math.max(1, ctx.heapIds.length) : 0
}

/** Replaces every LivePtr in a JSON value by a pointer on heap `heapIndex`. */
function resolveBody (value: unknown, ctx: ResolveContext, heapIndex: number): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveBody(item, ctx, heapIndex))
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>
    if (typeof record.$live === 'number' && typeof record.plus === 'number' && Object.keys(record).length === 2) {
      return pickPtr(ctx, heapIndex, record.$live, record.plus)
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolveBody(v, ctx, heapIndex)]))
  }
  return value
}

/** The Authorization header of `request`, if it sends one. */
export function authorizationOf (request: FuzzRequest, ctx: Pick<ResolveContext, 'apiKeys'>): string | undefined {
  if (request.auth === null) return undefined
  if ('text' in request.auth) return request.auth.text
  const key = ctx.apiKeys[request.auth.key % Math.max(1, ctx.apiKeys.length)]
  return key === undefined ? undefined : `Bearer ${key}`
}

export function resolveRequest (request: FuzzRequest, ctx: ResolveContext): InjectOptions {
  const heapIndex = heapIndexOf(request, ctx)
  const id = 'fixture' in request.heap ? (ctx.heapIds[heapIndex] ?? 'none') : request.heap.text
  const ptr = 'live' in request.ptr ? String(pickPtr(ctx, heapIndex, request.ptr.live, request.ptr.plus)) : request.ptr.text
  const path = request.path.replaceAll('{id}', id).replaceAll('{ptr}', ptr) + request.suffix
  const options: InjectOptions = {
    method: request.method as InjectOptions['method'],
    url: path + request.query,
    headers: { ...request.headers }
  }
  const authorization = authorizationOf(request, ctx)
  if (authorization !== undefined) options.headers = { ...options.headers, authorization }
  const body = request.body
  // Without a body, only the rare Content-Type of `headers` is sent.
  if (request.contentType !== undefined && body !== null) {
    options.headers = { ...options.headers, 'content-type': request.contentType }
  }
  if (body === null) return options
  if ('json' in body) options.payload = JSON.stringify(resolveBody(body.json, ctx, heapIndex)) ?? 'null'
  else if ('raw' in body) options.payload = body.raw
  else options.payload = Buffer.from(body.bytes)
  return options
}
