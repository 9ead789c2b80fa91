/**
 * A recording heap's history: GET /heaps/:id/trace, in the trace format (docs/traces.md) or, with
 * `Accept: application/json`, as JSON ops. Streamed a slice of ops at a time, so a history of a
 * million ops is never one string in memory; the answer holds the ops recorded when the request
 * came, as a recording only grows between requests.
 */
import { Readable } from 'node:stream'
import { z } from 'zod'
import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { recordingOf, type Recording } from '../../registry/recording.js'
import { formatTraceLine, TRACE_HEADER } from '../../trace/index.js'
import { HeapParams } from '../schemas/common.js'
import { problemResponses } from '../schemas/problem.js'
import { TraceOps } from '../schemas/recording.js'
import type { RouteOptions } from './options.js'

/** Ops per chunk written: large enough to keep the stream's overhead small, small enough to leave the event loop often. */
const OPS_PER_CHUNK = 4096

export const traceRoutes: FastifyPluginAsyncZod<RouteOptions> = async (app, { registry }) => {
  app.get('/heaps/:id/trace', {
    schema: {
      operationId: 'getTrace',
      tags: ['heaps'],
      summary: 'A recording heap\'s history',
      description: 'The allocs, frees and reallocs of a heap created with `record: true`, in order, as a trace: ' +
        'text lines `a <id> <size> [<align>]`, `f <id>`, `r <id> <size>` (docs/traces.md), or JSON ops with ' +
        '`Accept: application/json`. Ids stand for blocks and are never reused; a realloc that moved is a free and an alloc of a new id. ' +
        'A header comment line tells whether the recording is complete (see the heap\'s `recording`). ' +
        'Replay it on every strategy with POST /replays?heap={id}.',
      params: HeapParams,
      response: {
        200: {
          description: 'The history, streamed.',
          content: {
            'text/plain': { schema: z.string().meta({ examples: [`${TRACE_HEADER}\na 0 4096\na 1 64 16\nr 0 8192\nf 1\n`] }) },
            'application/json': { schema: TraceOps }
          }
        },
        ...problemResponses(404)
      }
    }
  }, async (request, reply) => {
    const recording = recordingOf(registry.get(request.params.id, request.tenant))
    const ops = recording.length
    reply.header('vary', 'accept')
    if (prefersJson(request.headers.accept)) return stream(reply, 'application/json; charset=utf-8', jsonChunks(recording, ops))
    const state = recording.complete ? 'complete' : `stopped at HEAPD_MAX_RECORDED_OPS (${recording.maxOps})`
    return stream(reply, 'text/plain; charset=utf-8', textChunks(recording, ops, `${TRACE_HEADER}\n# ${ops} ops, ${state}\n`))
  })
}

/** Sends `chunks` as they are made (the route's schema types only whole bodies). */
function stream (reply: FastifyReply, type: string, chunks: Iterable<string>): FastifyReply {
  return reply.type(type).send(Readable.from(chunks))
}

/**
 * Whether an Accept header ranks application/json above text/plain (RFC 9110 12.5.1: each type
 * takes the q of the most specific range that matches it). Text on a tie, and without the header.
 */
export function prefersJson (accept: string | undefined): boolean {
  if (accept === undefined) return false
  const quality = { 'application/json': -1, 'text/plain': -1 }
  const specificity = { 'application/json': -1, 'text/plain': -1 }
  for (const range of accept.split(',')) {
    const [media = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase())
    const q = parameters.find((parameter) => parameter.startsWith('q='))
    const value = q === undefined ? 1 : Number(q.slice(2))
    if (!Number.isFinite(value)) continue
    for (const type of ['application/json', 'text/plain'] as const) {
      const level = media === type ? 2 : media === `${type.split('/')[0]}/*` ? 1 : media === '*/*' ? 0 : -1
      if (level > specificity[type]) {
        specificity[type] = level
        quality[type] = value
      }
    }
  }
  return quality['application/json'] > 0 && quality['application/json'] > quality['text/plain']
}

/** `ops`: the recording's length when the request came. */
function * textChunks (recording: Recording, ops: number, header: string): Generator<string> {
  yield header
  for (let from = 0; from < ops; from += OPS_PER_CHUNK) {
    let chunk = ''
    for (const op of recording.ops(from, Math.min(ops, from + OPS_PER_CHUNK))) chunk += formatTraceLine(op) + '\n'
    yield chunk
  }
}

function * jsonChunks (recording: Recording, ops: number): Generator<string> {
  yield '['
  for (let from = 0; from < ops; from += OPS_PER_CHUNK) {
    const slice: string[] = []
    for (const op of recording.ops(from, Math.min(ops, from + OPS_PER_CHUNK))) slice.push(JSON.stringify(op))
    yield (from === 0 ? '' : ',') + slice.join(',')
  }
  yield ']'
}
