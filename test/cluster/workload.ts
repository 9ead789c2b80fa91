/**
 * What the cluster tests share: HTTP calls to an instance (or nginx), the in-process model (one
 * heapd app with its heaps in memory) driven with the same requests, answers made comparable
 * (the cluster's heap IDs mapped to the model's, timestamps dropped), and a client that retries a
 * change with the same Idempotency-Key until it gets a final answer.
 */
import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import type { App } from '../../src/http/app.js'
import { build } from '../helpers/build.js'

export interface Answer {
  status: number
  headers: Record<string, string>
  body: any
}

export interface Request {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  path: string
  body?: unknown
  headers?: Record<string, string>
}

/** One request over HTTP; a failed connection rejects. */
export async function call (base: string, request: Request, timeoutMs = 20_000): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers }
  if (request.body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(base + request.path, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    signal: AbortSignal.timeout(timeoutMs)
  })
  const text = await response.text()
  return { status: response.status, headers: Object.fromEntries(response.headers), body: parse(text) }
}

function parse (text: string): unknown {
  if (text === '') return undefined
  try { return JSON.parse(text) } catch { return text }
}

/** The model: one process's answers, heaps in memory. */
export async function startModel (t: Test): Promise<(request: Request) => Promise<Answer>> {
  const app: App = await build(t)
  return async (request) => {
    const response = await app.inject({
      method: request.method,
      url: request.path,
      ...(request.headers !== undefined ? { headers: request.headers } : {}),
      ...(request.body !== undefined ? { payload: request.body as Record<string, unknown> } : {})
    })
    return { status: response.statusCode, headers: response.headers as Record<string, string>, body: parse(response.body) }
  }
}

/** Fields that differ between any two processes by nature: when a heap was created or expires. */
const TIMES = new Set(['createdAt', 'expiresAt'])

/**
 * An answer with every cluster heap ID replaced by the model's (`ids`: cluster -> model), times
 * dropped, and a cursor reduced to whether there is a next page (a heap list's cursor encodes the
 * database's sequence, which need not count like the model's).
 */
export function comparable (answer: Answer, ids: Map<string, string>): { status: number, location?: string, body: unknown } {
  const mapText = (text: string): string => text.replace(/[A-Za-z0-9_-]{20,}/g, (id) => ids.get(id) ?? id)
  const walk = (value: unknown, key?: string): unknown => {
    if (typeof value === 'string') return key === 'nextCursor' ? 'next' : mapText(value)
    if (Array.isArray(value)) return value.map((item) => walk(item))
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).filter(([name]) => !TIMES.has(name)).map(([name, item]) => [name, walk(item, name)]))
    }
    return value
  }
  const location = answer.headers.location
  return { status: answer.status, ...(location !== undefined ? { location: mapText(location) } : {}), body: walk(answer.body) }
}

/** The instance -> model heap ID map kept as heaps are created on both. */
export class HeapIds {
  readonly toModel = new Map<string, string>()
  readonly toCluster = new Map<string, string>()

  /** Records a create's two answers (nothing when either failed). */
  created (cluster: Answer, model: Answer): void {
    if (cluster.status === 201 && model.status === 201) this.add(cluster.body.id, model.body.id)
  }

  add (clusterId: string, modelId: string): void {
    this.toModel.set(clusterId, modelId)
    this.toCluster.set(modelId, clusterId)
  }

  /** A request written with model IDs, as the cluster must receive it. */
  forCluster (request: Request): Request {
    return { ...request, path: request.path.replace(/[A-Za-z0-9_-]{20,}/g, (id) => this.toCluster.get(id) ?? id) }
  }
}

/** Answers a client may retry with the same key: the change may or may not have been applied, or was refused for now. */
export function isRetryable (answer: Answer): boolean {
  return answer.status === 502 || answer.status === 503 || answer.status === 504 ||
    (answer.status === 409 && answer.body?.type === 'https://heapd.dev/problems/idempotency-key-in-flight')
}

export interface Attempt {
  base: string
  answer?: Answer
  error?: Error
}

export interface KeyedOptions {
  /** Where each attempt goes (may change between attempts, e.g. after a failover). */
  target: () => string
  /** Give up after this long (a test failure). */
  deadlineMs?: number
  /** Called with each attempt, final or not. */
  onAttempt?: (attempt: Attempt) => void
}

/**
 * A change sent with an Idempotency-Key and sent again, with the same key and body, on a broken
 * connection, a timeout, a 502/503/504 or an idempotency-key-in-flight, until a final answer.
 */
export async function sendKeyed (request: Request, options: KeyedOptions): Promise<Answer> {
  const key = randomUUID()
  const until = Date.now() + (options.deadlineMs ?? 30_000)
  for (let attempt = 0; ; attempt++) {
    const base = options.target()
    let answer: Answer | undefined
    try {
      answer = await call(base, { ...request, headers: { ...request.headers, 'idempotency-key': key } }, 5_000)
      options.onAttempt?.({ base, answer })
      if (!isRetryable(answer)) return answer
    } catch (error) {
      options.onAttempt?.({ base, error: error as Error })
    }
    if (Date.now() > until) throw new Error(`${request.method} ${request.path}: no final answer in time (last: ${answer?.status ?? 'no connection'})`)
    const retryAfter = Number(answer?.headers['retry-after'] ?? 0)
    await sleep(Math.min(1000, retryAfter > 0 ? 200 : 50 * 2 ** Math.min(attempt, 3)))
  }
}

export async function sleep (ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** Everything an instance shows of a heap's contents: its layout and its blocks, every page. */
export async function contents (base: string, heapId: string): Promise<{ layout: unknown[], blocks: unknown[] }> {
  const all = async (path: string): Promise<unknown[]> => {
    const items: unknown[] = []
    let cursor: string | null = null
    do {
      const answer = await call(base, { method: 'GET', path: `${path}?limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}` })
      if (answer.status !== 200) throw new Error(`GET ${path} from ${base}: ${answer.status} ${JSON.stringify(answer.body)}`)
      items.push(...answer.body.items)
      cursor = answer.body.nextCursor
    } while (cursor !== null)
    return items
  }
  return { layout: await all(`/heaps/${heapId}/layout`), blocks: await all(`/heaps/${heapId}/blocks`) }
}
