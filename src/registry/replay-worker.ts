/**
 * A replay worker (replays.ts starts it): parses or checks the trace it is sent, replays it, and
 * answers the result or the rule the trace broke. One job at a time, as long as the pool keeps it.
 */
import { parentPort } from 'node:worker_threads'
import { parseTraceJson, parseTraceText, replayTrace, TraceError } from '../trace/index.js'
import type { Trace } from '../trace/index.js'
import type { ReplayAnswer, ReplayJob } from './replays.js'

function traceOf (job: ReplayJob): Trace {
  const source = job.source
  if ('text' in source) return parseTraceText(source.text, { maxOps: job.maxOps })
  if ('ops' in source) return parseTraceJson(source.ops, { maxOps: job.maxOps })
  return source.trace
}

function answer (job: ReplayJob): ReplayAnswer {
  try {
    return { ok: true, result: replayTrace(traceOf(job), job.options) }
  } catch (err) {
    if (err instanceof TraceError) {
      const { reason, message, line, index, limit } = err
      return { ok: false, traceError: { reason, message, line, index, limit } }
    }
    return { ok: false, failure: err instanceof Error ? err.stack ?? err.message : String(err) }
  }
}

parentPort?.on('message', (job: ReplayJob) => {
  parentPort?.postMessage(answer(job))
})
