/**
 * Replays run off the event loop: a pool of at most `maxConcurrent` worker threads, each running
 * one replay at a time (replay-worker.ts parses the trace there too, so a 64 MiB text costs the
 * event loop one copy, not a parse). A replay asked for while every worker is busy is refused at
 * once (ReplayLimitError), not queued: a client can wait and retry, a queue would only hide the
 * wait. Workers are kept for the next replay, and never keep the process alive while idle.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { TraceBuilder, TraceError } from '../trace/index.js'
import type { ReplayOptions, ReplayResult, Trace, TraceErrorReason } from '../trace/index.js'
import type { Recording } from './recording.js'

/** Every worker is busy with a replay. */
export class ReplayLimitError extends Error {
  readonly code = 'TOO_MANY_REPLAYS'
  constructor (readonly limit: number) {
    super(`${limit} replay${limit === 1 ? ' is' : 's are'} already running, the most this server runs at once; retry when one has finished`)
    this.name = 'ReplayLimitError'
  }
}

/** The trace to replay: text to parse, JSON ops to check, or a trace already packed (a recording's). */
export type ReplaySource = { text: string } | { ops: unknown[] } | { trace: Trace }

/** What the pool sends a worker. */
export interface ReplayJob {
  source: ReplaySource
  options: ReplayOptions
  maxOps: number
}

/** What a worker answers. */
export type ReplayAnswer =
  | { ok: true, result: ReplayResult }
  | { ok: false, traceError: { reason: TraceErrorReason, message: string, line: number | undefined, index: number | undefined, limit: number | undefined } }
  | { ok: false, failure: string }

export interface ReplayPoolOptions {
  maxConcurrent: number
  /** Most ops a trace may hold (TraceError 'too-many-ops' beyond). */
  maxOps: number
  /** Node options of the workers (default: the process's own), e.g. a loader for TypeScript sources. */
  execArgv?: string[]
}

const WORKER_URL = new URL(import.meta.url.endsWith('.ts') ? './replay-worker.ts' : './replay-worker.js', import.meta.url)

export class ReplayPool {
  readonly maxConcurrent: number
  readonly maxOps: number
  private readonly execArgv: string[] | undefined
  private readonly idle: Worker[] = []
  private readonly busy = new Set<Worker>()
  private replays = 0

  constructor (options: ReplayPoolOptions) {
    this.maxConcurrent = options.maxConcurrent
    this.maxOps = options.maxOps
    this.execArgv = options.execArgv
  }

  /** Replays running now, each on a worker. */
  get running (): number {
    return this.busy.size
  }

  /** Replays a worker has answered since the pool was made. */
  get answered (): number {
    return this.replays
  }

  /**
   * Replays `source` on a worker. Rejects with ReplayLimitError when every worker is busy (before
   * anything else is done), TraceError for a trace that breaks a rule.
   */
  async run (source: ReplaySource, options: ReplayOptions = {}): Promise<ReplayResult> {
    if (this.busy.size >= this.maxConcurrent) throw new ReplayLimitError(this.maxConcurrent)
    const worker = this.idle.pop() ?? new Worker(WORKER_URL, this.execArgv === undefined ? {} : { execArgv: this.execArgv })
    this.busy.add(worker)
    worker.ref()
    const job: ReplayJob = { source, options, maxOps: this.maxOps }
    try {
      const answer = await ask(worker, job)
      this.replays++
      if (answer.ok) return answer.result
      if ('traceError' in answer) {
        const { reason, message, line, index, limit } = answer.traceError
        throw new TraceError(reason, message, line, index, limit)
      }
      throw new Error(`replay failed: ${answer.failure}`)
    } finally {
      this.busy.delete(worker)
      if (worker.threadId >= 0 && this.idle.length < this.maxConcurrent) {
        worker.unref()
        this.idle.push(worker)
      } else {
        worker.terminate().catch(() => {})
      }
    }
  }

  /** Stops every worker (a running replay then fails). */
  async close (): Promise<void> {
    const workers = [...this.idle, ...this.busy]
    this.idle.length = 0
    await Promise.all(workers.map(async (worker) => await worker.terminate()))
  }
}

/** Sends a job and waits for its answer; a worker that dies answers a failure (threadId then reads -1). */
async function ask (worker: Worker, job: ReplayJob): Promise<ReplayAnswer> {
  return await new Promise((resolve) => {
    const done = (answer: ReplayAnswer): void => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      resolve(answer)
    }
    const onMessage = (answer: ReplayAnswer): void => done(answer)
    const onError = (err: Error): void => done({ ok: false, failure: err.message })
    const onExit = (code: number): void => done({ ok: false, failure: `the replay worker exited with code ${code}` })
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
    const source = job.source
    worker.postMessage(job, 'trace' in source ? transferablesOf(source.trace) : [])
  })
}

function transferablesOf (trace: Trace): ArrayBuffer[] {
  return [trace.kind, trace.block, trace.size, trace.align, trace.aligned, trace.ids].map((array) => array.buffer as ArrayBuffer)
}

/** Ops packed between two yields to the event loop while a recording is read. */
const OPS_PER_SLICE = 65_536

/**
 * A recording heap's history packed as a trace, read a slice at a time so that other requests run
 * between slices: the ops recorded when it starts (a recording only grows meanwhile).
 */
export async function traceOfRecording (recording: Recording, maxOps: number): Promise<Trace> {
  const length = recording.length
  const builder = new TraceBuilder({ maxOps }, Math.min(length, maxOps + 1))
  for (let from = 0; from < length; from += OPS_PER_SLICE) {
    let index = from
    for (const op of recording.ops(from, Math.min(length, from + OPS_PER_SLICE))) {
      if (op.op === 'alloc') builder.addAlloc(op.id, op.size, op.align, undefined, index)
      else if (op.op === 'free') builder.addFree(op.id, undefined, index)
      else builder.addRealloc(op.id, op.size, undefined, index)
      index++
    }
    if (from + OPS_PER_SLICE < length) await yieldToEventLoop()
  }
  return builder.finish()
}
