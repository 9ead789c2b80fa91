/**
 * POST /replays: a trace (a text/plain body, a JSON body, or ?heap= a recording heap's history)
 * replayed on each strategy, on a worker thread of the replay pool (registry/replays.ts), so the
 * event loop only reads the body. This route has a body limit of its own (HEAPD_REPLAY_BODY_LIMIT),
 * takes text/plain (which the app refuses elsewhere) and gzip bodies, undone off the event loop by
 * zlib's thread pool.
 */
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { recordingOf } from '../../registry/recording.js'
import { ReplayLimitError, ReplayPool, traceOfRecording } from '../../registry/replays.js'
import type { ReplaySource } from '../../registry/replays.js'
import type { ReplayOptions } from '../../trace/index.js'
import { ProblemError } from '../problems.js'
import { problemResponses, success } from '../schemas/problem.js'
import { ReplayBody, ReplayQuery, ReplayResponse } from '../schemas/replay.js'
import type { RouteOptions } from './options.js'

const gunzipAsync = promisify(gunzip)

export interface ReplayRouteOptions extends RouteOptions {
  /** The pool replays run on; one sized by the config is made (and closed with the app) when omitted. */
  pool?: ReplayPool
}

export const replayRoutes: FastifyPluginAsyncZod<ReplayRouteOptions> = async (app, { registry, config, pool }) => {
  const limits = config.limits
  const replays = pool ?? new ReplayPool({ maxConcurrent: limits.maxConcurrentReplays, maxOps: limits.maxReplayOps })
  if (pool === undefined) app.addHook('onClose', async () => { await replays.close() })

  // In this plugin only: text/plain bodies, and JSON read as bytes first so that gzip can be undone.
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (request, body, done) => {
    decoded(request, body as Buffer, limits.replayBodyLimit).then((text) => done(null, text), (err: Error) => done(err, undefined))
  })
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    decoded(request, body as Buffer, limits.replayBodyLimit).then((text) => parseJson(request, text, done), (err: Error) => done(err, undefined))
  })

  app.post('/replays', {
    bodyLimit: limits.replayBodyLimit,
    schema: {
      operationId: 'replayTrace',
      tags: ['replays'],
      summary: 'Replay a trace on every strategy',
      description: 'What if: the trace (text/plain in the trace format, JSON `{trace, strategies?, size?, alignment?}`, or `?heap=` a recording heap\'s own history) ' +
        'replayed on first-fit, best-fit and tlsf, each with its peak footprint, overhead, failures on a heap of `size`, fragmentation and speed, ' +
        'against the floor (peak live bytes, and an offline placement that knows every lifetime), with a series of at most about 500 samples to plot. ' +
        `Bodies up to HEAPD_REPLAY_BODY_LIMIT (${limits.replayBodyLimit} bytes, after gzip is undone; Content-Encoding: gzip accepted), ` +
        `traces up to HEAPD_MAX_REPLAY_OPS (${limits.maxReplayOps}) ops; at most HEAPD_MAX_CONCURRENT_REPLAYS (${limits.maxConcurrentReplays}) replays run at once (429 too-many-replays beyond). ` +
        'A trace that breaks a rule answers 400 invalid-trace naming its `line` (text) or `index` (JSON ops). docs/traces.md defines every field.',
      consumes: ['application/json', 'text/plain'],
      querystring: ReplayQuery,
      body: ReplayBody,
      response: {
        200: success('Each strategy\'s costs on the trace, against the floor.', ReplayResponse),
        ...problemResponses(400, 404, 413, 415)
      }
    }
  }, async (request) => {
    const { heap, ...queryOptions } = request.query
    const body = request.body
    let options: ReplayOptions = definedOf(queryOptions)
    let source: ReplaySource | undefined
    if (typeof body === 'string') {
      source = { text: body }
    } else if (body !== null && body !== undefined) {
      const { trace, ...bodyOptions } = body
      const given = definedOf(bodyOptions)
      const twice = Object.keys(given).filter((key) => key in options)
      if (twice.length > 0) throw invalid('body', `/${twice[0]!}`, `${twice[0]!} is given both in the query and in the body: give it once`)
      options = { ...options, ...given }
      if (trace !== undefined) source = typeof trace === 'string' ? { text: trace } : { ops: trace }
    }
    if (heap !== undefined) {
      if (source !== undefined) throw invalid('querystring', '/heap', 'heap names a recording to replay, and the body holds a trace too: give one of them')
      // Refused before a long recording is read, when no worker could take it anyway.
      if (replays.running >= replays.maxConcurrent) throw new ReplayLimitError(replays.maxConcurrent)
      source = { trace: await traceOfRecording(recordingOf(registry.get(heap, request.tenant)), limits.maxReplayOps) }
    }
    if (source === undefined) {
      throw invalid('body', '', 'the body must hold a trace (text/plain, or JSON with a trace field), or the query must name a recording heap (?heap=)')
    }
    return await replays.run(source, options)
  })
}

/** The options that were given (the schema types them optional). */
function definedOf (options: ReplayOptions): ReplayOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
}

function invalid (where: 'body' | 'querystring', path: string, message: string): ProblemError {
  return new ProblemError('validation-error', message, { issues: [{ in: where, path, message }] })
}

/** The body as text, gunzipped when Content-Encoding says gzip (at most `limit` bytes once undone). */
async function decoded (request: FastifyRequest, body: Buffer, limit: number): Promise<string> {
  const encoding = request.headers['content-encoding']?.trim().toLowerCase()
  if (encoding === undefined || encoding === '' || encoding === 'identity') return body.toString('utf8')
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new ProblemError('unsupported-media-type', `Content-Encoding ${encoding} is not accepted here: send the body as is, or gzip`)
  }
  try {
    return (await gunzipAsync(body, { maxOutputLength: limit })).toString('utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProblemError('payload-too-large', `the request body is larger than the limit of ${limit} bytes once gunzipped`, {
        limit: 'replayBodyLimit', limitValue: limit
      })
    }
    throw invalid('body', '', `the body is not valid gzip: ${(err as Error).message}`)
  }
}
